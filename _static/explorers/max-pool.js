// Explorer "max-pool" (chapter 07): max pooling of one channel, window by window: each window's maximum
// (the first one in row-major window order on ties), and the backward pass that routes the upstream
// gradient dout to it, overlapping windows (stride < kernel) adding up in dx.
// Values: seed 0 gives x[i][j] = X[i % 6][j % 6], X the chapter's 6 x 6 animation input; a seed s >= 1
// gives minstd draws v -> v % 4 (so windows often tie), row by row; input=digit gives the digit (8 x 8,
// explorer.js's digit). dout[i][j] = i * Wo + j + 1.
(() => {
"use strict";

const { DIGIT, Refusal, array2d, atMost, digit, explorer, grid, integer, minstd, panel, tuple } = window.CourseExplorer;

const X = [
  [1, 3, 2, 0, 4, 1],
  [4, 2, 1, 5, 0, 2],
  [0, 1, 3, 2, 6, 1],
  [2, 6, 1, 1, 2, 3],
  [5, 0, 2, 4, 1, 1],
  [1, 2, 7, 0, 3, 2],
];

function image(h, w, seed) {
  if (seed === 0) return array2d(h, w, (i, j) => X[i % 6][j % 6]);
  let v = seed;
  return array2d(h, w, () => {
    v = minstd(v);
    return v % 4;
  });
}

function compute(p) {
  const img = digit(p);
  const [h, w] = img ? [8, 8] : ["h", "w"].map((k) => integer(k, p[k], 1));
  const seed = img ? 0 : integer("seed", p.seed, 0);
  // solutions.maxpool2d_forward's checks, in its order and words: kernel_size, stride, then the fit.
  const [kh, kw] = [p.kh, p.kw].map((v) => integer("kernel_size", v, 1));
  const [sh, sw] = [p.sh, p.sw].map((v) => integer("stride", v, 1));
  atMost("images", Math.max(h, w), 8);
  atMost("windows", Math.max(kh, kw), 5);
  atMost("strides", Math.max(sh, sw), 5);
  atMost("seeds", seed, 99999);
  if (kh > h || kw > w) throw new Refusal(`kernel_size ${tuple(kh, kw)} is larger than the image ${tuple(h, w)}`);
  const x = img || image(h, w, seed);
  const [ho, wo] = [Math.floor((h - kh) / sh) + 1, Math.floor((w - kw) / sw) + 1];
  const argmax = array2d(ho, wo, (i, j) => {
    let best = 0;
    for (let t = 1; t < kh * kw; t++) {
      const [m, l] = [Math.floor(t / kw), t % kw];
      const [bm, bl] = [Math.floor(best / kw), best % kw];
      if (x[i * sh + m][j * sw + l] > x[i * sh + bm][j * sw + bl]) best = t; // strictly: first on ties
    }
    return best;
  });
  const at = (i, j) => [i * sh + Math.floor(argmax[i][j] / kw), j * sw + (argmax[i][j] % kw)];
  const out = array2d(ho, wo, (i, j) => {
    const [r, c] = at(i, j);
    return x[r][c];
  });
  const dout = array2d(ho, wo, (i, j) => i * wo + j + 1);
  const dx = array2d(h, w, () => 0);
  for (let i = 0; i < ho; i++) {
    for (let j = 0; j < wo; j++) {
      const [r, c] = at(i, j);
      dx[r][c] += dout[i][j];
    }
  }
  return { x, out, argmax, dout, dx, shape: [ho, wo] };
}

function render(s, [i, j], p) {
  const { x, argmax, dout } = s;
  const [h, w] = [x.length, x[0].length];
  const [ho, wo] = s.shape;
  const [kh, kw, sh, sw] = [p.kh, p.kw, p.sh, p.sw];
  const target = (a, b) => [a * sh + Math.floor(argmax[a][b] / kw), b * sw + (argmax[a][b] % kw)];
  const [r0, c0] = [i * sh, j * sw];
  const [pr, pc] = target(i, j);
  const inWindow = (r, c) => r >= r0 && r < r0 + kh && c >= c0 && c < c0 + kw;
  const read = (r, c) => r < (ho - 1) * sh + kh && c < (wo - 1) * sw + kw && r % sh < kh && c % sw < kw;
  // dx after the windows up to (i, j), row by row: what the backward pass has added so far.
  const sofar = array2d(h, w, () => 0);
  for (let k = 0; k <= i * wo + j; k++) {
    const [r, c] = target(Math.floor(k / wo), k % wo);
    sofar[r][c] += dout[Math.floor(k / wo)][k % wo];
  }
  const taps = [];
  let ties = 0;
  for (let m = 0; m < kh; m++) {
    for (let l = 0; l < kw; l++) {
      taps.push(x[r0 + m][c0 + l]);
      ties += x[r0 + m][c0 + l] === s.out[i][j] ? 1 : 0;
    }
  }
  const g = dout[i][j];
  const say =
    `output ${tuple(i, j)} = max(${taps.join(", ")}) = ${s.out[i][j]} at input ${tuple(pr, pc)}` +
    (ties > 1 ? `, the first of ${ties} equal maxima (row-major)` : "") +
    `; dout ${tuple(i, j)} = ${g} goes to dx ${tuple(pr, pc)}: ${sofar[pr][pc] - g} + ${g} = ${sofar[pr][pc]}`;
  const mark = (r, c) =>
    [inWindow(r, c) ? "xp-on" : "", r === pr && c === pc ? "xp-now" : "", read(r, c) ? "" : "xp-unread"].join(" ").trim();
  const now = (a, b) => (a === i && b === j ? "xp-now" : "");
  const html =
    `<div class="xp-panels">` +
    panel(`Input x${p.input === "digit" ? `: digit ${p.digit}` : ""} (${h} × ${w}), window ${tuple(i, j)} at rows ${r0}–${r0 + kh - 1}, columns ${c0}–${c0 + kw - 1}; its maximum framed`, grid(x, "Input x", mark), "image") +
    panel(`Output (${ho} × ${wo}): the maximum of each window`, grid(s.out, "Output", now, (r, c) => [r, c]), "output") +
    panel(`Upstream gradient dout (${ho} × ${wo})`, grid(dout, "dout", now), "gradient") +
    panel(`dx after windows (0, 0) to ${tuple(i, j)}: each dout added at its window's maximum`, grid(sofar, "dx so far", (r, c) => (r === pr && c === pc ? "xp-now" : "")), "gradient") +
    `</div>`;
  return { html, say };
}

explorer("max-pool", {
  title: "Explorer: max pooling forward and backward",
  help: "Each output is its window's maximum; the backward pass adds dout at that maximum (pixels in dashed frames are never read).",
  params: [
    { key: "h", label: "Input rows", value: 6, min: 1, max: 8, when: "numbers" },
    { key: "w", label: "Input columns", value: 6, min: 1, max: 8, when: "numbers" },
    { key: "kh", label: "Window rows", value: 2, min: 1, max: 5 },
    { key: "kw", label: "Window columns", value: 2, min: 1, max: 5 },
    { key: "sh", label: "Stride (rows)", value: 2, min: 1, max: 5 },
    { key: "sw", label: "Stride (columns)", value: 2, min: 1, max: 5 },
    { key: "seed", label: "Seed (0: the chapter's input)", value: 0, min: 0, max: 99999, when: "numbers" },
    ...DIGIT,
  ],
  compute,
  render,
  stepName: "Window",
});
})();
