// The explorer component: one small interactive figure per chapter, plain JavaScript (a classic script, no
// build step, no network). An explorer module calls `explorer(name, spec)`; this file finds the page's
// `<div class="explorer" data-explorer="name">` roots (written by the `{explorer}` directive), builds
// the controls, reads and writes the URL fragment `#explore-<name>=key=value,...`, steps through the
// positions with the keyboard, speaks each step in a polite live region and publishes what it shows as
// JSON in the root's `data-state`. See README.md in this folder.
// A classic script, not an ES module: a browser refuses modules on a page opened from disk (file://).
// What the explorers use is `window.CourseExplorer`.

(() => {
"use strict";

// A setting the explorer refuses: its message is shown instead of the figure (and is `error` in the
// state). An explorer throws it with the words `solutions` uses for the same setting.
class Refusal extends Error {}

// Python's repr of a parsed value, as the reference's messages print it: 7, 2.5, 'abc'.
const repr = (v) => (typeof v === "string" ? `'${v}'` : String(v));

// `solutions._checks.integer`: the value as an int, or the reference's refusal.
function integer(name, v, min) {
  if (typeof v !== "number" || !Number.isInteger(v)) {
    throw new Refusal(`${name} must be an integer, got ${repr(v)}`);
  }
  if (min !== undefined && v < min) throw new Refusal(`${name} must be >= ${min}, got ${v}`);
  return v;
}

// The explorer's own bounds (what it can draw), checked after the reference's own checks.
function atMost(name, v, max) {
  if (v > max) throw new Refusal(`This explorer draws ${name} up to ${max}, got ${v}`);
  return v;
}

// A tuple as Python prints it: (3, 4).
const tuple = (...xs) => `(${xs.join(", ")})`;

// Park-Miller "minimal standard" generator: seed -> next; exact in doubles, easy to rebuild in Python.
const minstd = (x) => (x * 48271) % 2147483647;

// An array of `rows` x `cols` values f(i, j).
const array2d = (rows, cols, f) =>
  Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => f(i, j)));

const esc = (s) =>
  String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

// A grid of numbers as HTML: one image for assistive technology, named `label` and listing its rows
// ("0 1 2 / 3 4 5"); mark(i, j) gives a cell its classes (xp-on: in the window, xp-pad: padding,
// xp-unread: never read, xp-now: the output being computed).
function grid(values, label, mark = () => "") {
  const cols = values[0] ? values[0].length : 0;
  const rows = values.map((r) => r.join(" ")).join(" / ");
  let cells = "";
  values.forEach((row, i) =>
    row.forEach((v, j) => {
      cells += `<span class="${mark(i, j)}">${esc(v)}</span>`;
    }),
  );
  return (
    `<div class="xp-grid" role="img" aria-label="${esc(`${label}: ${rows}`)}"` +
    ` style="grid-template-columns: repeat(${cols}, minmax(var(--xp-cell), max-content))">${cells}</div>`
  );
}

// A captioned panel holding one grid (or any HTML).
const panel = (caption, body) =>
  `<div class="xp-panel"><p class="xp-cap">${esc(caption)}</p>${body}</div>`;

// Every [i, j] of an output of shape [rows, cols], row by row.
const positions = (shape) => array2d(shape[0], shape[1], (i, j) => [i, j]).flat();

// A parameter's text value as the explorer sees it: an int, another number, or the text itself.
function value(text) {
  const t = text.trim();
  if (/^[+-]?\d+$/.test(t)) return parseInt(t, 10);
  return t !== "" && Number.isFinite(Number(t)) ? Number(t) : t;
}

// "n=7,k=3" -> {n: 7, k: 3}
function parse(text) {
  const params = {};
  for (const item of text.split(",")) {
    const at = item.indexOf("=");
    if (at > 0) params[item.slice(0, at).trim()] = value(decodeURIComponent(item.slice(at + 1)));
  }
  return params;
}

const serialise = (spec, params) =>
  spec.params.map((p) => `${p.key}=${encodeURIComponent(params[p.key])}`).join(",");

function control(p, onChange) {
  const label = document.createElement("label");
  label.className = "xp-control";
  label.append(`${p.label} `);
  let input;
  if (p.options) {
    input = document.createElement("select");
    for (const o of p.options) input.add(new Option(o, o));
  } else {
    input = document.createElement("input");
    Object.assign(input, { type: "number", min: p.min, max: p.max, step: 1 });
    input.inputMode = "numeric";
  }
  input.name = p.key;
  input.addEventListener("input", () => onChange(p.key, value(input.value)));
  label.append(input);
  return [label, input];
}

function mount(root, name, spec) {
  if (root.dataset.ready) return;
  root.dataset.ready = "yes";
  const defaults = Object.fromEntries(spec.params.map((p) => [p.key, p.value]));
  const initial = { ...defaults, ...parse(root.dataset.params || "") };
  let params = { ...initial };
  let index = 0; // the current step, in the list of steps
  let steps = { list: [], cols: 1 };

  root.textContent = "";
  const title = document.createElement("p");
  title.className = "xp-title";
  title.textContent = spec.title;
  const help = document.createElement("p");
  help.className = "xp-help";
  help.textContent =
    `${spec.help || ""} Step with the slider, or focus the figure and use the arrow keys, Home and End.`.trim();
  const form = document.createElement("fieldset");
  form.className = "xp-controls";
  const legend = document.createElement("legend");
  legend.textContent = "Settings";
  form.append(legend);
  const inputs = {};
  for (const p of spec.params) {
    const [label, input] = control(p, (key, v) => {
      params = { ...params, [key]: v };
      update(key);
      history.replaceState(null, "", `#explore-${name}=${serialise(spec, params)}`);
    });
    inputs[p.key] = input;
    form.append(label);
  }
  const figure = document.createElement("div");
  figure.className = "xp-figure";
  figure.tabIndex = 0;
  figure.setAttribute("role", "group");
  figure.setAttribute("aria-label", `${spec.title}: the figure (arrow keys move the step)`);
  const stepLabel = document.createElement("label");
  stepLabel.className = "xp-step";
  stepLabel.append(`${spec.stepName || "Output position"} `);
  const slider = document.createElement("input");
  Object.assign(slider, { type: "range", min: 0, step: 1 });
  stepLabel.append(slider);
  const live = document.createElement("p");
  live.className = "xp-live";
  live.setAttribute("aria-live", "polite");
  root.append(title, help, form, stepLabel, figure, live);

  const stepText = spec.stepText || (([i, j]) => `output ${tuple(i, j)}`);
  const go = (k) => {
    const last = steps.list.length - 1;
    index = Math.max(0, Math.min(last, k));
    update();
  };
  slider.addEventListener("input", () => go(Number(slider.value)));
  figure.addEventListener("keydown", (e) => {
    const moves = {
      ArrowRight: 1,
      ArrowLeft: -1,
      ArrowDown: steps.cols,
      ArrowUp: -steps.cols,
      Home: -Infinity,
      End: Infinity,
    };
    if (!(e.key in moves) || e.altKey || e.ctrlKey || e.metaKey) return;
    e.preventDefault();
    const to = index + moves[e.key];
    go(Number.isFinite(to) ? to : to > 0 ? steps.list.length - 1 : 0);
  });

  function update(typed) {
    const t0 = performance.now();
    let shown = null;
    let error = null;
    try {
      shown = spec.compute(params);
    } catch (e) {
      if (!(e instanceof Refusal)) throw e;
      error = e.message;
    }
    steps = shown ? (spec.steps ? spec.steps(shown) : { list: positions(shown.shape), cols: shown.shape[1] }) : { list: [], cols: 1 };
    index = Math.max(0, Math.min(steps.list.length - 1, index));
    const step = shown ? steps.list[index] : null;
    if (shown) {
      const { html, say } = spec.render(shown, step, params);
      figure.innerHTML = html;
      live.textContent = say;
    } else {
      figure.textContent = "";
      live.textContent = error;
    }
    figure.hidden = !shown;
    live.classList.toggle("xp-refused", !shown);
    slider.disabled = !shown;
    slider.max = Math.max(0, steps.list.length - 1);
    slider.value = index;
    slider.setAttribute("aria-valuetext", shown ? `${stepText(step)}, ${index + 1} of ${steps.list.length}` : "none");
    for (const p of spec.params) {
      if (p.key !== typed && inputs[p.key].value !== String(params[p.key])) inputs[p.key].value = params[p.key];
    }
    root.dataset.state = JSON.stringify({ params, ...(shown || {}), step, error });
    performance.measure(`explorer ${name}`, { start: t0 });
  }

  function fromFragment(scroll) {
    const prefix = `#explore-${name}=`;
    if (!location.hash.startsWith(prefix)) return;
    params = { ...initial, ...parse(location.hash.slice(prefix.length)) };
    update();
    if (scroll) root.scrollIntoView();
  }

  update();
  fromFragment(true);
  window.addEventListener("hashchange", () => fromFragment(false));
}

// Start every explorer called `name` on the page. `spec`: {title, help, params: [{key, label, value,
// min, max} or {key, label, value, options}], compute(params) -> what it shows (with `shape`, or give
// steps(shown) -> {list, cols}), render(shown, step, params) -> {html, say}, stepName, stepText(step)}.
function explorer(name, spec) {
  const start = () =>
    document.querySelectorAll(`.explorer[data-explorer="${name}"]`).forEach((root) => mount(root, name, spec));
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
}

window.CourseExplorer = { Refusal, repr, integer, atMost, tuple, minstd, array2d, grid, panel, parse, explorer };
})();
