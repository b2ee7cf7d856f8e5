// deltaprop explore: editing the network by hand. +/− buttons add or remove a hidden layer
// and neurons of each (a new network, as changing "hidden layers" does); clicking an edge
// while paused sets its weight (POST /api/ID/weight) and shows the cost before and after,
// while the drawing and the decision surface are drawn again from the changed network.
import { api } from "./api.js";
import { fill, h, num, table } from "./dom.js";
import * as E from "./explain.js";

const button = (text, title, disabled, onClick) => {
  const b = h("button", { type: "button", title, disabled: disabled || null }, text);
  b.addEventListener("click", onClick);
  return b;
};

// The +/− buttons of the hidden layers, in `box`; apply() makes the new network.
export function layerButtons(box, controls, apply) {
  const o = controls.byName.hidden;
  const widths = controls.values().hidden.split(",").map((w) => +w).filter((w) => w > 0);
  const set = (ws) => { controls.set("hidden", ws.join(",")); apply(); };
  const most = o.count, widest = o.max, L = widths.length;
  const layers = h("span", { class: "edit-layers" }, `${L} hidden layer${L === 1 ? "" : "s"} `,
    button("−", "remove the last hidden layer", L === 0, () => set(widths.slice(0, -1))),
    button("+", "add a hidden layer (as wide as the last)", L >= most, () => set([...widths, widths[L - 1] || 4])));
  const each = widths.map((w, i) => h("span", { class: "edit-layer", "data-layer": i + 2 }, `l=${i + 2}: `,
    button("−", `one neuron fewer in layer ${i + 2}`, w <= 1, () => set(widths.map((v, k) => (k === i ? v - 1 : v)))),
    h("span", { class: "width" }, String(w)),
    button("+", `one neuron more in layer ${i + 2}`, w >= widest, () => set(widths.map((v, k) => (k === i ? v + 1 : v))))));
  fill(box, layers, ...each);
}

// The weight w^l_jk of the network as it is now (after the recorded mini-batch's update).
function current(snap, e) {
  if (snap.record) return E.layerOf(snap.record, e.l).w_after[e.jp][e.kp];
  return snap.w ? snap.w[e.l - 2][e.jp][e.kp] : null;
}

// The result of setting a weight: the weight and the costs, before and after.
function result(r) {
  const row = (what, q, before, after) => [what, num(q, before, { when: "before" }), num(q, after, { when: "after" })];
  const where = r.step ? `the m = ${r.rows} rows of mini-batch ${r.step}` : `the first m = ${r.rows} training rows`;
  return table(["", "before", "after"], [
    row(`w^${r.layer}_${r.j},${r.k}`, "edit_w", r.before, r.after),
    row(`C = (1/m) Σ_x C_x on ${where}`, "edit_cost", r.cost_before, r.cost_after),
    row("C on the training rows the curves measure", "edit_train_cost", r.train_cost_before, r.train_cost_after),
    row("C on the test rows the curves measure", "edit_test_cost", r.test_cost_before, r.test_cost_after),
  ], { class: "edit-result" });
}

// The editor of the clicked edge e ({l, j, k, jp, kp}) in `box`.
export function weightEditor(box, info, snap, e) {
  box.hidden = false;
  const name = `w^${e.l}_${e.j},${e.k}`;
  if (snap.state === "running") {
    fill(box, h("p", { class: "hint" }, `pause first: ${name} is set between two mini-batches`));
    return;
  }
  const w = current(snap, e);
  const field = h("input", { type: "number", step: "any", value: w == null ? 0 : w, name: "weight-value" });
  const out = h("div", { class: "edit-out" });
  const submit = async () => {
    try {
      const r = await api(`/api/${info.id}/weight`, { layer: e.l, j: e.j, k: e.k, value: +field.value });
      fill(out, result(r));
    } catch (err) {
      fill(out, h("p", { class: "hint error" }, err.message));
    }
  };
  const go = button("set", `set ${name} and measure the cost`, false, submit);
  go.id = "weight-set";
  field.addEventListener("keydown", (ev) => { if (ev.key === "Enter") submit(); });
  fill(box, h("h3", {}, `set ${name} (from neuron ${e.k} of layer ${e.l - 1} to neuron ${e.j} of layer ${e.l})`),
    h("label", {}, `${name} = `, field, go), out);
}
