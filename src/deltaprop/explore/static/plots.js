// deltaprop explore: the pictures (the decision surface with the points and axes, heat maps,
// the first layer's weights as images, the live curves). Every number drawn comes from the
// server; the tick labels are plain numbers (0.001, 0.5, 10k), read back by the tests.
import { CLASS_COLOURS, INK, PALETTES, hexRGB } from "./colours.js";

const SVG = "http://www.w3.org/2000/svg";

export function svgEl(name, attrs, parent) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (parent) parent.appendChild(e);
  return e;
}

export function bytes(b64) {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

// A side × side canvas from bytes 0 … 255 in a byte palette (colours.js bytePalette; the
// diverging scale by default). `divergingScale` is kept for older callers (true or a palette).
export function imageCanvas(q, side, divergingScale) {
  const palette = Array.isArray(divergingScale) ? divergingScale : PALETTES.diverging;
  const c = document.createElement("canvas");
  c.width = side; c.height = side;
  const ctx = c.getContext("2d");
  const img = ctx.createImageData(side, side);
  for (let i = 0; i < side * side; i++) {
    const rgb = palette[q[i]];
    img.data[4 * i] = rgb[0]; img.data[4 * i + 1] = rgb[1]; img.data[4 * i + 2] = rgb[2];
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  return c;
}

// A neuron's a^l over the plane: its bytes on the scale −top … top of the server, in `palette`.
export const heatCanvas = (q, grid, palette) => imageCanvas(q, grid, palette || PALETTES.diverging);

// -- plain numbers for ticks ----------------------------------------------------------------

const SUPERSCRIPT = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };

// A tick's label: 0.001, 0.25, 3, 10k, 1.5M; a power of ten beyond 10⁻⁴ as 10⁻⁵.
export function tickText(v) {
  if (v === 0) return "0";
  const e = Math.log10(Math.abs(v));
  if (Math.abs(e - Math.round(e)) < 1e-9 && e <= -4.5) {
    return "10" + String(Math.round(e)).split("").map((c) => SUPERSCRIPT[c]).join("");
  }
  const m = Math.abs(v);
  const short = (x, unit) => `${Number(x.toPrecision(3))}${unit}`;
  if (m >= 1e6) return (v < 0 ? "−" : "") + short(m / 1e6, "M");
  if (m >= 1e4) return (v < 0 ? "−" : "") + short(m / 1e3, "k");
  return (v < 0 ? "−" : "") + String(Number(m.toPrecision(6)));
}

// Round ticks from lo to hi, about `count` of them: steps of 1, 2 or 5 × 10^k.
export function ticks(lo, hi, count = 4) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count, power = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((s) => s * power).find((s) => s >= raw);
  const out = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) {
    out.push(Number(v.toPrecision(12)));
  }
  return out;
}

// Powers of ten from lo to hi (at most about 6 of them).
function logTicks(lo, hi) {
  const a = Math.ceil(Math.log10(lo) - 1e-9), b = Math.floor(Math.log10(hi) + 1e-9);
  const every = Math.max(1, Math.ceil((b - a + 1) / 6));
  const out = [];
  for (let e = a; e <= b; e += every) out.push(Number(Math.pow(10, e).toPrecision(12)));
  return out;
}

// -- the plane: the decision surface, the points, the axes ---------------------------------

export class PlaneView {
  // box holds the canvas (the surface) and the svg (axes and points) one over the other
  constructor(box, canvas, svg) {
    this.box = box; this.canvas = canvas; this.svg = svg; this.key = null;
    this.margin = { left: 30, top: 6, right: 8, bottom: 20 };
  }

  // The plot's side in CSS pixels, from the box's width.
  size() {
    const W = Math.max(160, Math.min(this.box.clientWidth || 300, 480));
    return { W, P: W - this.margin.left - this.margin.right };
  }

  // Page coordinates of a point of the plane, and back.
  px(x) { return this.margin.left + ((x - this.bounds[0]) / (this.bounds[1] - this.bounds[0])) * this.P; }
  py(y) { return this.margin.top + ((this.bounds[3] - y) / (this.bounds[3] - this.bounds[2])) * this.P; }
  toPlane(clientX, clientY) {
    const r = this.svg.getBoundingClientRect(), b = this.bounds;
    return [b[0] + ((clientX - r.left - this.margin.left) / this.P) * (b[1] - b[0]),
      b[3] - ((clientY - r.top - this.margin.top) / this.P) * (b[3] - b[2])];
  }

  // The axes and the points: train filled circles, test diamonds ringed in ink, in their
  // class's colour; drawn points (the page's own) as training points.
  draw(bounds, points, drawn, showTest) {
    const { W, P } = this.size();
    this.bounds = bounds; this.P = P;
    const H = P + this.margin.top + this.margin.bottom;
    this.svg.setAttribute("width", W); this.svg.setAttribute("height", H);
    this.canvas.style.left = `${this.margin.left}px`; this.canvas.style.top = `${this.margin.top}px`;
    this.canvas.style.width = `${P}px`; this.canvas.style.height = `${P}px`;
    const side = Math.round(P * (window.devicePixelRatio || 1)); // the surface's pixels
    if (this.canvas.width !== side) { this.canvas.width = side; this.canvas.height = side; }
    this.svg.textContent = "";
    const axes = svgEl("g", { class: "axes" }, this.svg);
    svgEl("rect", { x: this.margin.left, y: this.margin.top, width: P, height: P, class: "frame" }, axes);
    for (const v of ticks(bounds[0], bounds[1], 4)) {
      const x = this.px(v);
      svgEl("line", { x1: x, x2: x, y1: this.margin.top + P, y2: this.margin.top + P + 4 }, axes);
      const t = svgEl("text", { x, y: H - 4, class: "tick", "text-anchor": "middle", "data-axis": "x1", "data-v": v }, axes);
      t.textContent = tickText(v);
    }
    for (const v of ticks(bounds[2], bounds[3], 4)) {
      const y = this.py(v);
      svgEl("line", { x1: this.margin.left - 4, x2: this.margin.left, y1: y, y2: y }, axes);
      const t = svgEl("text", { x: this.margin.left - 6, y: y + 3, class: "tick", "text-anchor": "end", "data-axis": "x2", "data-v": v }, axes);
      t.textContent = tickText(v);
    }
    const dots = svgEl("g", { class: "points" }, this.svg);
    const colour = (c) => CLASS_COLOURS[c % CLASS_COLOURS.length];
    const train = (p, c) => svgEl("circle", { cx: this.px(p[0]), cy: this.py(p[1]), r: 3, fill: colour(c), class: "train" }, dots);
    if (points) points.train.forEach((p, i) => train(p, points.train_y[i]));
    (drawn || []).forEach((p) => train(p, p[2]));
    if (points && showTest) {
      points.test.forEach((p, i) => {
        const x = this.px(p[0]), y = this.py(p[1]), r = 4;
        svgEl("path", { d: `M${x} ${y - r}L${x + r} ${y}L${x} ${y + r}L${x - r} ${y}Z`,
          fill: colour(points.test_y[i]), class: "test" }, dots);
      });
    }
  }

  // The decision surface: the predicted class's colour, paler where its output a^L is less
  // sure (discretized: one shade per class).
  surface(pl, discretize) {
    const ctx = this.canvas.getContext("2d");
    if (!pl) { ctx.clearRect(0, 0, this.canvas.width, this.canvas.height); return; }
    const n = pl.grid, cls = bytes(pl.classes), conf = bytes(pl.confidence);
    const small = document.createElement("canvas");
    small.width = n; small.height = n;
    const sctx = small.getContext("2d"), img = sctx.createImageData(n, n);
    for (let i = 0; i < n * n; i++) {
      const rgb = hexRGB(CLASS_COLOURS[cls[i] % CLASS_COLOURS.length]);
      const a = discretize ? 0.55 : 0.15 + 0.6 * (conf[i] / 255);
      img.data.set([...rgb.map((c) => Math.round(255 + (c - 255) * a)), 255], 4 * i);
    }
    sctx.putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = !discretize;
    ctx.drawImage(small, 0, 0, this.canvas.width, this.canvas.height);
  }
}

// -- the live curves -------------------------------------------------------------------------

// Line plots: series [{name, xs, ys, colour, width, dash}] drawn in an SVG with ticks on both
// axes (x: mini-batches), a log y axis when opts.log, and a legend.
export function curves(svg, series, opts = {}) {
  const W = Math.max(200, svg.parentElement ? svg.parentElement.clientWidth || 300 : 300);
  const H = opts.height || 120, L = 40, R = 6, T = 6, B = 30;
  svg.setAttribute("width", W); svg.setAttribute("height", H);
  svg.textContent = "";
  const tf = opts.log ? (v) => (v > 0 ? Math.log10(v) : null) : (v) => v;
  let lo = Infinity, hi = -Infinity, xmax = 1;
  for (const s of series) {
    s.xs.forEach((x, i) => {
      const y = s.ys[i] == null ? null : tf(s.ys[i]);
      if (y == null || !Number.isFinite(y)) return;
      lo = Math.min(lo, y); hi = Math.max(hi, y); xmax = Math.max(xmax, x);
    });
  }
  if (!Number.isFinite(lo)) {
    svgEl("text", { x: L, y: 20, class: "tick" }, svg).textContent = "no data yet";
    return null;
  }
  if (opts.min != null) lo = Math.min(lo, opts.min);
  if (opts.max != null) hi = Math.max(hi, opts.max);
  if (opts.log) { lo = Math.floor(lo); hi = Math.ceil(hi); }
  if (hi - lo < 1e-12) { hi += 0.5; lo -= 0.5; }
  const px = (x) => L + (x / xmax) * (W - L - R), py = (y) => T + ((hi - y) / (hi - lo)) * (H - T - B);
  const axes = svgEl("g", { class: "axes" }, svg);
  svgEl("rect", { x: L, y: T, width: W - L - R, height: H - T - B, class: "frame" }, axes);
  const yt = opts.log ? logTicks(Math.pow(10, lo), Math.pow(10, hi)) : ticks(lo, hi, 3);
  for (const v of yt) {
    const y = py(opts.log ? Math.log10(v) : v);
    svgEl("line", { x1: L, x2: W - R, y1: y, y2: y, class: "grid" }, axes);
    svgEl("text", { x: L - 4, y: y + 3, "text-anchor": "end", class: "tick", "data-axis": "y", "data-v": v }, axes)
      .textContent = tickText(v);
  }
  for (const v of ticks(0, xmax, 3)) {
    svgEl("text", { x: px(v), y: H - B + 11, "text-anchor": "middle", class: "tick", "data-axis": "x", "data-v": v }, axes)
      .textContent = tickText(v);
  }
  for (const s of series) {
    let d = "";
    s.xs.forEach((x, i) => {
      const y = s.ys[i] == null ? null : tf(s.ys[i]);
      if (y == null || !Number.isFinite(y)) return;
      d += `${d ? "L" : "M"}${px(x).toFixed(1)} ${py(y).toFixed(1)}`;
    });
    if (d) svgEl("path", { d, stroke: s.colour, "stroke-width": s.width || 1.2, "stroke-dasharray": s.dash || "none", class: "series" }, svg);
  }
  const legend = svgEl("g", { class: "legend" }, svg);
  let lx = L;
  svgEl("text", { x: W - R, y: H - 3, "text-anchor": "end", class: "tick" }, legend).textContent = "mini-batch";
  for (const s of series) {
    if (!s.name) continue;
    svgEl("line", { x1: lx, x2: lx + 14, y1: H - 7, y2: H - 7, stroke: s.colour, "stroke-width": 2, "stroke-dasharray": s.dash || "none" }, legend);
    const t = svgEl("text", { x: lx + 17, y: H - 3, class: "tick" }, legend);
    t.textContent = s.name;
    lx += 22 + 6 * s.name.length;
  }
  return { px, xmin: 0, xmax, top: T, bottom: H - B }; // the x scale: live.js marks changes on it
}

export { INK };
