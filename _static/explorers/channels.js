// Explorer "channels" (chapter 04): a convolution layer on a C-channel input with F filters, stride and
// zero padding; each output value is the sum over the channels of window times filter, plus the bias.
// Values: minstd draws from the seed, in this order: x (channel, row, column) as v % 3 (0 .. 2), then
// weight (filter, channel, row, column) and bias (filter) as v % 3 - 1 (-1 .. 1). With input=digit: one
// channel, the digit (explorer.js's digit), through the first f of explorer.js's EDGES (3 x 3), bias 0.
(() => {
"use strict";

const { DIGIT, EDGES, EDGE_NAMES, Refusal, array2d, atMost, digit, explorer, grid, integer, minstd, panel, tuple } =
  window.CourseExplorer;

function values(c, f, h, w, kh, kw, seed) {
  let v = seed;
  const draw = (shift) => () => {
    v = minstd(v);
    return (v % 3) - shift;
  };
  const x = Array.from({ length: c }, () => array2d(h, w, draw(0)));
  const weight = Array.from({ length: f }, () => Array.from({ length: c }, () => array2d(kh, kw, draw(1))));
  const bias = Array.from({ length: f }, draw(1));
  return { x, weight, bias };
}

function compute(p) {
  const img = digit(p);
  const [c, f, h, w, kh, kw] = ["c", "f", "h", "w", "kh", "kw"].map((k) =>
    img && k !== "f" ? { c: 1, h: 8, w: 8 }[k] || 3 : integer(k, p[k], 1),
  );
  const seed = img ? 1 : integer("seed", p.seed, 1);
  // solutions.conv2d's checks, in its order and words: stride, padding, then the fit.
  const [sh, sw] = [p.sh, p.sw].map((v) => integer("stride", v, 1));
  const [ph, pw] = [p.ph, p.pw].map((v) => integer("padding", v, 0));
  atMost("channels", c, 3);
  atMost("filters", f, 3);
  atMost("images", Math.max(h, w), img ? 8 : 6);
  atMost("kernels", Math.max(kh, kw), 4);
  atMost("strides", Math.max(sh, sw), 3);
  atMost("paddings", Math.max(ph, pw), 2);
  atMost("seeds", seed, 99999);
  const [hp, wp] = [h + 2 * ph, w + 2 * pw];
  if (kh > hp || kw > wp) throw new Refusal(`kernel ${tuple(kh, kw)} is larger than the padded image ${tuple(hp, wp)}`);
  const { x, weight, bias } = img
    ? { x: [img], weight: EDGES.slice(0, f).map((k) => [k]), bias: Array(f).fill(0) }
    : values(c, f, h, w, kh, kw, seed);
  const padded = x.map((ch) => array2d(hp, wp, (r, q) => (r < ph || r >= ph + h || q < pw || q >= pw + w ? 0 : ch[r - ph][q - pw])));
  const [ho, wo] = [Math.floor((hp - kh) / sh) + 1, Math.floor((wp - kw) / sw) + 1];
  // sums[f][i][j][c]: channel c's share of out[f][i][j]
  const sums = weight.map((wf) =>
    array2d(ho, wo, (i, j) =>
      wf.map((wc, k) => {
        let s = 0;
        for (let m = 0; m < kh; m++) for (let l = 0; l < kw; l++) s += padded[k][i * sh + m][j * sw + l] * wc[m][l];
        return s;
      }),
    ),
  );
  const out = sums.map((sf, g) => sf.map((row) => row.map((cs) => cs.reduce((a, b) => a + b, 0) + bias[g])));
  return { x, weight, bias, out, shape: [f, ho, wo], padded, sums };
}

const num = (v) => (v < 0 ? `(${v})` : String(v));

function render(s, [f, i, j], p) {
  const [kh, kw, sh, sw, ph, pw] = [p.kh, p.kw, p.sh, p.sw, p.ph, p.pw];
  const [, ho, wo] = s.shape;
  const [hp, wp] = [s.padded[0].length, s.padded[0][0].length];
  const [r0, c0] = [i * sh, j * sw];
  const inWindow = (r, q) => r >= r0 && r < r0 + kh && q >= c0 && q < c0 + kw;
  const read = (r, q) => r < (ho - 1) * sh + kh && q < (wo - 1) * sw + kw && r % sh < kh && q % sw < kw;
  const isPad = (r, q) => r < ph || r >= hp - ph || q < pw || q >= wp - pw;
  const cs = s.sums[f][i][j];
  // One column per input channel (its padded input over the filter's channel and the products), then the
  // output channels in a column of their own (side by side for a digit: one channel in).
  const dg = p.input === "digit";
  let html = `<div class="xp-panels">`;
  s.padded.forEach((ch, c) => {
    const mark = (r, q) =>
      [inWindow(r, q) ? "xp-on" : "", isPad(r, q) ? "xp-pad" : "", read(r, q) ? "" : "xp-unread"].join(" ").trim();
    const products = array2d(kh, kw, (m, l) => ch[r0 + m][c0 + l] * s.weight[f][c][m][l]);
    html +=
      `<div class="xp-col">` +
      panel(`${dg ? `Digit ${p.digit}` : `x channel ${c}`}, padded (${hp} × ${wp}), window at ${tuple(r0, c0)}`, grid(ch, `x channel ${c}`, mark), "image") +
      `<div class="xp-panels">` +
      panel(dg ? `Filter ${f}` : `Filter ${f}, channel ${c}`, grid(s.weight[f][c], `Filter ${f} channel ${c}`, () => "xp-on"), "kernel") +
      panel(`${dg ? "Products" : "Window × filter"}: sum ${cs[c]}`, grid(products, `Products of channel ${c}`)) +
      `</div></div>`;
  });
  html +=
    `<div class="${dg ? "xp-panels" : "xp-col"}" ${dg ? 'style="display: contents"' : ""}>` +
    s.out
      .map((of, g) =>
        panel(
          dg ? `Output channel ${g}: ${EDGE_NAMES[g]}` : `Output channel ${g} (${ho} × ${wo}), bias ${s.bias[g]}`,
          grid(of, `Output channel ${g}`, (a, b) => (g === f && a === i && b === j ? "xp-now" : ""), (a, b) => [g, a, b]),
          "output",
        ),
      )
      .join("") +
    `</div></div>`;
  const parts = cs.map((v, c) => `${num(v)} (channel ${c})`);
  const say = `filter ${f}, output ${tuple(i, j)} = ${parts.join(" + ")} + ${num(s.bias[f])} (bias) = ${s.out[f][i][j]}`;
  return { html, say };
}

explorer("channels", {
  title: "Explorer: a convolution layer with channels and filters",
  help: "Each output sums, over the input channels, the window times the filter's channel, plus the filter's bias (pixels in dashed frames are never read).",
  params: [
    { key: "c", label: "Input channels", value: 3, min: 1, max: 3, when: "numbers" },
    { key: "f", label: "Filters", value: 2, min: 1, max: 3 },
    { key: "h", label: "Input rows", value: 5, min: 1, max: 6, when: "numbers" },
    { key: "w", label: "Input columns", value: 5, min: 1, max: 6, when: "numbers" },
    { key: "kh", label: "Kernel rows", value: 3, min: 1, max: 4, when: "numbers" },
    { key: "kw", label: "Kernel columns", value: 3, min: 1, max: 4, when: "numbers" },
    { key: "sh", label: "Stride (rows)", value: 2, min: 1, max: 3 },
    { key: "sw", label: "Stride (columns)", value: 2, min: 1, max: 3 },
    { key: "ph", label: "Padding (rows)", value: 1, min: 0, max: 2 },
    { key: "pw", label: "Padding (columns)", value: 1, min: 0, max: 2 },
    { key: "seed", label: "Seed", value: 1, min: 1, max: 99999, when: "numbers" },
    ...DIGIT,
  ],
  compute,
  render,
  steps: (s) => ({ list: s.out.flatMap((of, g) => of.flatMap((row, i) => row.map((_, j) => [g, i, j]))), cols: s.shape[2] }),
  stepName: "Output value",
  stepText: ([f, i, j]) => `filter ${f}, output ${tuple(i, j)}`,
});
})();
