// Explorer "correlation" (chapter 01): a small integer image and kernel, the window stepped over every
// valid position, its products and their sum; convolution slides the kernel rotated by 180 degrees.
// Values: seed 0 gives image[i][j] = (i * w + j) % 10 and kernel[m][n] = m * kw + n + 1 (h = w = 3,
// kh = kw = 2 is the chapter's worked example); a seed s >= 1 gives minstd draws x -> x % 7 - 3, the
// image row by row, then the kernel. With input=digit: the digit (8 x 8, explorer.js's digit) through Sobel x.
(() => {
"use strict";

const { DIGIT, EDGES, EDGE_NAMES, Refusal, array2d, atMost, digit, explorer, grid, integer, minstd, panel, repr, tuple } =
  window.CourseExplorer;

const OPS = ["correlation", "convolution"];

function values(h, w, kh, kw, seed) {
  if (seed === 0) return [array2d(h, w, (i, j) => (i * w + j) % 10), array2d(kh, kw, (m, n) => m * kw + n + 1)];
  let x = seed;
  const draw = () => {
    x = minstd(x);
    return (x % 7) - 3;
  };
  const image = array2d(h, w, draw);
  return [image, array2d(kh, kw, draw)];
}

function compute(p) {
  const img = digit(p);
  const [h, w, kh, kw] = img ? [8, 8, 3, 3] : ["h", "w", "kh", "kw"].map((k) => integer(k, p[k], 1));
  const seed = img ? 0 : integer("seed", p.seed, 0);
  if (!OPS.includes(p.op)) throw new Refusal(`op must be 'correlation' or 'convolution', got ${repr(p.op)}`);
  atMost("images", Math.max(h, w), 8);
  atMost("kernels", Math.max(kh, kw), 5);
  atMost("seeds", seed, 99999);
  if (kh > h || kw > w) throw new Refusal(`kernel ${tuple(kh, kw)} is larger than the image ${tuple(h, w)}`);
  const [image, kernel] = img ? [img, EDGES[0]] : values(h, w, kh, kw, seed);
  const flip = p.op === "convolution";
  const used = flip ? kernel.map((r) => [...r].reverse()).reverse() : kernel;
  const output = array2d(h - kh + 1, w - kw + 1, (i, j) => {
    let s = 0;
    for (let m = 0; m < kh; m++) for (let n = 0; n < kw; n++) s += image[i + m][j + n] * used[m][n];
    return s;
  });
  return { image, kernel, used, output, shape: [output.length, output[0].length] };
}

const num = (v) => (v < 0 ? `(${v})` : String(v));

function render(s, [i, j], p) {
  const [kh, kw] = [s.kernel.length, s.kernel[0].length];
  const flip = p.op === "convolution";
  const inWindow = (r, c) => r >= i && r < i + kh && c >= j && c < j + kw;
  const terms = [];
  for (let m = 0; m < kh; m++) for (let n = 0; n < kw; n++) terms.push(`${num(s.image[i + m][j + n])}×${num(s.used[m][n])}`);
  const say = `output ${tuple(i, j)} = ${terms.join(" + ")} = ${s.output[i][j]}${flip ? " (kernel flipped)" : ""}`;
  const [h, w] = [s.image.length, s.image[0].length];
  const html =
    `<div class="xp-panels">` +
    panel(`${p.input === "digit" ? `Digit ${p.digit}` : "Image"} (${h} × ${w}), window at ${tuple(i, j)}`, grid(s.image, "Image", (r, c) => (inWindow(r, c) ? "xp-on" : "")), "image") +
    panel(`Kernel (${kh} × ${kw})${p.input === "digit" ? `: ${EDGE_NAMES[0]}` : ""}`, grid(s.kernel, "Kernel", () => (flip ? "" : "xp-on")), "kernel") +
    (flip ? panel("Kernel flipped (rotated 180°): what convolution slides", grid(s.used, "Flipped kernel", () => "xp-on"), "kernel") : "") +
    panel(
      `${flip ? "Convolution" : "Cross-correlation"} (${s.shape[0]} × ${s.shape[1]} = (${h} − ${kh} + 1) × (${w} − ${kw} + 1))`,
      grid(s.output, "Output", (r, c) => (r === i && c === j ? "xp-now" : ""), (r, c) => [r, c]),
      "output",
    ) +
    `</div>`;
  return { html, say };
}

explorer("correlation", {
  title: "Explorer: cross-correlation and convolution",
  help: "Each output entry is the sum of the window's entries times the kernel's.",
  params: [
    { key: "h", label: "Image rows", value: 3, min: 1, max: 8, when: "numbers" },
    { key: "w", label: "Image columns", value: 3, min: 1, max: 8, when: "numbers" },
    { key: "kh", label: "Kernel rows", value: 2, min: 1, max: 5, when: "numbers" },
    { key: "kw", label: "Kernel columns", value: 2, min: 1, max: 5, when: "numbers" },
    { key: "op", label: "Operation", value: "correlation", options: OPS },
    { key: "seed", label: "Seed (0: a fixed pattern)", value: 0, min: 0, max: 99999, when: "numbers" },
    ...DIGIT,
  ],
  compute,
  render,
});
})();
