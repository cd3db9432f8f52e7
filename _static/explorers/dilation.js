// Explorer "dilation" (chapter 06): a kernel's taps d pixels apart (the dilated kernel, span d(k - 1) + 1),
// the valid dilated cross-correlation stepped over every output, and a stack of three or so dilated
// layers of k-tap all-ones kernels: along one axis, how many paths lead from one output unit to each input
// pixel of its span, and how many of the span it reads (gridding when the dilations share a factor).
// A stack is one of STACKS (each with a "-": a lone number would be read as an int).
// Values: seed 0 gives image[i][j] = (i * w + j) % 5 and kernel[m][n] = m * kw + n + 1; a seed s >= 1
// gives minstd draws x -> x % 7 - 3, the image row by row, then the kernel.
(() => {
"use strict";

const { Refusal, array2d, atMost, explorer, grid, integer, minstd, panel, repr, tuple } = window.CourseExplorer;

const STACKS = ["1-2-4", "2-2-2", "2-4-8", "1-2-5", "1-2-3", "3-3-3", "1-1-1", "1-2-4-8", "2-2", "1-3-9"];

function values(h, w, kh, kw, seed) {
  if (seed === 0) return [array2d(h, w, (i, j) => (i * w + j) % 5), array2d(kh, kw, (m, n) => m * kw + n + 1)];
  let x = seed;
  const draw = () => {
    x = minstd(x);
    return (x % 7) - 3;
  };
  const image = array2d(h, w, draw);
  return [image, array2d(kh, kw, draw)];
}

// Paths from one output unit to each input pixel (along one axis), the layers' k-tap all-ones kernels
// dilated by ds: the composition (full convolution) of the dilated kernels.
function coverage(k, ds) {
  let counts = [1];
  for (const d of ds) {
    const next = new Array(counts.length + d * (k - 1)).fill(0);
    counts.forEach((c, x) => {
      for (let m = 0; m < k; m++) next[x + m * d] += c;
    });
    counts = next;
  }
  return counts;
}

function compute(p) {
  const [h, w, kh, kw] = ["h", "w", "kh", "kw"].map((key) => integer(key, p[key], 1));
  const seed = integer("seed", p.seed, 0);
  const d = integer("dilation", p.d, 1);
  atMost("images", Math.max(h, w), 9);
  atMost("kernels", Math.max(kh, kw), 4);
  atMost("seeds", seed, 99999);
  const span = [d * (kh - 1) + 1, d * (kw - 1) + 1];
  if (span[0] > h || span[1] > w) {
    throw new Refusal(`dilated kernel ${tuple(...span)} is larger than the image ${tuple(h, w)}`);
  }
  if (!STACKS.includes(p.stack)) {
    throw new Refusal(`stack must be one of ${STACKS.map(repr).join(", ")}, got ${repr(p.stack)}`);
  }
  const k = atMost("stack kernels", integer("kernel_size", p.k, 1), 5);
  const [image, kernel] = values(h, w, kh, kw, seed);
  const dilated = array2d(span[0], span[1], (r, c) => (r % d || c % d ? 0 : kernel[r / d][c / d]));
  const output = array2d(h - span[0] + 1, w - span[1] + 1, (i, j) => {
    let s = 0;
    for (let m = 0; m < kh; m++) for (let n = 0; n < kw; n++) s += image[i + d * m][j + d * n] * kernel[m][n];
    return s;
  });
  const dilations = p.stack.split("-").map(Number);
  const cover = coverage(k, dilations);
  const used = cover.filter((c) => c > 0).length;
  return {
    image, kernel, dilated, span, output, shape: [output.length, output[0].length],
    dilations, spans: dilations.map((di) => di * (k - 1) + 1), coverage: cover,
    used, used2d: used * used, span1d: cover.length, span2d: cover.length ** 2,
  };
}

const num = (v) => (v < 0 ? `(${v})` : String(v));
const list = (xs) => (xs.length === 1 ? `${xs[0]}` : `${xs.slice(0, -1).join(", ")} and ${xs[xs.length - 1]}`);

// Paths per input pixel as bars on a scale from 0 to the largest count, with a row of counts and a row
// of pixel indices under them; a pixel no path reaches has a dashed stub. One image for assistive
// technology, listing the counts.
function bars(counts) {
  const top = Math.max(...counts);
  const height = 3; // em, the tallest bar
  const row = (head, f) => `<span class="xp-axis-head">${head}</span>` + counts.map((c, x) => `<span>${f(c, x)}</span>`).join("");
  const columns = counts
    .map((c) => {
      const h = c && top ? ((c / top) * height).toFixed(2) : 0.5;
      return `<span class="xp-bar${c ? "" : " xp-zero"}"><i style="height: ${h}em"></i></span>`;
    })
    .join("");
  return (
    `<div class="xp-bars" role="img" aria-label="Paths per input pixel, pixels 0 to ${counts.length - 1}: ` +
    `${counts.join(" ")}" style="grid-template-columns: auto repeat(${counts.length}, minmax(1.6em, max-content))">` +
    `<span class="xp-axis" style="height: ${height}em"><span>${top}</span><span>0</span></span>${columns}` +
    `${row("paths", (c) => c)}${row("pixel", (c, x) => `<small>${x}</small>`)}</div>`
  );
}

function render(s, [i, j], p) {
  const d = p.d;
  const [kh, kw] = [s.kernel.length, s.kernel[0].length];
  const [h, w] = [s.image.length, s.image[0].length];
  const rows = s.kernel.map((_, m) => i + d * m);
  const cols = s.kernel[0].map((_, n) => j + d * n);
  const mark = (r, c) => {
    const inSpan = r >= i && r < i + s.span[0] && c >= j && c < j + s.span[1];
    if (!inSpan) return "";
    return (r - i) % d || (c - j) % d ? "xp-unread" : "xp-on";
  };
  const terms = [];
  for (let m = 0; m < kh; m++) for (let n = 0; n < kw; n++) terms.push(`${num(s.image[rows[m]][cols[n]])}×${num(s.kernel[m][n])}`);
  const say =
    `output ${tuple(i, j)}: taps at rows ${list(rows)} and columns ${list(cols)} ` +
    `(span ${s.span[0]} × ${s.span[1]}) = ${terms.join(" + ")} = ${s.output[i][j]}`;
  const ds = s.dilations.join(", ");
  const stackCap =
    `A stack of ${s.dilations.length} layer${s.dilations.length > 1 ? "s" : ""} of ${p.k} taps, dilations ${ds}: ` +
    `paths from one output unit to each input pixel along one axis. It reads ${s.used} of the ${s.span1d} ` +
    `pixels of its span (${s.used2d} of ${s.span2d} in 2-D). Each bar: the paths to that pixel (scale 0 to ` +
    `${Math.max(...s.coverage)}), with the count and the pixel's index under it; dashed: no path.`;
  const html =
    `<div class="xp-panels">` +
    panel(`Image (${h} × ${w}), window at ${tuple(i, j)}: taps framed, skipped pixels in dashed frames`,
      grid(s.image, "Image", mark), "image") +
    panel(`Kernel (${kh} × ${kw})`, grid(s.kernel, "Kernel", () => "xp-on"), "kernel") +
    panel(`Dilated by ${d}: ${s.span[0]} × ${s.span[1]} = (${d}(${kh} − 1) + 1) × (${d}(${kw} − 1) + 1)`,
      grid(s.dilated, "Dilated kernel", (r, c) => (r % d || c % d ? "" : "xp-on")), "kernel") +
    panel(`Output (${s.shape[0]} × ${s.shape[1]} = (${h} − ${s.span[0]} + 1) × (${w} − ${s.span[1]} + 1))`,
      grid(s.output, "Output", (r, c) => (r === i && c === j ? "xp-now" : ""), (r, c) => [r, c]), "output") +
    `</div>` +
    `<div class="xp-panels" style="margin-top: 1rem">` +
    panel(stackCap, bars(s.coverage)).replace('"xp-panel"', '"xp-panel xp-side"') +
    `</div>`;
  return { html, say };
}

explorer("dilation", {
  title: "Explorer: dilated kernels, dilated correlation and gridding",
  help: "The kernel's taps sit d pixels apart: each output reads every d-th pixel of its window.",
  params: [
    { key: "h", label: "Image rows", value: 7, min: 1, max: 9 },
    { key: "w", label: "Image columns", value: 7, min: 1, max: 9 },
    { key: "kh", label: "Kernel rows", value: 3, min: 1, max: 4 },
    { key: "kw", label: "Kernel columns", value: 3, min: 1, max: 4 },
    { key: "d", label: "Dilation", value: 2, min: 1, max: 8 },
    { key: "seed", label: "Seed (0: a fixed pattern)", value: 0, min: 0, max: 99999 },
    { key: "stack", label: "Stack's dilations", value: "2-2-2", options: STACKS },
    { key: "k", label: "Stack's taps per layer", value: 3, min: 1, max: 5 },
  ],
  compute,
  render,
});
})();
