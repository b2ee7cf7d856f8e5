// deltaprop explore: two runs side by side. With "compare" set, the server makes a second
// run from the same initial weights and mini-batches, differing in one setting, and trains
// both in lockstep (explore/twin.py); the page's Start, Pause and Step drive both. Here the
// second run's snapshots are received (its own event stream), its decision surface drawn
// beside the first's, and both runs' curves drawn on shared axes: the measured cost, and
// the learning speed ‖∂C/∂b^l‖ of each layer (the first run solid, the second dashed).
import { LAYER_COLOURS } from "./colours.js";
import { fill, h } from "./dom.js";
import { f } from "./format.js";
import * as Live from "./live.js";
import * as Plots from "./plots.js";
import { surfaceLegend, surfacePlane } from "./surface.js";

const $ = (sel) => document.querySelector(sel);

export class Twin {
  constructor() {
    this.source = null; this.info = null; this.snap = {}; this.curves = []; this.drawn = null;
    this.plane = null; // its PlaneView (plots.js), made with the section
    this.last = null; this.pending = false;
  }

  // Follow the second run of `twin` (the page's run's description's), or none.
  open(twin) {
    if (this.source) { this.source.close(); this.source = null; }
    this.info = twin || null; this.snap = {}; this.curves = []; this.drawn = null; this.plane = null;
    this.last = null;
    $("#twin").hidden = !twin;
    if (!twin) return;
    this.source = new EventSource(`/api/${twin.id}/events`);
    this.source.onmessage = (ev) => {
      const msg = JSON.parse(ev.data);
      if (msg.since === 0) this.curves = [];
      this.curves.push(...msg.points);
      if (!msg.snapshot.plane && this.snap.plane) msg.snapshot.plane = this.snap.plane;
      this.snap = msg.snapshot;
      this.redraw(); // B's last snapshot may come after A's: drawn without waiting for A's next
    };
    this.source.addEventListener("closed", (ev) => {
      this.snap = { ...this.snap, state: "closed", error: JSON.parse(ev.data).error };
      this.source.close(); this.source = null;
    });
  }

  // Draw both runs: the first's description, snapshot, curves and changes of settings are
  // the page's (the setting compared may be changed in A while it trains: its value now).
  render(info, curves, changes) {
    const t = this.info;
    this.last = [info, curves, changes];
    if (!t) return;
    const s = this.snap, last = this.curves[this.curves.length - 1] || {};
    const mine = (changes || []).filter((c) => t.compare in c.what);
    const a = mine.length ? mine[mine.length - 1].what[t.compare][1] : t.values[0];
    fill($("#twin-title"), `A: ${t.compare} = ${a}, solid · B: ${t.compare} = ${t.values[1]}, dashed`);
    const state = s.state === "failed" || s.state === "closed" ? `${s.state}: ${s.error}` :
      `${s.state || "starting"}: mini-batch ${s.batches ?? 0}${last.cost != null ? `, cost ${f(last.cost)}` : ""}`;
    const line = $("#twin-status");
    line.textContent = `B ${state}`;
    line.dataset.batches = s.batches ?? 0;
    line.dataset.state = s.state || "";
    $("#planebox-twin").hidden = t.kind !== "plane";
    if (t.kind === "plane" && s.plane && s.plane !== this.drawn) {
      if (!this.plane) this.plane = new Plots.PlaneView($("#planebox-twin"), $("#plane-twin-surface"), $("#plane-twin"));
      if (!this.drawn) this.plane.draw(t.bounds, t.regression ? null : t.points, [], true); // the axes, once
      this.drawn = s.plane;
      const canvas = $("#plane-twin-surface");
      if (t.regression) $("#twin-legend").textContent = surfaceLegend(surfacePlane(canvas, s.plane, t.points, t.bounds));
      else this.plane.surface(s.plane, false);
    }
    this.drawCurves(curves, changes);
  }

  // Draw again with the first run's latest, at the next frame (once however many come).
  redraw() {
    if (this.pending || !this.last) return;
    this.pending = true;
    requestAnimationFrame(() => { this.pending = false; if (this.info) this.render(...this.last); });
  }

  // The curves of both on shared axes, with the changes of settings marked (made in both).
  drawCurves(curves, changes) {
    const measured = (cs) => cs.filter((p) => p.train_cost != null);
    const [a, b] = [measured(curves), measured(this.curves)];
    const series = (cs, key, name, colour, dash) =>
      ({ name, xs: cs.map((p) => p.batch), ys: cs.map((p) => p[key]), colour, width: 1.6, dash });
    const cost = Plots.curves($("#twin-cost"), [
      series(a, "train_cost", "A train", LAYER_COLOURS[0]), series(a, "test_cost", "A test", LAYER_COLOURS[1]),
      series(b, "train_cost", "B train", LAYER_COLOURS[0], "5 3"),
      series(b, "test_cost", "B test", LAYER_COLOURS[1], "5 3")], { log: true });
    const layers = this.info.sizes.length - 1;
    const speed = (cs, run, dash) => [...Array(layers).keys()].map((i) => ({
      name: run === "A" ? `l=${i + 2}` : null, xs: cs.map((p) => p.batch),
      ys: cs.map((p) => (p.speed ? p.speed[i] : null)), colour: LAYER_COLOURS[i % LAYER_COLOURS.length], dash }));
    const speeds = Plots.curves($("#twin-speed"), [...speed(curves, "A"), ...speed(this.curves, "B", "5 3")], { log: true });
    Live.mark($("#twin-cost"), cost, changes);
    Live.mark($("#twin-speed"), speeds, changes);
  }

  close() { this.open(null); }
}

// The section's skeleton, for index.html's #twin (built here so that the page's HTML
// stays small).
export function twinSection() {
  const svg = (id) => h("div", { class: "plot" }, Plots.svgEl("svg", { id }));
  return [h("h3", { id: "twin-title" }), h("div", { id: "twin-status", class: "status" }),
    h("div", { class: "planebox", id: "planebox-twin" }, h("canvas", { id: "plane-twin-surface" }),
      Plots.svgEl("svg", { id: "plane-twin", role: "img", "aria-label": "the second run's surface" })),
    h("p", { id: "twin-legend", class: "hint" }),
    h("h3", {}, "cost measured, A and B (shared axes)"), svg("twin-cost"),
    h("h3", {}, "learning speed ‖∂C/∂b^l‖ per layer, A and B"), svg("twin-speed")];
}
