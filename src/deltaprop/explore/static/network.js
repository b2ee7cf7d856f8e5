// deltaprop explore: the network drawn. Neurons are SVG elements; the edges (hundreds of
// lines) and the 2-D sets' heat maps are painted on a canvas beneath the SVG. Forward mode
// colours each neuron by its a^l (of the chosen sample while paused; ã = a ⊙ r, what the next
// layer sees, where dropout is on) and each edge by w (before the update, after it at stage
// ③); backward mode by ∂C/∂b^l (the mean δ, BP3) and ∂C₀/∂w (BP4). While training runs, the
// means over the latest mini-batch. Each quantity has one colour scale for the whole drawing
// (colours.js), its legend returned by draw(). For 2-D data each hidden and output neuron
// shows its a^l over the plane, enlarged under the pointer. The drawing fills its box's width
// and is laid out again when the box changes size.
import { bytePalette, diverging, largest, scaleTop } from "./colours.js";
import { h, line, num } from "./dom.js";
import * as E from "./explain.js";
import { inputLabels } from "./features.js";
import { f } from "./format.js";
import { bytes, heatCanvas, svgEl } from "./plots.js";

const el = svgEl;

// Positions of the drawn neurons of each layer in a W × H box (a column per layer; `right`
// leaves room for the output classes' names, the left margin for the input features').
function layout(info, W, H, size, right) {
  const named = info.inputs ? Math.max(...info.inputs.map((t) => t.length)) * 6.5 + 6 : 0;
  const L = info.shown.length, left = Math.max(30, size / 2 + 4 + named);
  return info.shown.map((idx, l) => idx.map((_, j) => [
    left + (l * (W - left - right)) / Math.max(1, L - 1),
    H / 2 + 12 + (j - (idx.length - 1) / 2) * Math.min(size + 6, (H - 44) / idx.length),
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

// The legend's words for each quantity a scale colours.
const NAMES = {
  forward: { neurons: "a^l (neurons)", edges: "w (edges)" },
  backward: { neurons: "∂C/∂b^l = mean δ^l, BP3 (neurons)", edges: "∂C₀/∂w, BP4 (edges)" },
};

export class NetworkView {
  // svg and canvas share a box; ui: {tip(ev, nodes), pick(layer, neuron), redraw()}
  constructor(svg, canvas, ui) {
    this.svg = svg; this.canvas = canvas; this.ui = ui; this.key = null; this.heat = null;
    svg.addEventListener("mousemove", (ev) => this.hover(ev));
    svg.addEventListener("mouseleave", () => { this.hovered = null; ui.tip(null); });
    svg.addEventListener("click", (ev) => {
      const d = ev.target.dataset;
      if (d && d.neuron !== undefined && +d.layer > 1) { ui.pick(+d.layer, +d.neuron); return; }
      const box = svg.getBoundingClientRect(); // an edge: set its weight (edit.js)
      const e = nearestEdge(this.edges, ev.clientX - box.left, ev.clientY - box.top);
      if (e && ui.pickEdge) ui.pickEdge(e);
    });
    if (window.ResizeObserver) {
      let width = 0;
      new ResizeObserver(() => {
        const w = svg.parentElement.clientWidth;
        if (w && w !== width) { width = w; this.key = null; if (ui.redraw) ui.redraw(); }
      }).observe(svg.parentElement);
    }
  }

  build(info) {
    const plane = info.kind === "plane";
    const W = Math.max(240, this.svg.parentElement.clientWidth || 620);
    const H = Math.round(Math.max(240, Math.min(440, W * 0.62)));
    const most = Math.max(...info.shown.map((s) => s.length));
    this.size = plane ? Math.max(14, Math.min(44, (H - 44) / most - 6)) : Math.max(8, Math.min(16, (H - 44) / most - 4));
    const names = info.classes || [];
    const right = 14 + this.size / 2 + Math.min(8, Math.max(1, ...names.map((n) => String(n).length))) * 6.5;
    const pos = layout(info, W, H, this.size, right);
    this.W = W; this.H = H;
    this.svg.setAttribute("width", W); this.svg.setAttribute("height", H);
    this.svg.parentElement.style.height = `${H + 2}px`;
    const dpr = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(W * dpr); this.canvas.height = Math.round(H * dpr);
    this.canvas.style.width = `${W}px`; this.canvas.style.height = `${H}px`;
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
      el("text", { x, y: 12, class: "layer-label", "text-anchor": "middle" }, g).textContent = `l=${l} (${info.sizes[i]})`;
      if (info.shown[i].length < info.sizes[i]) {
        el("text", { x, y: 24, class: "layer-note", "text-anchor": "middle" }, g).textContent =
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
    const last = pos[pos.length - 1];
    last.forEach((p, jp) => {
      const j = info.shown[pos.length - 1][jp], name = String(names[j] ?? j);
      const t = el("text", { x: p[0] + this.size / 2 + 5, y: p[1] + 4, class: "class-label", "data-class": j }, g);
      t.textContent = name.length > 8 ? `${name.slice(0, 7)}…` : name;
    });
    inputLabels(g, pos, info, this.size); // the inputs' features
    this.positions = pos;
    this.key = info.id;
    this.heat = null;
  }

  // The scales' tops of the drawing now: {edges, neurons, maps}; maps null without heat maps.
  scalesOf(info, snap, mode, stage, s) {
    const edgeTop = scaleTop(Math.max(0, ...this.edges.map((_, i) =>
      largest((edgeValues(snap, mode, stage, i + 2) || []).flat()))));
    let biggest = 0;
    for (let l = 1; l <= info.sizes.length; l++) biggest = Math.max(biggest, largest(neuronValues(snap, mode, l, s) || []));
    const maps = info.kind === "plane" && snap.plane ? snap.plane.top : null;
    let neurons = scaleTop(biggest);
    if (mode === "forward" && maps != null) neurons = Math.max(neurons, maps); // one scale for a
    return { edges: edgeTop, neurons, maps };
  }

  // Draw; returns the legend's rows [{scale, label, top}].
  draw(info, snap, mode, stage, ui) {
    if (this.key !== info.id) this.build(info);
    this.context = { info, snap, mode, stage, s: ui.sample };
    const plane = info.kind === "plane" && snap.plane;
    const tops = this.scalesOf(info, snap, mode, stage, ui.sample);
    const ctx = this.canvas.getContext("2d");
    const dpr = this.canvas.width / this.W;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, this.W, this.H);
    this.edges.forEach((rows, i) => {
      const vals = edgeValues(snap, mode, stage, i + 2);
      rows.forEach((row, jp) => row.forEach((e, kp) => {
        e.value = vals ? vals[jp][kp] : 0;
        const t = (e.value || 0) / tops.edges;
        ctx.strokeStyle = diverging(t);
        ctx.lineWidth = 0.5 + 3.5 * Math.min(1, Math.abs(t));
        ctx.beginPath(); ctx.moveTo(e.x1, e.y1); ctx.lineTo(e.x2, e.y2); ctx.stroke();
      }));
    });
    const view = snap.record, s = ui.sample;
    const maps = plane ? this.heatMaps(snap.plane, mode === "forward" ? tops.neurons : snap.plane.top) : null;
    this.neurons.forEach((column, i) => {
      const l = i + 1, vals = neuronValues(snap, mode, l, s);
      const mask = view && l > 1 && E.layerOf(view, l).mask ? E.layerOf(view, l).mask[s] : null;
      column.forEach((shape, jp) => {
        const v = vals ? vals[jp] : null;
        const colour = v == null ? "#eee" : diverging(v / tops.neurons);
        const square = shape.tagName === "rect";
        shape.setAttribute(square ? "stroke" : "fill", colour);
        shape.dataset.value = v ?? "";
        shape.classList.toggle("dropped", !!(mask && mask[jp] === 0));
        const n = info.shown[i][jp];
        shape.classList.toggle("selected", !!(ui.selected && ui.selected[0] === l && ui.selected[1] === n));
        if (maps && l > 1) {  // its a^l over the plane, drawn on the canvas under the outline
          const x = +shape.getAttribute("x"), y = +shape.getAttribute("y");
          ctx.drawImage(maps[i - 1][jp], x, y, this.size, this.size);
        }
      });
    });
    if (this.hovered) this.hover(this.hovered); // a hovered value follows the training live
    const names = NAMES[mode];
    const rows = [{ scale: "neurons", label: names.neurons, top: tops.neurons },
      { scale: "edges", label: names.edges, top: tops.edges }];
    if (tops.maps != null) {
      if (mode === "forward") rows[0].label = "a^l (neurons, and over the plane in the squares)";
      else rows.push({ scale: "maps", label: "a^l over the plane (in the squares)", top: tops.maps });
    }
    this.tops = tops;
    return rows;
  }

  // The heat maps' canvases of a plane snapshot on a scale of top `to` (cached).
  heatMaps(pl, to) {
    if (this.heat && this.heat.pl === pl && this.heat.to === to) return this.heat.maps;
    const palette = bytePalette(pl.top, to);
    const maps = pl.maps.map((layer) => layer.map((m) => heatCanvas(bytes(m.q), pl.grid, palette)));
    this.heat = { pl, to, maps };
    return maps;
  }

  // Where neuron n of layer l is drawn, in the box's pixels: {x, y, size}.
  neuronBox(l, n) {
    const i = l - 1, jp = this.context ? this.context.info.shown[i].indexOf(n) : -1;
    if (!this.positions || jp < 0) return null;
    const [x, y] = this.positions[i][jp];
    return { x, y, size: this.size };
  }

  hover(ev) {
    const c = this.context, d = ev.target.dataset;
    if (!c) return;
    this.hovered = { target: ev.target, clientX: ev.clientX, clientY: ev.clientY }; // kept: redrawn live
    const { info, snap, mode, stage, s } = c, view = snap.record;
    if (d && d.layer) {
      const l = +d.layer, jp = +d.j;
      const nodes = view ? (mode === "forward" ? E.forwardNeuron(info, view, l, jp, s)
        : E.backwardNeuron(info, view, l, jp, s)) : liveNeuron(info, snap, mode, l, jp);
      if (info.kind === "plane" && snap.plane && l > 1) nodes.push(...this.bigMap(snap.plane, l, jp));
      this.ui.tip(ev, nodes);
      return;
    }
    const box = this.svg.getBoundingClientRect();
    const e = nearestEdge(this.edges, ev.clientX - box.left, ev.clientY - box.top);
    if (!e) { this.ui.tip(null); return; }
    this.ui.tip(ev, view ? (mode === "forward" ? E.edgeForward(info, view, e.l, e.jp, e.kp, s, stage === "update")
      : E.edgeBackward(info, view, e.l, e.jp, e.kp, s)) : liveEdge(info, snap, mode, e));
  }

  // Neuron jp of layer l's a^l over the plane, enlarged, with its range.
  bigMap(pl, l, jp) {
    const m = pl.maps[l - 2][jp], j = this.context.info.shown[l - 1][jp];
    const to = this.heat ? this.heat.to : pl.top;
    const big = heatCanvas(bytes(m.q), pl.grid, bytePalette(pl.top, to));
    big.className = "big-map";
    return [big, line(`a^${l}_${j} over the plane (${pl.grid}×${pl.grid} points, the weights now): from `,
      num("map_low", m.low, { l, j }), " to ", num("map_high", m.high, { l, j }),
      `, coloured on the scale −${to} … ${to}`)];
  }

  // What the edges show: [layer, j, k, value, x, y] for each drawn edge, (x, y) a point on it
  // 30% of the way from its start, in the drawing's pixels (for the tests).
  edgesShown() {
    const point = (e) => [e.x1 + 0.3 * (e.x2 - e.x1), e.y1 + 0.3 * (e.y2 - e.y1)];
    return (this.edges || []).flat(2).map((e) => [e.l, e.j, e.k, e.value, ...point(e)]);
  }
}

function liveNeuron(info, snap, mode, l, jp) {
  const vals = neuronValues(snap, mode, l, 0), n = info.shown[l - 1][jp];
  const what = mode === "forward" ? "mean a over the latest mini-batch (before dropout's mask)"
    : "∂C/∂b = the mean δ over the latest mini-batch (BP3)";
  return [h("div", { class: "tip-title" }, `neuron j=${n} of layer l=${l}`),
    line(`${what} = ${f(vals ? vals[jp] : null)}`),
    line(`(${later(snap)} to see the equations with the numbers of one mini-batch)`)];
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
