// deltaprop explore: the step mode, the three stages of one recorded mini-batch as tables.
// ① forward: each layer's inputs a^(l−1) (masked, with dropout), w, the sums of z = w a + b,
//   z and a = σ(z), so that z can be recomputed from the table;
// ② backward: BP1 at the output (a, y, ∇_a C, σ'(z) or softmax's term, δ), BP2 below it
//   (the sum over every neuron of the next layer, σ'(z), the mask, δ);
// ③ update: for a whole row j of w^l and its bias, BP3, BP4, the regulariser's term, the
//   gradient g the optimiser used, its state before and after, and the parameter after.
import { h, line, num, table } from "./dom.js";
import * as E from "./explain.js";
import { featureTable } from "./features.js";

function note(text) {
  return text ? h("p", { class: "hint" }, text) : null;
}

function forwardLayer(info, view, l, s) {
  const L = E.layerOf(view, l), rows = info.shown[l - 1], cols = info.shown[l - 2];
  const prev = E.seen(info, view, l - 1), masked = E.dropping(info, view, l);
  const head = [[`j \\ k`, ...cols.map(String), "Σ drawn k", L.n_rest ? `Σ other ${L.n_rest}` : null,
    "b_j", "z_j", `a_j = ${E.sigmaOf(info, l)}(z_j)`, masked ? "r_j" : null, masked ? "ã_j = a_j r_j" : null]
    .filter((c) => c !== null)];
  const prevLayer = l - 1;
  if (E.dropping(info, view, prevLayer)) {
    const P = E.layerOf(view, prevLayer);
    head.push([`a^${prevLayer}_k`, ...cols.map((k, kp) => num("a", P.a[s][kp], { l: prevLayer, j: k, s }))]);
    head.push([`r^${prevLayer}_k`, ...cols.map((k, kp) => num("r", P.mask[s][kp], { l: prevLayer, j: k, s }))]);
  }
  head.push([`${prev}_k`, ...cols.map((k, kp) => num("a_in", L.a_in[s][kp], { l, k, s }))]);
  const body = rows.map((j, jp) => {
    const at = { l, j, s };
    const cells = [String(j), ...cols.map((k, kp) => num("w", L.w[jp][kp], { l, j, k })),
      num("sum_shown", L.sum_shown[s][jp], at)];
    if (L.n_rest) cells.push(num("sum_rest", L.sum_rest[s][jp], at));
    cells.push(num("b", L.b[jp], { l, j }), num("z", L.z[s][jp], at), num("a", L.a[s][jp], at));
    if (masked) cells.push(num("r", L.mask[s][jp], at), num("a_masked", L.a_masked[s][jp], at));
    return cells;
  });
  return h("div", { class: "layer", "data-layer": l },
    line(`layer ${l}: z^${l}_j = Σ_k w^${l}_jk ${prev}_k + b^${l}_j (eq. 25), the sum over all `,
      `${info.sizes[l - 2]} k; a^${l} = ${E.sigmaOf(info, l)}(z^${l})`),
    E.dropping(info, view, prevLayer) ? line(`${prev} = a^${prevLayer} ⊙ r^${prevLayer}: dropout's mask, r = 0 (dropped) or 1/(1 − p), p = ${view.dropout}`) : null,
    note(E.selection(info, l - 1)), note(E.selection(info, l)),
    h("div", { class: "scroll" }, table(head, body)));
}

function outputLayer(info, view, s) {
  const l = info.sizes.length, L = E.layerOf(view, l), rows = info.shown[l - 1];
  const softmax = !L.sigma_prime;
  const head = ["j", "a_j", "y_j", "∇_a C_j", softmax ? "Σ_k a_k ∇_a C_k" : "σ'(z_j)", "δ_j", "∂C/∂b_j (BP3)"];
  const body = rows.map((j, jp) => {
    const at = { l, j, s };
    return [String(j), num("a", L.a[s][jp], at), num("y", view.y[s][jp], at),
      num("grad_a", L.grad_a[s][jp], at),
      softmax ? num("jac_dot", L.jac_dot[s], { l, s }) : num("sigma_prime", L.sigma_prime[s][jp], at),
      num("delta", L.delta[s][jp], at), num("grad_b", L.grad_b[jp], { l, j })];
  });
  return h("div", { class: "layer", "data-layer": l },
    ...E.bp1Equation(info).map((t) => line(`layer ${l}: ${t}`)),
    line(`BP3: ∂C/∂b^${l}_j = (1/m) Σ_x δ^x_j over the m = ${view.m} rows`),
    note(E.selection(info, l)), h("div", { class: "scroll" }, table(head, body)));
}

function hiddenLayer(info, view, l, s) {
  const L = E.layerOf(view, l), rows = info.shown[l - 1], masked = E.dropping(info, view, l);
  const head = ["j", `Σ_k w^${l + 1}_kj δ^${l + 1}_k (all ${info.sizes[l]} k)`,
    L.n_rest ? `of it, the ${L.n_rest} k not drawn` : null, "σ'(z_j)", masked ? "r_j" : null, "δ_j",
    "∂C/∂b_j (BP3)"].filter((c) => c !== null);
  const body = rows.map((j, jp) => {
    const at = { l, j, s };
    const cells = [String(j), num("bp2_sum", L.bp2_sum[s][jp], at)];
    if (L.n_rest) cells.push(num("bp2_rest", L.bp2_rest[s][jp], at));
    cells.push(num("sigma_prime", L.sigma_prime[s][jp], at));
    if (masked) cells.push(num("r", L.mask[s][jp], at));
    cells.push(num("delta", L.delta[s][jp], at), num("grad_b", L.grad_b[jp], { l, j }));
    return cells;
  });
  return h("div", { class: "layer", "data-layer": l },
    line(`layer ${l}: ${E.bp2Equation(info, view, l)}`),
    line(`BP3: ∂C/∂b^${l}_j = (1/m) Σ_x δ^x_j over the m = ${view.m} rows`),
    note(E.selection(info, l + 1)), h("div", { class: "scroll" }, table(head, body)));
}

function updateLayer(info, view, l, jp, choose) {
  const U = E.layerOf(view, l), rows = info.shown[l - 1], cols = info.shown[l - 2];
  const j = rows[jp], reg = !!U.penalty;
  const select = h("select", { class: "row", "data-layer": l },
    rows.map((n, i) => h("option", { value: i, selected: i === jp }, `row j = ${n}`)));
  select.addEventListener("change", () => choose(l, +select.value));
  const stateNames = E.ruleValues(view, l, jp, "b", j).map(([name]) => name);
  const head = ["", "before", "BP4 ∂C₀/∂θ (BP3 for b)", reg ? "the regulariser's term" : null,
    "g = ∂C/∂θ", ...stateNames].filter((c) => c !== null);
  const body = cols.map((k, kp) => {
    const at = { l, j, k };
    const cells = [`w_${j},${k}`, num("w", U.w[jp][kp], at), num("bp4", U.bp4[jp][kp], at)];
    if (reg) cells.push(num("penalty", U.penalty[jp][kp], at));
    cells.push(num("grad_w", U.grad_w[jp][kp], at), ...E.ruleValues(view, l, jp, kp, j, k).map(([, n]) => n));
    return cells;
  });
  const bias = [`b_${j}`, num("b", U.b[jp], { l, j }), num("grad_b", U.grad_b[jp], { l, j })];
  if (reg) bias.push("0 (not regularised)");
  bias.push(num("grad_b", U.grad_b[jp], { l, j }), ...E.ruleValues(view, l, jp, "b", j).map(([, n]) => n));
  body.push(bias);
  return h("div", { class: "layer", "data-layer": l },
    line(`layer ${l}: BP4: ∂C₀/∂w^${l}_jk = (1/m) Σ_x ${E.seen(info, view, l - 1)}^x_k δ^x_j, the cost's gradient; `,
      `BP3: ∂C/∂b^${l}_j = (1/m) Σ_x δ^x_j`),
    reg ? E.penaltyEquation(view) : null,
    line(reg ? "g = BP4 + the regulariser's term, then the optimiser's rule with θ = w or b:" : "g = BP4, then the optimiser's rule with θ = w or b:"),
    ...E.ruleEquation(view), h("div", {}, select), note(E.selection(info, l - 1)),
    h("div", { class: "scroll" }, table(head, body)));
}

// The stage's tables for sample s; rowOf(l) is the row of w^l shown in ③, choose(l, jp)
// changes it.
export function stage(info, view, name, s, rowOf, choose) {
  const layers = [...Array(info.sizes.length - 1).keys()].map((i) => i + 2);
  if (name === "forward") {
    return [view.features ? featureTable(view, s) : null, ...layers.map((l) => forwardLayer(info, view, l, s))];
  }
  if (name === "backward") {
    return layers.reverse().map((l) => (l === info.sizes.length ? outputLayer(info, view, s)
      : hiddenLayer(info, view, l, s)));
  }
  return layers.map((l) => updateLayer(info, view, l, Math.min(rowOf(l), info.shown[l - 1].length - 1), choose));
}

// What the stepper's title says of the recorded mini-batch (numbered as the header numbers
// them: the run's count of mini-batches).
export function title(view) {
  return [`mini-batch ${view.step} (epoch ${view.epoch}), m = ${view.m} rows, its cost C₀ = `,
    num("cost", view.cost)];
}
