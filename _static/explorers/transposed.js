// Explorer "transposed" (chapter 08): each input pixel stamps the kernel, scaled by its value, onto a canvas,
// stride pixels apart; overlaps add up, output_padding adds rows and columns at the bottom and right of the
// canvas, padding crops that many off each side; and the count of stamps per output pixel (the checkerboard).
// Values: seed 0 gives x[i][j] = (i * w + j) % 9 + 1 and a kernel of ones with a 2 at its centre (when both
// sizes are odd): h = w = 2, k = 3, stride 2 is the chapter's figure. A seed s >= 1 gives minstd draws
// x -> x % 7 - 3, the input row by row, then the kernel.
(() => {
"use strict";

const { Refusal, array2d, atMost, explorer, grid, integer, minstd, panel, tuple } = window.CourseExplorer;

function values(h, w, kh, kw, seed) {
  if (seed === 0) {
    const centre = (m, n) => (2 * m + 1 === kh && 2 * n + 1 === kw ? 2 : 1);
    return [array2d(h, w, (i, j) => ((i * w + j) % 9) + 1), array2d(kh, kw, centre)];
  }
  let x = seed;
  const draw = () => {
    x = minstd(x);
    return (x % 7) - 3;
  };
  const input = array2d(h, w, draw);
  return [input, array2d(kh, kw, draw)];
}

// solutions.transposed_output_size(n, k, p, s, op) and its refusals.
function size(n, k, p, s, op) {
  if (op >= s) throw new Refusal(`output_padding must be smaller than stride ${s}, got ${op}`);
  const out = (n - 1) * s - 2 * p + k + op;
  if (out < 1) throw new Refusal(`padding ${p} crops the whole output away: the output size would be ${out}`);
  return out;
}

// The canvas after the first `upto` stamps (all of them by default), and how many stamps cover each pixel.
function stamp(x, kernel, s, op, upto = Infinity) {
  const [h, w, kh, kw] = [x.length, x[0].length, kernel.length, kernel[0].length];
  const rows = (h - 1) * s + kh + op;
  const cols = (w - 1) * s + kw + op;
  const canvas = array2d(rows, cols, () => 0);
  const counts = array2d(rows, cols, () => 0);
  for (let t = 0; t < Math.min(upto, h * w); t++) {
    const [i, j] = [Math.floor(t / w), t % w];
    for (let m = 0; m < kh; m++) {
      for (let n = 0; n < kw; n++) {
        canvas[i * s + m][j * s + n] += x[i][j] * kernel[m][n];
        counts[i * s + m][j * s + n] += 1;
      }
    }
  }
  return { canvas, counts };
}

const crop = (a, p, rows, cols) => a.slice(p, p + rows).map((r) => r.slice(p, p + cols));

function compute(q) {
  const [h, w, kh, kw] = ["h", "w", "kh", "kw"].map((k) => integer(k, q[k], 0));
  const seed = integer("seed", q.seed, 0);
  if (kh === 0 || kw === 0) throw new Refusal(`weight must not be empty, got shape (1, 1, ${kh}, ${kw})`);
  const s = integer("stride", q.stride, 1);
  const p = integer("padding", q.padding, 0);
  const op = integer("output_padding", q.output_padding, 0);
  if (h === 0 || w === 0) throw new Refusal(`x must not be empty, got shape (1, 1, ${h}, ${w})`);
  const shape = [size(h, kh, p, s, op), size(w, kw, p, s, op)];
  atMost("inputs", Math.max(h, w), 6);
  atMost("kernels", Math.max(kh, kw), 5);
  atMost("strides", s, 4);
  atMost("padding", p, 4);
  atMost("seeds", seed, 99999);
  const [x, kernel] = values(h, w, kh, kw, seed);
  const { canvas, counts } = stamp(x, kernel, s, op);
  const output = crop(canvas, p, ...shape);
  return { x, kernel, canvas, output, counts: crop(counts, p, ...shape), shape };
}

const num = (v) => (v < 0 ? `(${v})` : String(v));
const span = (word, a, b) => (a === b ? `${word} ${a}` : `${word}s ${a} to ${b}`);

function render(z, [i, j], q) {
  const [h, w, kh, kw] = [z.x.length, z.x[0].length, z.kernel.length, z.kernel[0].length];
  const { stride: s, padding: p, output_padding: op } = q;
  const [rows, cols] = [z.canvas.length, z.canvas[0].length];
  const t = i * w + j;
  const before = stamp(z.x, z.kernel, s, op, t).counts;
  const reached = stamp(z.x, z.kernel, s, op).counts;
  const now = stamp(z.x, z.kernel, s, op, t + 1).canvas;
  const [r0, c0] = [i * s, j * s];
  const inStamp = (r, c) => r >= r0 && r < r0 + kh && c >= c0 && c < c0 + kw;
  let overlaps = 0;
  for (let m = 0; m < kh; m++) for (let n = 0; n < kw; n++) overlaps += before[r0 + m][c0 + n] > 0;
  const cropped = (r, c) => r < p || c < p || r >= p + z.shape[0] || c >= p + z.shape[1];
  const v = z.x[i][j];
  let say =
    `input ${tuple(i, j)} = ${v} adds ${num(v)} × kernel to canvas ${span("row", r0, r0 + kh - 1)}, ` +
    `${span("column", c0, c0 + kw - 1)} (stamp ${t + 1} of ${h * w})`;
  if (overlaps) say += `, overlapping earlier stamps at ${overlaps} pixel${overlaps > 1 ? "s" : ""}`;
  if (p) {
    const [a, b] = [Math.max(r0, p) - p, Math.min(r0 + kh, p + z.shape[0]) - 1 - p];
    const [c, d] = [Math.max(c0, p) - p, Math.min(c0 + kw, p + z.shape[1]) - 1 - p];
    say +=
      a > b || c > d
        ? `; padding ${p} crops all of it away`
        : `; after padding ${p} is cropped: output ${span("row", a, b)}, ${span("column", c, d)}`;
  }
  const onOutput = (r, c) => (inStamp(r + p, c + p) ? "xp-on" : "");
  const formula = (n, k) => `(${n} − 1)·${s} − 2·${p} + ${k} + ${op}`;
  const html =
    `<div class="xp-panels">` +
    panel(`Input x (${h} × ${w}), pixel ${tuple(i, j)}`, grid(z.x, "Input", (r, c) => (r === i && c === j ? "xp-now" : ""), (r, c) => [r, c]), "image") +
    panel(`Kernel (${kh} × ${kw})`, grid(z.kernel, "Kernel", () => "xp-on"), "kernel") +
    panel(
      `Canvas (${rows} × ${cols}) after ${t + 1} of ${h * w} stamps, ${s} apart` +
        `${p ? `; italic: cropped by padding ${p}` : ""}; in dashed frames: no stamp reaches it`,
      grid(now, "Canvas", (r, c) =>
        [inStamp(r, c) && "xp-on", cropped(r, c) && "xp-pad", !reached[r][c] && "xp-unread"]
          .filter(Boolean)
          .join(" "),
      ),
      "output",
    ) +
    panel(`Output (${z.shape[0]} × ${z.shape[1]}), all stamps added, padding cropped`, grid(z.output, "Output", onOutput), "output") +
    panel(
      `Stamps covering each output pixel: away from the border, even only if the stride divides each kernel size`,
      grid(z.counts, "Stamp counts", onOutput),
    ) +
    `</div><p class="xp-note">Output size: rows ${formula(h, kh)} = ${z.shape[0]}, ` +
    `columns ${formula(w, kw)} = ${z.shape[1]} ((n − 1)·stride − 2·padding + k + output_padding).</p>`;
  return { html, say };
}

explorer("transposed", {
  title: "Explorer: transposed convolution, stamp by stamp",
  help:
    "Each input pixel adds its value times the kernel to the canvas, stride pixels apart, and overlaps add up;" +
    " output_padding adds rows and columns at the canvas's bottom and right, then padding crops each side.",
  params: [
    { key: "h", label: "Input rows", value: 2, min: 1, max: 6 },
    { key: "w", label: "Input columns", value: 2, min: 1, max: 6 },
    { key: "kh", label: "Kernel rows", value: 3, min: 1, max: 5 },
    { key: "kw", label: "Kernel columns", value: 3, min: 1, max: 5 },
    { key: "stride", label: "Stride", value: 2, min: 1, max: 4 },
    { key: "padding", label: "Padding", value: 0, min: 0, max: 4 },
    { key: "output_padding", label: "Output padding", value: 0, min: 0, max: 3 },
    { key: "seed", label: "Seed (0: a fixed pattern)", value: 0, min: 0, max: 99999 },
  ],
  compute,
  render,
  steps: (z) => ({ list: array2d(z.x.length, z.x[0].length, (i, j) => [i, j]).flat(), cols: z.x[0].length }),
  pickName: "an input pixel",
  stepName: "Input pixel",
  stepText: ([i, j]) => `input ${tuple(i, j)}`,
});
})();
