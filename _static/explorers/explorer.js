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
// xp-unread: never read, xp-now: the output being computed). Each number is tinted on a diverging scale
// (negative one way, positive the other, deeper the larger against the grid's largest magnitude); the
// number stays. pick(i, j), if given, is the step a click (or Enter) on that cell selects: the grid is
// then a group of buttons, one per cell, each named by its value.
function grid(values, label, mark = () => "", pick = null) {
  const cols = values[0] ? values[0].length : 0;
  const rows = values.map((r) => r.join(" ")).join(" / ");
  const top = Math.max(0, ...values.flat().map((v) => (typeof v === "number" ? Math.abs(v) : 0)));
  let cells = "";
  values.forEach((row, i) =>
    row.forEach((v, j) => {
      const t = typeof v === "number" && top > 0 ? Math.round((Math.abs(v) / top) * 100) / 100 : 0;
      const tint = t ? ` style="--xp-t: ${t}"` : "";
      const sign = typeof v === "number" && v < 0 ? " xp-neg" : t ? " xp-pos" : "";
      const step = pick ? pick(i, j) : undefined;
      const button =
        step === undefined
          ? ""
          : ` role="button" tabindex="-1" data-step="${esc(JSON.stringify(step))}"` +
            ` aria-label="${esc(`${label} ${tuple(i, j)}: ${v}, select`)}"`;
      cells += `<span class="${mark(i, j)}${sign}"${tint}${button}>${esc(v)}</span>`;
    }),
  );
  const role = pick ? `role="group"` : `role="img"`;
  return (
    `<div class="xp-grid${pick ? " xp-pick" : ""}" ${role} aria-label="${esc(`${label}: ${rows}`)}"` +
    ` style="grid-template-columns: repeat(${cols}, minmax(var(--xp-cell), max-content))">${cells}</div>`
  );
}

// A captioned panel holding one grid (or any HTML); role ("image", "kernel", "output" or "gradient") frames
// its grid in the course's colour for that role.
const panel = (caption, body, role) =>
  `<div class="xp-panel${role ? ` xp-r-${role}` : ""}"><p class="xp-cap">${esc(caption)}</p>${body}</div>`;

// A real image: chapter 08's handwritten digits (8 x 8, grey levels 0 to 16), the first image of each class,
// which the book's build writes into digits.js (window.CourseDigits) from chapters/08_backprop/digits.npz.
// DIGIT: the two parameters of an explorer with a digit mode (its other parameters say `when: "numbers"`
// if the digit replaces them); digit(p): the image of p.digit's class with input=digit, null with numbers.
const DIGIT = [
  { key: "input", label: "Input", value: "numbers", options: ["numbers", "digit"] },
  { key: "digit", label: "Digit", value: 0, min: 0, max: 9, when: "digit" },
];
function digit(p) {
  if (p.input === "numbers") return null;
  if (p.input !== "digit") throw new Refusal(`input must be 'numbers' or 'digit', got ${repr(p.input)}`);
  const d = atMost("digits", integer("digit", p.digit, 0), 9);
  if (!window.CourseDigits) throw new Refusal("The digits did not load: digits.js is written when the book is built");
  return window.CourseDigits.images[d];
}
// Edge kernels for a digit: chapter 01's Sobel x (vertical edges), its transpose (horizontal), a Laplacian.
const EDGES = [
  [[1, 0, -1], [2, 0, -2], [1, 0, -1]],
  [[1, 2, 1], [0, 0, 0], [-1, -2, -1]],
  [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
];
const EDGE_NAMES = ["Sobel x (vertical edges)", "Sobel y (horizontal edges)", "Laplacian"];

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

// Whether parameter p applies (a `when` names the input it belongs to), and the parameters that the fragment,
// the state and the settings' summary name: those that apply, the input only when it is not the default.
const on = (p, params) => !p.when || p.when === params.input;
const named = (spec, params) =>
  spec.params.filter((p) => on(p, params) && !(p.key === "input" && params.input === p.value));

const serialise = (spec, params) =>
  named(spec, params).map((p) => `${p.key}=${encodeURIComponent(params[p.key])}`).join(",");

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

// "h 7 · w 7 · op correlation": the settings in one line, for the collapsed settings bar.
const summary = (spec, params) => named(spec, params).map((p) => `${p.key} ${params[p.key]}`).join(" · ");

// Narrow screens (phones) start with the settings collapsed into one line.
const NARROW = "(max-width: 40rem)";
const PLAY_MS = 900; // one step per PLAY_MS while playing (only after a click on Play)

function mount(root, name, spec) {
  if (root.dataset.ready) return;
  root.dataset.ready = "yes";
  const defaults = Object.fromEntries(spec.params.map((p) => [p.key, p.value]));
  const initial = { ...defaults, ...parse(root.dataset.params || "") };
  let params = { ...initial };
  let index = 0; // the current step, in the list of steps
  let steps = { list: [], cols: 1 };
  let timer = null; // the play button's interval, while playing

  root.textContent = "";
  root.tabIndex = -1; // a link to the explorer focuses it
  const title = document.createElement("p");
  title.className = "xp-title";
  title.textContent = spec.title;
  const help = document.createElement("p");
  help.className = "xp-help";
  help.textContent = [
    spec.help,
    `Step with Play, the slider, a click on ${spec.pickName || "an output cell"}, or the arrow keys, Home and End on the figure.`,
  ].filter(Boolean).join(" ");
  const settings = document.createElement("details");
  settings.className = "xp-settings";
  settings.open = !window.matchMedia(NARROW).matches;
  const head = document.createElement("summary");
  head.append("Settings ");
  const current = document.createElement("span");
  current.className = "xp-summary";
  head.append(current);
  const form = document.createElement("fieldset");
  form.className = "xp-controls";
  const legend = document.createElement("legend");
  legend.className = "xp-hidden";
  legend.textContent = "Settings";
  form.append(legend);
  settings.append(head, form);
  const inputs = {};
  for (const p of spec.params) {
    const [label, input] = control(p, (key, v) => {
      params = { ...params, [key]: v };
      stop();
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
  const bar = document.createElement("div");
  bar.className = "xp-stepbar";
  const play = document.createElement("button");
  play.type = "button";
  play.className = "xp-play";
  play.textContent = "Play";
  const stepLabel = document.createElement("label");
  stepLabel.className = "xp-step";
  stepLabel.append(`${spec.stepName || "Output position"} `);
  const slider = document.createElement("input");
  Object.assign(slider, { type: "range", min: 0, step: 1 });
  stepLabel.append(slider);
  const count = document.createElement("span");
  count.className = "xp-count";
  bar.append(play, stepLabel, count);
  const live = document.createElement("p");
  live.className = "xp-live";
  live.setAttribute("aria-live", "polite");
  const scale = document.createElement("p");
  scale.className = "xp-scale";
  scale.setAttribute("aria-hidden", "true");
  scale.innerHTML =
    `<span class="xp-neg" style="--xp-t: 1">−</span><span class="xp-neg" style="--xp-t: 0.5">&nbsp;</span>` +
    `<span>0</span><span class="xp-pos" style="--xp-t: 0.5">&nbsp;</span><span class="xp-pos" style="--xp-t: 1">+</span>` +
    ` <span class="xp-scale-text">colour: sign and size against the grid's largest value</span>`;
  const more = document.createElement("p");
  more.className = "xp-more";
  more.textContent = "The figure is wider than the screen: swipe or scroll it sideways to see all of it.";
  more.hidden = true;
  root.append(title, help, settings, bar, live, more, figure, scale);
  // A figure wider than its box says that it scrolls sideways (and shows an edge that fades out).
  const overflow = () => {
    const wider = !figure.hidden && figure.scrollWidth > figure.clientWidth + 1;
    more.hidden = !wider;
    figure.classList.toggle("xp-scrolls", wider);
  };
  if (window.ResizeObserver) new ResizeObserver(overflow).observe(figure);

  const stepText = spec.stepText || (([i, j]) => `output ${tuple(i, j)}`);
  const go = (k) => {
    const last = steps.list.length - 1;
    index = Math.max(0, Math.min(last, k));
    update();
  };
  function stop() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    play.textContent = "Play";
    play.setAttribute("aria-pressed", "false");
  }
  function tick() {
    if (index >= steps.list.length - 1) stop();
    else go(index + 1);
    if (index >= steps.list.length - 1) stop();
    root.dataset.state = JSON.stringify({ ...JSON.parse(root.dataset.state), playing: timer !== null });
  }
  play.addEventListener("click", () => {
    if (timer !== null) {
      stop();
      update();
      return;
    }
    if (index >= steps.list.length - 1) index = 0;
    play.textContent = "Pause";
    play.setAttribute("aria-pressed", "true");
    timer = setInterval(tick, PLAY_MS);
    update();
  });
  slider.addEventListener("input", () => {
    stop();
    go(Number(slider.value));
  });
  // A click (or Enter, or Space) on a cell that names a step selects it.
  const pickAt = (target) => {
    const cell = target.closest && target.closest("[data-step]");
    if (!cell || !figure.contains(cell)) return false;
    const want = cell.dataset.step;
    const k = steps.list.findIndex((st) => JSON.stringify(st) === want);
    if (k < 0) return false;
    stop();
    go(k);
    const again = figure.querySelector(`[data-step="${CSS.escape(want)}"]`);
    if (again) again.focus({ preventScroll: true });
    return true;
  };
  figure.addEventListener("click", (e) => pickAt(e.target));
  figure.addEventListener("keydown", (e) => {
    if ((e.key === "Enter" || e.key === " ") && pickAt(e.target)) {
      e.preventDefault();
      return;
    }
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
    stop();
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
      stop();
      figure.textContent = "";
      live.textContent = error;
    }
    figure.hidden = !shown;
    scale.hidden = !shown;
    overflow();
    live.classList.toggle("xp-refused", !shown);
    slider.disabled = !shown;
    play.disabled = !shown || steps.list.length < 2;
    slider.max = Math.max(0, steps.list.length - 1);
    slider.value = index;
    slider.setAttribute("aria-valuetext", shown ? `${stepText(step)}, ${index + 1} of ${steps.list.length}` : "none");
    count.textContent = shown ? `${index + 1} of ${steps.list.length}` : "";
    for (const p of spec.params) {
      if (p.key !== typed && inputs[p.key].value !== String(params[p.key])) inputs[p.key].value = params[p.key];
      inputs[p.key].parentNode.hidden = !on(p, params);
    }
    figure.classList.toggle("xp-digit", params.input === "digit");
    current.textContent = summary(spec, params);
    const shownParams = Object.fromEntries(named(spec, params).map((p) => [p.key, params[p.key]]));
    root.dataset.state = JSON.stringify({ params: shownParams, ...(shown || {}), step, error, playing: timer !== null });
    performance.measure(`explorer ${name}`, { start: t0 });
  }

  function fromFragment() {
    const prefix = `#explore-${name}=`;
    if (!location.hash.startsWith(prefix)) return false;
    stop();
    params = { ...initial, ...parse(location.hash.slice(prefix.length)) };
    update();
    return true;
  }

  // Into view, focused (the figure, or the settings when the setting is refused).
  function land() {
    root.scrollIntoView({ block: "start" });
    const target = figure.hidden ? inputs[spec.params.find((p) => on(p, params)).key] : figure;
    if (figure.hidden) settings.open = true;
    target.focus({ preventScroll: true });
  }

  update();
  if (fromFragment()) land();
  window.addEventListener("hashchange", () => fromFragment());
  // A link to a setting of this explorer (`#explore-<name>=...`) lands on it: the page has no element of
  // that id, so the browser alone would not scroll.
  document.addEventListener("click", (e) => {
    const link = e.target.closest && e.target.closest("a[href]");
    if (!link || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
    const url = new URL(link.href, location.href);
    if (url.pathname !== location.pathname || !url.hash.startsWith(`#explore-${name}=`)) return;
    setTimeout(() => {
      fromFragment();
      land();
    }, 0);
  });
}

// Start every explorer called `name` on the page. `spec`: {title, help, params: [{key, label, value,
// min, max} or {key, label, value, options}], compute(params) -> what it shows (with `shape`, or give
// steps(shown) -> {list, cols}), render(shown, step, params) -> {html, say}, stepName, stepText(step),
// pickName (what a click selects a step on, "an output cell" unless said)}.
function explorer(name, spec) {
  const start = () =>
    document.querySelectorAll(`.explorer[data-explorer="${name}"]`).forEach((root) => mount(root, name, spec));
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
}

window.CourseExplorer = {
  Refusal, repr, integer, atMost, tuple, minstd, array2d, grid, panel, parse, explorer, DIGIT, digit, EDGES, EDGE_NAMES,
};
})();
