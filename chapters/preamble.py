# Course preamble: plotting style, colours, seed, a grid-drawing helper and animations, identical in
# every chapter so that each notebook runs on its own (its source is chapters/preamble.py).
import re

import matplotlib.pyplot as plt
import numpy as np

plt.rcParams.update({
    "figure.dpi": 96, "savefig.dpi": 96, "font.size": 10, "axes.titlesize": 11,
    "axes.titleweight": "bold", "axes.spines.top": False, "axes.spines.right": False,
})
# Role colours that stay apart for readers with any of the three colour vision deficiencies, and lines at
# least 3:1 against white (tests/test_figure_colours.py checks both).
COLORS = {"image": "#124680", "kernel": "#E37533", "output": "#3DA17C",
          "highlight": "#880414", "padding": "#BBBBBB", "muted": "#8C8C8C"}
rng = np.random.default_rng(0)


def draw_grid(ax, values, *, origin=(0, 0), color=COLORS["image"], alpha=0.25, fmt="{:g}", title=None):
    """Draw a 2-D array as a grid of labelled cells with its top-left corner at origin=(row, col)."""
    values = np.asarray(values)
    r0, c0 = origin
    for (i, j), v in np.ndenumerate(values):
        ax.add_patch(plt.Rectangle((c0 + j, r0 + i), 1, 1, facecolor=color, alpha=alpha,
                                   edgecolor="black", linewidth=0.8))
        ax.text(c0 + j + 0.5, r0 + i + 0.5, fmt.format(v), ha="center", va="center", fontsize=9)
    ax.autoscale_view()
    if not ax.yaxis_inverted():
        ax.invert_yaxis()  # row 0 at the top, as in an array
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title)


# Button labels for animations: plain characters instead of an icon font fetched from the network.
_BUTTONS = {"fa fa-minus": "\u2212", "fa fa-fast-backward": "\u21e4", "fa fa-step-backward": "\u25c1",
            "fa fa-play fa-flip-horizontal": "\u25c0", "fa fa-pause": "\u275a\u275a", "fa fa-play": "\u25b6",
            "fa fa-step-forward": "\u25b7", "fa fa-fast-forward": "\u21e5", "fa fa-plus": "+"}


# Each frame's title (the figure's suptitle), as text under the animation that screen readers announce as
# the frame changes, and the slider's value said as "Frame k of n".
_DESCRIBE_FRAMES = """<script>
document.querySelectorAll(".animation").forEach(function (box) {
  var text = box.querySelector(".anim-frame"), img = box.querySelector("img");
  var slider = box.querySelector("input");
  if (!text || box.dataset.described) return;
  box.dataset.described = "yes";
  var titles = JSON.parse(text.dataset.frames);
  new MutationObserver(function () {
    var k = parseInt(slider.value, 10);
    text.textContent = titles[k] || "";
    slider.setAttribute("aria-valuetext", "Frame " + (k + 1) + " of " + titles.length);
  }).observe(img, {attributes: true, attributeFilter: ["src"]});
});
</script>"""


def animate(fig, draw_frame, frames, interval=900):
    """Play draw_frame(k) for k = 0 .. frames - 1 as an animation that runs in a web page, offline. It
    starts paused; each frame's suptitle is also shown, and announced, as text."""
    import html
    import json

    from IPython.display import HTML
    from matplotlib.animation import FuncAnimation

    titles = {}

    def draw(k):
        draw_frame(k)
        titles[k] = fig.get_suptitle()

    page = FuncAnimation(fig, draw, frames=frames, interval=interval).to_jshtml(default_mode="loop")
    plt.close(fig)
    page = re.sub(r'<link rel="stylesheet"\s+href="[^"]*font-awesome[^"]*">', "", page)
    page = re.sub(r'<i class="(fa [^"]+)"></i>', lambda m: _BUTTONS.get(m[1], ""), page)
    described = [titles.get(k, "") for k in range(frames)]
    text = (f'<p class="anim-frame" aria-live="polite" data-frames="{html.escape(json.dumps(described))}">'
            f"{html.escape(described[0])}</p>")
    page = page.replace('<div class="anim-controls">', text + '<div class="anim-controls">', 1)
    return HTML(page + _DESCRIBE_FRAMES)
