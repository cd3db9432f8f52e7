# Course preamble: plotting style, colours, seed, grid-drawing helpers and animations, identical in
# every chapter so that each notebook runs on its own (its source is chapters/preamble.py).
#
# The figures' visual language, for every figure, animation and explorer (the explorers read the same
# colours from _static/explorers/palette.css):
# - COLORS, from the Okabe-Ito palette: input blue, kernel vermillion, output reddish purple, gradients
#   yellow (as a fill); the current selection (window, output entry, max) is framed in black, in every
#   chapter; WINDOWS colour several windows at once, and each output cell takes its window's colour.
# - Hatching means padding, and nothing else (draw_grid(..., hatch=PADDING_HATCH)).
# - Grids: lay them out with grid_figure, whose cells are CELL inches in every panel, so that kernels,
#   windows and dilated spans compare at scale; it wraps panels onto a second row to fit the column.
# - Size: draw for the site's 688 px content column (COLUMN inches at 96 dpi); the smallest text must be
#   at least 9 px where the figure is shown (tests/chapters/test_figure_size.py measures every figure).
# - Colour that encodes a value has a colour bar; panels that are compared share it: shared_scale.
import re

import matplotlib.pyplot as plt
import numpy as np

plt.rcParams.update({
    "figure.dpi": 96, "savefig.dpi": 96, "font.size": 10, "axes.titlesize": 11,
    "axes.titleweight": "bold", "axes.spines.top": False, "axes.spines.right": False,
})
# Role colours that stay apart for readers with any of the three colour vision deficiencies, and lines at
# least 3:1 against white (tests/chapters/test_figure_colours.py checks both).
COLORS = {"image": "#0072B2", "kernel": "#D55E00", "output": "#CC79A7", "highlight": "#000000",
          "gradient": "#F0E442", "padding": "#BBBBBB", "muted": "#767676"}
WINDOWS = ("#E69F00", "#56B4E9", "#009E73", "#F0E442")  # fills of windows shown together
PADDING_HATCH = "//"
CELL = 0.42  # inches: one grid cell, in every figure
COLUMN = 688 / 96  # inches: the site's content column at 1280 px
rng = np.random.default_rng(0)


def draw_grid(ax, values, *, origin=(0, 0), color=COLORS["image"], alpha=0.25, fmt="{:g}", title=None,
              hatch=None, fontsize=10):
    """Draw a 2-D array as a grid of labelled cells with its top-left corner at origin=(row, col); the
    axes' limits end at the cells drawn, so that grid_figure's panels keep one cell size."""
    values = np.asarray(values)
    r0, c0 = origin
    for (i, j), v in np.ndenumerate(values):
        ax.add_patch(plt.Rectangle((c0 + j, r0 + i), 1, 1, facecolor=color, alpha=alpha,
                                   edgecolor="black", linewidth=0.8))
        if hatch:
            ax.add_patch(plt.Rectangle((c0 + j, r0 + i), 1, 1, fill=False, hatch=hatch,
                                       edgecolor=COLORS["muted"], linewidth=0))
        ax.text(c0 + j + 0.5, r0 + i + 0.5, fmt.format(v), ha="center", va="center", fontsize=fontsize)
    box = ax.dataLim
    ax.set_xlim(box.x0, box.x1)
    ax.set_ylim(box.y1, box.y0)  # row 0 at the top, as in an array
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title)


def frame(ax, row, col, height=1, width=1, color=COLORS["highlight"], **style):
    """Frame the cells from (row, col), height x width of them: by default, the current selection."""
    style = {"fill": False, "edgecolor": color, "linewidth": 3, "clip_on": False, **style}
    return ax.add_patch(plt.Rectangle((col, row), width, height, **style))


def grid_figure(shapes, *, title_lines=1, suptitle_lines=1, gap=0.5, width=COLUMN, below=0.0):
    """A figure with one panel per (rows, cols) shape, each cell CELL inches wide, left to right and onto
    a new row when the column is full (or at None); title_lines of panel title above each, and below
    inches free under them (for a note). Returns (fig, axes)."""
    title, top = 0.24 * title_lines + 0.08, 0.26 * suptitle_lines + 0.1
    rows, row = [], []
    for shape in shapes:
        if shape is None:  # a new row here
            rows.append(row)
            row = []
            continue
        used = sum(c * CELL + gap for _, c in row)
        if row and used + shape[1] * CELL > width:
            rows.append(row)
            row = []
        row.append(shape)
    rows.append(row)
    widest = max(sum(c * CELL for _, c in r) + gap * (len(r) - 1) for r in rows)
    heights = [max(h for h, _ in r) * CELL + title for r in rows]
    fig = plt.figure(figsize=(widest + 0.2, sum(heights) + gap * (len(rows) - 1) + top + 0.1 + below))
    W, H = fig.get_size_inches()
    axes, y = [], H - top
    for r, height in zip(rows, heights, strict=True):
        x = (W - sum(c * CELL for _, c in r) - gap * (len(r) - 1)) / 2
        for h, c in r:
            axes.append(fig.add_axes([x / W, (y - title - h * CELL) / H, c * CELL / W, h * CELL / H]))
            x += c * CELL + gap
        y -= height + gap
    return fig, axes


def shared_scale(fig, axes, images, *, label, **imshow):
    """Draw one image per panel with one colour scale (the smallest and largest value of them all,
    unless vmin/vmax or a norm are given) and one colour bar labelled label: the panels are compared,
    and the site's tests check that they keep one scale. Returns the images drawn."""
    axes = list(axes)
    if "norm" not in imshow:  # a norm (e.g. LogNorm) carries its own limits
        imshow.setdefault("vmin", min(float(np.min(i)) for i in images))
        imshow.setdefault("vmax", max(float(np.max(i)) for i in images))
    shown = [ax.imshow(image, **imshow) for ax, image in zip(axes, images, strict=True)]
    fig.colorbar(shown[0], ax=list(axes), label=label, shrink=0.8)
    fig.compared = [*getattr(fig, "compared", []), list(axes)]
    return shown


class _TextSizes:
    """While open, the size in points of every text matplotlib draws (as what was drawn, not as set)."""

    def __enter__(self):
        from matplotlib.backends.backend_agg import RendererAgg

        self.sizes, self._draw = [], RendererAgg.draw_text

        def draw_text(renderer, gc, x, y, s, prop, *args, **kwargs):
            if str(s).strip():
                self.sizes.append((prop.get_size_in_points(), str(s)))
            return self._draw(renderer, gc, x, y, s, prop, *args, **kwargs)

        RendererAgg.draw_text = draw_text
        return self

    def __exit__(self, *exc):
        from matplotlib.backends.backend_agg import RendererAgg

        RendererAgg.draw_text = self._draw

    def measures(self, fig):
        """The figure's smallest text in pixels of its image, and the colour limits of compared panels."""
        groups = []
        for axes in getattr(fig, "compared", []):
            shown = [m for ax in axes for m in (*ax.images, *ax.collections) if m.get_array() is not None]
            groups.append({"limits": [list(map(float, m.get_clim())) for m in shown],
                           "colour_bar": any(m.colorbar is not None for m in shown)})
        size, text = min(self.sizes, default=(0.0, ""))
        return {"smallest_text_px": size * fig.dpi / 72, "smallest_text": text, "compared": groups}


def _measured_png(fig):
    """The inline backend's PNG of a figure, with its measures (see _TextSizes) in the output's metadata,
    which the book's tests read."""
    from IPython.core.pylabtools import print_figure

    with _TextSizes() as texts:
        png = print_figure(fig, "png", base64=True)
    return None if png is None else (png, {"figure": texts.measures(fig)})


try:
    from matplotlib.figure import Figure

    plt.close(plt.figure())  # the notebook backend starts with the first figure: start it first
    get_ipython().display_formatter.formatters["image/png"].for_type(Figure, _measured_png)  # noqa: F821
except NameError:  # plain Python: no notebook to show figures in
    pass


# Button labels for animations: plain characters instead of an icon font fetched from the network.
_BUTTONS = {"fa fa-minus": "\u2212", "fa fa-fast-backward": "\u21e4", "fa fa-step-backward": "\u25c1",
            "fa fa-play fa-flip-horizontal": "\u25c0", "fa fa-pause": "\u275a\u275a", "fa fa-play": "\u25b6",
            "fa fa-step-forward": "\u25b7", "fa fa-fast-forward": "\u21e5", "fa fa-plus": "+"}


# Each frame's title (the figure's suptitle), as text under the animation that screen readers announce as
# the frame changes, and the slider's value said as "Frame k of n"; a link opens the current frame at full
# size (on a phone the frame shrinks to the column), as a tap on a figure opens its image.
_DESCRIBE_FRAMES = """<script>
document.querySelectorAll(".animation").forEach(function (box) {
  var text = box.querySelector(".anim-frame"), img = box.querySelector("img");
  var slider = box.querySelector("input"), full = box.querySelector(".anim-full");
  if (!text || box.dataset.described) return;
  box.dataset.described = "yes";
  var titles = JSON.parse(text.dataset.frames);
  new MutationObserver(function () {
    var k = parseInt(slider.value, 10);
    text.textContent = titles[k] || "";
    slider.setAttribute("aria-valuetext", "Frame " + (k + 1) + " of " + titles.length);
  }).observe(img, {attributes: true, attributeFilter: ["src"]});
  full.addEventListener("click", function (event) {
    event.preventDefault();
    fetch(img.src).then(function (r) { return r.blob(); }).then(function (blob) {
      window.open(URL.createObjectURL(blob), "_blank");
    });
  });
});
</script>"""


def animate(fig, draw_frame, frames, interval=900):
    """Play draw_frame(k) for k = 0 .. frames - 1 as an animation that runs in a web page, offline. It
    starts paused; each frame's suptitle, which should name the step, is also shown, and announced, as
    text."""
    import html
    import json

    from IPython.display import HTML
    from matplotlib.animation import FuncAnimation

    titles = {}

    def draw(k):
        draw_frame(k)
        titles[k] = fig.get_suptitle()

    with _TextSizes() as texts:
        page = FuncAnimation(fig, draw, frames=frames, interval=interval).to_jshtml(default_mode="loop")
    plt.close(fig)
    page = re.sub(r'<link rel="stylesheet"\s+href="[^"]*font-awesome[^"]*">', "", page)
    page = re.sub(r'<i class="(fa [^"]+)"></i>', lambda m: _BUTTONS.get(m[1], ""), page)
    described = [titles.get(k, "") for k in range(frames)]
    measures = html.escape(json.dumps(texts.measures(fig)))
    text = (f'<p class="anim-frame" aria-live="polite" data-frames="{html.escape(json.dumps(described))}" '
            f'data-figure="{measures}">{html.escape(described[0])}</p>'
            '<p><a class="anim-full" href="#">Open this frame at full size</a></p>')
    page = page.replace('<div class="anim-controls">', text + '<div class="anim-controls">', 1)
    return HTML(page + _DESCRIBE_FRAMES)
