// Explorer "output-size" (chapter 03): an n x n image padded by p in one of four modes, a k x k kernel of
// ones with dilation d slid with stride s, the output-size formula with the numbers filled in, and the
// rows and columns of the padded input that no window reads (the floor drops the last ones).
// Values: image[r][c] = r * n + c + 1 (row by row from 1, as the chapter's padding figure); the kernel
// is all ones, so an output is the sum of the padded input under its taps.
(() => {
"use strict";

const { Refusal, array2d, atMost, explorer, grid, integer, panel, repr, tuple } = window.CourseExplorer;

const MODES = ["zeros", "reflect", "replicate", "circular"];

// Where padded index t (0 .. n + 2p - 1) takes its value from in the image, or -1 for a zero.
function source(t, n, p, mode) {
  const u = t - p;
  if (u >= 0 && u < n) return u;
  if (mode === "reflect") return u < 0 ? -u : 2 * (n - 1) - u;
  if (mode === "replicate") return u < 0 ? 0 : n - 1;
  if (mode === "circular") return (u + n) % n;
  return -1;
}

function compute(q) {
  // solutions.output_size's checks, in its order and words, then pad2d's.
  const n = integer("input_size", q.n, 1);
  const k = integer("kernel_size", q.k, 1);
  const p = integer("padding", q.p, 0);
  const s = integer("stride", q.s, 1);
  const d = integer("dilation", q.d, 1);
  atMost("input sizes", n, 10);
  atMost("kernel sizes", k, 7);
  atMost("padding", p, 4);
  atMost("strides", s, 4);
  atMost("dilations", d, 3);
  const span = d * (k - 1) + 1;
  if (span > n + 2 * p) {
    throw new Refusal(
      `kernel_size ${k} (spanning ${span} with dilation ${d}) is larger than input_size ${n} ` +
        `with padding ${p}: the output would be empty`,
    );
  }
  if (!MODES.includes(q.mode)) {
    throw new Refusal(`mode must be one of ${MODES.map((m) => `'${m}'`).join(", ")}, got ${repr(q.mode)}`);
  }
  if (q.mode === "reflect" && p >= n) throw new Refusal(`padding ${p} must be < the image height ${n} for mode 'reflect'`);
  if (q.mode === "circular" && p > n) throw new Refusal(`padding ${p} must be <= the image height ${n} for mode 'circular'`);
  const size = n + 2 * p;
  const from = Array.from({ length: size }, (_, t) => source(t, n, p, q.mode));
  const padded = array2d(size, size, (r, c) => (from[r] < 0 || from[c] < 0 ? 0 : from[r] * n + from[c] + 1));
  const out = Math.floor((size - span) / s) + 1;
  const output = array2d(out, out, (i, j) => {
    let sum = 0;
    for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) sum += padded[i * s + a * d][j * s + b * d];
    return sum;
  });
  const read = new Array(size).fill(false);
  for (let o = 0; o < out; o++) for (let a = 0; a < k; a++) read[o * s + a * d] = true;
  const unread = read.flatMap((r, t) => (r ? [] : [t]));
  return { padded, output, shape: [out, out], span, unread, dropped: (size - span) % s };
}

const range = (what, a, b) => (a === b ? `${what} ${a}` : `${what}s ${a} to ${b}`);
const list = (xs) => (xs.length > 1 ? `${xs.slice(0, -1).join(", ")} and ${xs[xs.length - 1]}` : `${xs[0]}`);

function render(st, [i, j], q) {
  const { n, k, p, s, d } = q;
  const size = n + 2 * p;
  const taps = (t, o) => t >= o * s && t <= o * s + (k - 1) * d && (t - o * s) % d === 0;
  const pad = (t) => t < p || t >= p + n;
  const never = new Set(st.unread);
  const mark = (r, c) =>
    [taps(r, i) && taps(c, j) ? "xp-on" : "", pad(r) || pad(c) ? "xp-pad" : "", never.has(r) || never.has(c) ? "xp-unread" : ""].join(" ").trim();
  const out = st.shape[0];
  const formula =
    `Output size = ⌊(n + 2p − d(k − 1) − 1) / s⌋ + 1 = ⌊(${n} + 2×${p} − ${d}×(${k} − 1) − 1) / ${s}⌋ + 1` +
    ` = ⌊${size - st.span} / ${s}⌋ + 1 = ${Math.floor((size - st.span) / s)} + 1 = ${out}`;
  const last = st.unread.filter((t) => t > (out - 1) * s + st.span - 1);
  const inner = st.unread.filter((t) => !last.includes(t));
  let notes = st.dropped
    ? `The floor drops ${st.dropped} of the ${size} padded rows (and columns): no window reaches ` +
      `${range("row", size - st.dropped, size - 1)} or ${range("column", size - st.dropped, size - 1)}.`
    : "The windows reach the last row and column: the division is exact.";
  if (inner.length) notes += ` The stride or the dilation skips rows and columns ${list(inner)}: no window reads them.`;
  const say =
    `output ${tuple(i, j)} = sum of the padded input's ${k} × ${k} ${d > 1 ? `taps, ${d} apart,` : "window"} at ` +
    `${range("row", i * s, i * s + st.span - 1)}, ${range("column", j * s, j * s + st.span - 1)} = ${st.output[i][j]}`;
  const html =
    `<p class="xp-note">${formula}</p><p class="xp-note">${notes}</p><div class="xp-panels">` +
    panel(
      `Padded input (${size} × ${size}, mode ${q.mode}): padding hatched, in italics; never read in dashed frames`,
      grid(st.padded, "Padded input", mark),
      "image",
    ) +
    panel(`Output (${out} × ${out})`, grid(st.output, "Output", (r, c) => (r === i && c === j ? "xp-now" : ""), (r, c) => [r, c]), "output") +
    `</div>`;
  return { html, say };
}

explorer("output-size", {
  title: "Explorer: padding, stride, dilation and the output size",
  help: "The image holds 1, 2, 3, … row by row and the kernel is all ones, so each output is the sum of its window.",
  params: [
    { key: "n", label: "Input size n", value: 7, min: 1, max: 10 },
    { key: "k", label: "Kernel size k", value: 3, min: 1, max: 7 },
    { key: "p", label: "Padding p", value: 1, min: 0, max: 4 },
    { key: "s", label: "Stride s", value: 2, min: 1, max: 4 },
    { key: "d", label: "Dilation d", value: 1, min: 1, max: 3 },
    { key: "mode", label: "Padding mode", value: "zeros", options: MODES },
  ],
  compute,
  render,
});
})();
