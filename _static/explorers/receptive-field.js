// Explorer "receptive-field" (chapter 02): a stack of 1-D layers (valid, each with kernel k, stride s,
// dilation d), the input just long enough for `units` units in the last layer; step to a unit and see
// which input pixels reach it and the recursion r += (k - 1) d j, j *= s, layer by layer. Each cell shows
// in how many ways the chosen unit reaches it (all-ones kernels); no random values: all follows from the
// params. Only the first `layers` of the four layers' controls are used.
(() => {
"use strict";

const { atMost, explorer, grid, integer, panel } = window.CourseExplorer;

const MAX_LAYERS = 4;
const MAX_INPUT = 64;

function compute(p) {
  const n = atMost("layers", integer("layers", p.layers, 0), MAX_LAYERS);
  const layers = [];
  for (let i = 0; i < n; i++) {
    // solutions.receptive_field: each value of layers[i] as an int >= 1, in the order k, s, d
    layers.push(["k", "s", "d"].map((key) => integer(`layers[${i}]`, p[`${key}${i + 1}`], 1)));
  }
  const units = atMost("output units", integer("units", p.units, 1), 8);
  const r = [1];
  const j = [1];
  layers.forEach(([k, s, d], i) => {
    r.push(r[i] + (k - 1) * d * j[i]);
    j.push(j[i] * s);
  });
  // Lengths from the last layer down: a valid layer of L units reads (L - 1) s + (k - 1) d + 1 below it.
  const sizes = [units];
  for (let i = n - 1; i >= 0; i--) {
    const [k, s, d] = layers[i];
    sizes.unshift((sizes[0] - 1) * s + (k - 1) * d + 1);
  }
  atMost("inputs of length", sizes[0], MAX_INPUT);
  const reach = [];
  for (let u = 0; u < units; u++) reach.push(paths(layers, sizes, u));
  const paths0 = reach.map((rows) => rows[0]);
  const pixels = paths0.map((row) => row.flatMap((c, x) => (c > 0 ? [x] : [])));
  return { layers, r, j, receptive_field: r[n], sizes, pixels, paths: paths0, reach, shape: [1, units] };
}

// For unit u of the last layer: rows[l][x] = the number of paths from it down to unit x of layer l
// (layer 0 is the input).
function paths(layers, sizes, u) {
  const n = layers.length;
  const rows = sizes.map((len) => new Array(len).fill(0));
  rows[n][u] = 1;
  for (let l = n; l >= 1; l--) {
    const [k, s, d] = layers[l - 1];
    rows[l].forEach((c, i) => {
      if (c) for (let m = 0; m < k; m++) rows[l - 1][i * s + m * d] += c;
    });
  }
  return rows;
}

// The table's spacing here (the shared stylesheet has no tables): columns apart, each cell on one line.
const TABLE = "border-collapse: separate; border-spacing: 1.25em 0.15em; white-space: nowrap; margin-top: 0.5rem";

function recursion(s) {
  const head = "<tr><th scope='col'>layer</th><th scope='col'>k, s, d</th>" +
    "<th scope='col'>r ← r + (k − 1) d j</th><th scope='col'>j ← j s</th></tr>";
  let body = "<tr><th scope='row'>start</th><td></td><td>1</td><td>1</td></tr>";
  s.layers.forEach(([k, st, d], i) => {
    body +=
      `<tr><th scope='row'>${i + 1}</th><td>${k}, ${st}, ${d}</td>` +
      `<td>${s.r[i]} + (${k} − 1)×${d}×${s.j[i]} = ${s.r[i + 1]}</td>` +
      `<td>${s.j[i]}×${st} = ${s.j[i + 1]}</td></tr>`;
  });
  return `<table class="xp-table" style="${TABLE}"><caption style="text-align: left">` +
    `The recursion, layer by layer</caption>` +
    `<thead>${head}</thead><tbody>${body}</tbody></table>`;
}

function render(s, u) {
  const n = s.layers.length;
  const rows = s.reach[u];
  const px = s.pixels[u];
  const [a, b] = [px[0], px[px.length - 1]];
  let html = `<div class="xp-panels xp-stack">`;
  for (let l = n; l >= 0; l--) {
    const name = l === 0 ? "Input" : `Layer ${l}`;
    const hit = rows[l].filter((c) => c > 0).length;
    const cap = l === n
      ? `${name} (${s.sizes[l]} units${l ? `, j = ${s.j[l]}` : ""}): unit ${u}`
      : `${name} (${s.sizes[l]} ${l ? `units, j = ${s.j[l]}` : "pixels"}): ${hit} reached`;
    const mark = (i, x) => {
      if (l === n && x === u) return "xp-now";
      if (rows[l][x] > 0) return "xp-on";
      return l === 0 && x > a && x < b ? "xp-unread" : "";
    };
    html += panel(cap, grid([rows[l]], `${name}, paths from unit ${u}`, mark, l === n ? (_, x) => x : null), l ? "output" : "image");
  }
  html += `</div>` + recursion(s);
  const r = s.receptive_field;
  const terms = s.layers.map(([k, , d], i) => ` + (${k}−1)×${d}×${s.j[i]}`).join("");
  const holes = px.length < r ? ` (${px.length} of them; the others are skipped)` : "";
  const say = n === 0
    ? `unit ${u} is input pixel ${u}: r = 1`
    : `unit ${u} of layer ${n} reads input pixels ${a} to ${b}${holes}: r = 1${terms} = ${r}`;
  return { html, say };
}

const layerParams = [];
for (let i = 1; i <= MAX_LAYERS; i++) {
  layerParams.push(
    { key: `k${i}`, label: `Layer ${i}: kernel`, value: 3, min: 1, max: 9 },
    { key: `s${i}`, label: `Layer ${i}: stride`, value: 1, min: 1, max: 4 },
    { key: `d${i}`, label: `Layer ${i}: dilation`, value: 1, min: 1, max: 8 },
  );
}

explorer("receptive-field", {
  title: "Explorer: the receptive field of a unit deep in a stack",
  help:
    "Each cell counts the paths from the chosen unit down to it; the input pixels in dashed frames lie " +
    "inside the span but are never read. Set how many layers to use, and each one's kernel, stride and dilation.",
  params: [
    { key: "layers", label: "Layers", value: 2, min: 0, max: MAX_LAYERS },
    ...layerParams,
    { key: "units", label: "Units in the last layer", value: 3, min: 1, max: 8 },
  ],
  compute,
  render,
  steps: (s) => ({ list: s.pixels.map((_, u) => u), cols: 1 }),
  pickName: "a unit of the last layer",
  stepName: "Unit of the last layer",
  stepText: (u) => `unit ${u}`,
});
})();
