// deltaprop explore: the network drawn. Neurons are SVG elements; the edges (hundreds of
// lines) and the 2-D sets' heat maps are painted on a canvas beneath the SVG. Forward mode
// colours each neuron by its a^l (of the chosen sample while paused; ã = a ⊙ r, what the next
// layer sees, where dropout is on) and each edge by w (before the update, after it at stage
// ③); backward mode by ∂C/∂b^l (the mean δ, BP3) and ∂C₀/∂w (BP4). While training runs, the
// means over the latest mini-batch. Hovering shows the value with its equation (explain.js).
import { diverging, top } from "./colours.js";
import { line } from "./dom.js";
import * as E from "./explain.js";
import { neuronLabels } from "./features.js";
import { f } from "./format.js";
import { bytes, heatCanvas } from "./plots.js";

const SVG = "http://www.w3.org/2000/svg";

function el(name, attrs, parent) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (parent) parent.appendChild(e);
  return e;
}

// Positions of the drawn neurons of each layer.
function layout(info, W, H, size) {
  const L = info.shown.length;
  return info.shown.map((idx, l) => idx.map((_, j) => [
    40 + (l * (W - 80)) / Math.max(1, L - 1),
    H / 2 + 8 + (j - (idx.length - 1) / 2) * Math.min(size + 6, (H - 44) / idx.length),
  ]));
}

// What colours layer l's neurons (l = 1 … L) and its values, in the mode: null for none.
export function neuronValues(snap, mode, l, s) {
  const view = snap.record;
  if (mode === "forward") {
    if (view) {
      if (l === 1) return view.x[s];
      const L = E.layerOf(view, l);
      return L.a_masked ? L.a_masked[s] : L.a[s];
    }
    return snap.a ? snap.a[l - 1] : null;
  }
  if (l === 1) return null;
  if (view) return E.layerOf(view, l).grad_b;
  return snap.delta ? snap.delta[l - 2] : null;
}

// What colours the edges into layer l: w (before the update; after it at stage ③) or BP4.
export function edgeValues(snap, mode, stage, l) {
  const view = snap.record;
  if (view) {
    const L = E.layerOf(view, l);
    if (mode === "forward") return stage === "update" ? L.w_after : L.w;
    return L.bp4;
  }
  if (mode === "forward") return snap.w ? snap.w[l - 2] : null;
  return snap.grad_w ? snap.grad_w[l - 2] : null;
}

export class NetworkView {
  // svg and canvas share a box; ui: {tip(ev, nodes), pick(layer, neuron)}
  constructor(svg, canvas, ui) {
    this.svg = svg; this.canvas = canvas; this.ui = ui; this.key = null;
    svg.addEventListener("mousemove", (ev) => this.hover(ev));
    svg.addEventListener("mouseleave", () => { this.hovered = null; ui.tip(null); });
    svg.addEventListener("click", (ev) => {
      const d = ev.target.dataset;
      if (d && d.neuron !== undefined && +d.layer > 1) { ui.pick(+d.layer, +d.neuron); return; }
      const box = svg.getBoundingClientRect(); // an edge: set its weight (edit.js)
      const e = nearestEdge(this.edges, ev.clientX - box.left, ev.clientY - box.top);
      if (e && ui.pickEdge) ui.pickEdge(e);
    });
  }

  build(info) {
    const plane = info.kind === "plane";
    this.size = plane ? 26 : 16;
    const W = +this.svg.getAttribute("width"), H = +this.svg.getAttribute("height");
    const pos = layout(info, W, H, this.size);
    this.svg.textContent = "";
    this.hovered = null;
    const g = el("g", {}, this.svg);
    this.edges = [];
    for (let l = 2; l <= pos.length; l++) {
      this.edges.push(pos[l - 1].map((to, jp) => pos[l - 2].map((from, kp) => ({
        x1: from[0], y1: from[1], x2: to[0], y2: to[1], l, jp, kp,
        j: info.shown[l - 1][jp], k: info.shown[l - 2][kp], value: 0 }))));
    }
    this.neurons = pos.map((column, i) => {
      const l = i + 1, x = column[0] ? column[0][0] : 0;
      el("text", { x: x - 14, y: 12, class: "layer-label" }, g).textContent = `l=${l} (${info.sizes[i]})`;
      if (info.shown[i].length < info.sizes[i]) {
        el("text", { x: x - 14, y: 24, class: "layer-note" }, g).textContent =
          `${info.shown[i].length} drawn`;
      }
      return column.map((p, jp) => {
        const attrs = { class: "neuron", "data-layer": l, "data-neuron": info.shown[i][jp], "data-j": jp };
        if (plane && l > 1) {
          const half = this.size / 2;
          return el("rect", { ...attrs, x: p[0] - half, y: p[1] - half, width: this.size,
            height: this.size, fill: "none", "pointer-events": "all" }, g);
        }
        return el("circle", { ...attrs, cx: p[0], cy: p[1], r: this.size / 2 }, g);
      });
    });
    neuronLabels(g, pos, info); // the inputs' features, the outputs' class names
    this.positions = pos;
    this.key = info.id;
  }

  draw(info, snap, mode, stage, ui) {
    if (this.key !== info.id) this.build(info);
    this.context = { info, snap, mode, stage, s: ui.sample };
    const plane = info.kind === "plane" && snap.plane;
    const ctx = this.canvas.getContext("2d");
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    this.edges.forEach((rows, i) => {
      const vals = edgeValues(snap, mode, stage, i + 2);
      const t = vals ? top(vals.flat()) : 1;
      rows.forEach((row, jp) => row.forEach((e, kp) => {
        e.value = vals ? vals[jp][kp] : 0;
        ctx.strokeStyle = diverging(e.value / t);
        ctx.lineWidth = 0.4 + 3.5 * Math.abs(e.value) / t;
        ctx.beginPath(); ctx.moveTo(e.x1, e.y1); ctx.lineTo(e.x2, e.y2); ctx.stroke();
      }));
    });
    const view = snap.record, s = ui.sample;
    this.neurons.forEach((column, i) => {
      const l = i + 1, vals = neuronValues(snap, mode, l, s);
      const t = vals ? top(vals) : 1;
      const mask = view && l > 1 && E.layerOf(view, l).mask ? E.layerOf(view, l).mask[s] : null;
      column.forEach((shape, jp) => {
        const v = vals ? vals[jp] : null;
        const colour = v == null ? "#eee" : diverging(v / t);
        const square = shape.tagName === "rect";
        shape.setAttribute(square ? "stroke" : "fill", colour);
        shape.dataset.value = v ?? "";
        shape.classList.toggle("dropped", !!(mask && mask[jp] === 0));
        const n = info.shown[i][jp];
        shape.classList.toggle("selected", !!(ui.selected && ui.selected[0] === l && ui.selected[1] === n));
        if (plane && l > 1) {  // its a^l over the plane, drawn on the canvas under the outline
          const m = snap.plane.maps[i - 1][jp], x = +shape.getAttribute("x"), y = +shape.getAttribute("y");
          ctx.drawImage(heatCanvas(bytes(m.q), snap.plane.grid), x, y, this.size, this.size);
        }
      });
    });
    if (this.hovered) this.hover(this.hovered); // a hovered value follows the training live
  }

  hover(ev) {
    const c = this.context, d = ev.target.dataset;
    if (!c) return;
    this.hovered = { target: ev.target, clientX: ev.clientX, clientY: ev.clientY }; // kept: redrawn live
    const { info, snap, mode, stage, s } = c, view = snap.record;
    if (d && d.layer) {
      const l = +d.layer, jp = +d.j;
      this.ui.tip(ev, view ? (mode === "forward" ? E.forwardNeuron(info, view, l, jp, s)
        : E.backwardNeuron(info, view, l, jp, s)) : liveNeuron(info, snap, mode, l, jp));
      return;
    }
    const box = this.svg.getBoundingClientRect();
    const e = nearestEdge(this.edges, ev.clientX - box.left, ev.clientY - box.top);
    if (!e) { this.ui.tip(null); return; }
    this.ui.tip(ev, view ? (mode === "forward" ? E.edgeForward(info, view, e.l, e.jp, e.kp, s, stage === "update")
      : E.edgeBackward(info, view, e.l, e.jp, e.kp, s)) : liveEdge(info, snap, mode, e));
  }

  // What the edges show: [layer, j, k, value, x, y] for each drawn edge, (x, y) a point on it
  // 30% of the way from its start (for the tests).
  edgesShown() {
    const point = (e) => [e.x1 + 0.3 * (e.x2 - e.x1), e.y1 + 0.3 * (e.y2 - e.y1)];
    return (this.edges || []).flat(2).map((e) => [e.l, e.j, e.k, e.value, ...point(e)]);
  }
}

function liveNeuron(info, snap, mode, l, jp) {
  const vals = neuronValues(snap, mode, l, 0), n = info.shown[l - 1][jp];
  const what = mode === "forward" ? "mean a over the latest mini-batch (before dropout's mask)"
    : "∂C/∂b = the mean δ over the latest mini-batch (BP3)";
  return [`neuron j=${n} of layer l=${l}`, `${what} = ${f(vals ? vals[jp] : null)}`,
    `(${later(snap)} to see the equations with the numbers of one mini-batch)`].map((t) => line(t));
}

function liveEdge(info, snap, mode, e) {
  const vals = edgeValues(snap, mode, null, e.l);
  const what = mode === "forward" ? "w" : "∂C₀/∂w (BP4), the mean over the latest mini-batch";
  return [`w^${e.l}_${e.j},${e.k}`, `${what} = ${f(vals ? vals[e.jp][e.kp] : null)}`,
    `(${later(snap)} for the equations)`].map((t) => line(t));
}

// What shows a mini-batch's equations: a pause while training, else a step (paused after a
// weight set by hand, or before the first mini-batch, none is recorded).
const later = (snap) => (snap.state === "running" ? "pause" : "step one mini-batch");

// The edge within 4 pixels of (x, y), if any.
function nearestEdge(edges, x, y) {
  let best = null, bestD = 16;
  (edges || []).flat(2).forEach((e) => {
    const dx = e.x2 - e.x1, dy = e.y2 - e.y1;
    const t = Math.max(0, Math.min(1, ((x - e.x1) * dx + (y - e.y1) * dy) / (dx * dx + dy * dy)));
    const d = (e.x1 + t * dx - x) ** 2 + (e.y1 + t * dy - y) ** 2;
    if (d < bestD) { bestD = d; best = e; }
  });
  return best;
}
