// deltaprop explore: each number of the paused mini-batch with the equation that made it and
// the numbers beside it plugged in. The hover texts and the step-by-step tables are both built
// here, so they say the same thing. Every value comes from the server's record of the step
// the library ran (see explore/record.py); nothing here computes the mathematics.
//
// Indices: l is a layer number (1 … L), j a neuron of layer l and k one of layer l−1 (their
// numbers in the whole layer); jp, kp their positions among the drawn neurons; s a row of the
// mini-batch. `view` is the record as the page gets it (snapshot.record).
import { exact, h, line, num } from "./dom.js";
import { featureLine } from "./features.js";

export const layerOf = (view, l) => view.layers[l - 2];
export const sigmaOf = (info, l) => info.activations[l - 2];
const sub = (l) => String(l);

// Does layer l (2 … L−1) drop neurons, and so layer l+1 see ã^l = a^l ⊙ r^l?
export const dropping = (info, view, l) => view.dropout > 0 && l >= 2 && l < info.sizes.length;

// "a^(l)" or "ã^(l)": what layer l+1 sees of layer l.
export const seen = (info, view, l) => (dropping(info, view, l) ? `ã^${sub(l)}` : `a^${sub(l)}`);

// How many of layer l's neurons are drawn, said where it is not all of them.
export function selection(info, l) {
  const n = info.sizes[l - 1], drawn = info.shown[l - 1].length;
  if (drawn === n) return null;
  // the input layer: the inputs that vary most over the training data (explore/snapshot.py)
  const which = l > 1 ? "the first" : info.kind === "image" ? "the pixels that vary most"
    : "the inputs that vary most";
  return `${drawn} of the ${n} neurons of layer ${l} drawn (${which})`;
}

// -- the forward pass (eq. 25) -------------------------------------------------------------

// z^l_j = Σ_k w_jk ã_k + b_j written out for the drawn k, with the others' sum, for sample s.
export function forwardSum(info, view, l, jp, s) {
  const L = layerOf(view, l), j = info.shown[l - 1][jp], cols = info.shown[l - 2];
  const parts = [`z^${l}_${j} = `];
  cols.forEach((k, kp) => {
    if (kp) parts.push(" + ");
    parts.push("(", num("w", L.w[jp][kp], { l, j, k }), ")·(",
      num("a_in", L.a_in[s][kp], { l, k, s }), ")");
  });
  if (L.n_rest) {
    parts.push(` + [Σ over the ${L.n_rest} inputs not drawn: `,
      num("sum_rest", L.sum_rest[s][jp], { l, j, s }), "]");
  }
  parts.push(" + (", num("b", L.b[jp], { l, j }), ") = ", num("z", L.z[s][jp], { l, j, s }));
  return parts;
}

// The mask of neuron j of hidden layer l in sample s, and what layer l+1 sees.
export function maskLine(info, view, l, jp, s) {
  const L = layerOf(view, l), j = info.shown[l - 1][jp], r = L.mask[s][jp];
  const what = r === 0 ? "dropped in this sample" : `kept, scaled by 1/(1 − p), p = ${view.dropout}`;
  return line(`dropout: r^${l}_${j} = `, num("r", r, { l, j, s }), ` (${what}); layer ${l + 1} sees `,
    `ã = a·r = `, num("a_masked", L.a_masked[s][jp], { l, j, s }));
}

export function forwardNeuron(info, view, l, jp, s) {
  const j = info.shown[l - 1][jp];
  const out = [h("div", { class: "tip-title" },
    `neuron j=${j} of layer l=${l}, sample ${s + 1} of mini-batch ${view.step}`)];
  if (l === 1) {
    if (view.features) out.push(...featureLine(view, j, s)); // a feature of the point
    else out.push(line(`a^1_${j} = x_${j} = `, num("x", view.x[s][jp], { l: 1, j, s })));
    const sel = selection(info, 1);
    if (sel) out.push(line(sel));
    return out;
  }
  const L = layerOf(view, l), prev = seen(info, view, l - 1);
  out.push(line(`eq. 25: z^${l}_j = Σ_k w^${l}_jk ${prev}_k + b^${l}_j, over all ${info.sizes[l - 2]} k`),
    line(...forwardSum(info, view, l, jp, s)),
    line(`a^${l}_${j} = ${sigmaOf(info, l)}(z) = `, num("a", L.a[s][jp], { l, j, s })));
  if (dropping(info, view, l)) out.push(maskLine(info, view, l, jp, s));
  return out;
}

// -- the backward pass (BP1, BP2, BP3) -----------------------------------------------------

// BP1 for this cost and output σ, as an equation (the first line) and its form.
export function bp1Equation(info) {
  const sigma = sigmaOf(info, info.sizes.length);
  switch (`${info.cost}|${sigma === "softmax" ? "softmax" : "elementwise"}`) {
    case "quadratic|elementwise":
      return ["BP1: δ^L = ∇_a C ⊙ σ'(z^L), with ∇_a C = a^L − y (quadratic cost)"];
    case "quadratic|softmax":
      return ["BP1 through softmax's Jacobian: δ^L_j = a_j (∇_a C_j − Σ_k a_k ∇_a C_k), with ∇_a C = a^L − y (quadratic cost)"];
    case "cross-entropy|elementwise":
      return ["BP1: δ^L = ∇_a C ⊙ σ'(z^L), with ∇_a C_j = (a_j − y_j) / (a_j (1 − a_j)) (cross-entropy) and σ'(z_j) = a_j (1 − a_j): σ' cancels, δ^L = a^L − y"];
    default: // log-likelihood with softmax outputs
      return ["BP1 through softmax's Jacobian: δ^L_j = a_j (∇_a C_j − Σ_k a_k ∇_a C_k), with ∇_a C_j = −y_j / a_j (log-likelihood): Σ_k a_k ∇_a C_k = −Σ_k y_k = −1, so δ^L = a^L − y"];
  }
}

// BP1 for output neuron j of sample s, the numbers plugged in.
export function bp1Values(info, view, jp, s) {
  const l = info.sizes.length, L = layerOf(view, l), j = info.shown[l - 1][jp];
  const at = { l, j, s };
  const values = [`a = `, num("a", L.a[s][jp], at), `, y = `, num("y", view.y[s][jp], at),
    `, ∇_a C = `, num("grad_a", L.grad_a[s][jp], at)];
  if (L.sigma_prime) values.push(`, σ'(z) = `, num("sigma_prime", L.sigma_prime[s][jp], at));
  else values.push(`, Σ_k a_k ∇_a C_k = `, num("jac_dot", L.jac_dot[s], { l, s }));
  return [line(...values), line(`δ^${l}_${j} = `, num("delta", L.delta[s][jp], at))];
}

// BP2's sum for neuron j of hidden layer l in sample s: the drawn terms, the others' sum.
export function bp2Sum(info, view, l, jp, s) {
  const L = layerOf(view, l), next = layerOf(view, l + 1), j = info.shown[l - 1][jp];
  const parts = [];
  info.shown[l].forEach((k, kp) => {
    if (kp) parts.push(" + ");
    parts.push("(", num("w", next.w[kp][jp], { l: l + 1, j: k, k: j }), ")·(",
      num("delta", next.delta[s][kp], { l: l + 1, j: k, s }), ")");
  });
  if (L.n_rest) {
    parts.push(` + [Σ over the ${L.n_rest} neurons of layer ${l + 1} not drawn: `,
      num("bp2_rest", L.bp2_rest[s][jp], { l, j, s }), "]");
  }
  return [...parts, " = ", num("bp2_sum", L.bp2_sum[s][jp], { l, j, s })];
}

export function bp2Equation(info, view, l) {
  const mask = dropping(info, view, l) ? ` ⊙ r^${l}` : "";
  return `BP2: δ^${l} = ((w^${l + 1})ᵀ δ^${l + 1}) ⊙ σ'(z^${l})${mask}, the sum over all ` +
    `n_${l + 1} = ${info.sizes[l]} neurons k of layer ${l + 1}`;
}

export function backwardNeuron(info, view, l, jp, s) {
  const j = info.shown[l - 1][jp];
  const out = [h("div", { class: "tip-title" },
    `neuron j=${j} of layer l=${l}, sample ${s + 1} of mini-batch ${view.step}`)];
  if (l === 1) return [...out, line("an input: δ^1 is not needed")];
  const L = layerOf(view, l);
  if (l === info.sizes.length) {
    out.push(...bp1Equation(info).map((t) => line(t)), ...bp1Values(info, view, jp, s));
  } else {
    out.push(line(bp2Equation(info, view, l)), line("Σ_k w_kj δ_k = ", ...bp2Sum(info, view, l, jp, s)));
    const rest = [`σ'(z) = `, num("sigma_prime", L.sigma_prime[s][jp], { l, j, s })];
    if (dropping(info, view, l)) rest.push(`, r = `, num("r", L.mask[s][jp], { l, j, s }));
    out.push(line(...rest), line(`δ^${l}_${j} = `, num("delta", L.delta[s][jp], { l, j, s })));
  }
  out.push(line(`BP3: ∂C/∂b^${l}_${j} = (1/m) Σ_x δ^x_j over the m = ${view.m} rows = `,
    num("grad_b", L.grad_b[jp], { l, j })));
  return out;
}

// -- the update (BP4, the regulariser's term, the optimiser's rule) ------------------------

// The optimiser's rule for a parameter θ with gradient g, and its constants.
export function ruleEquation(view) {
  const o = view.optimizer;
  const eta = ["η = ", exact("eta", o.eta)];
  switch (o.name) {
    case "sgd": return [line("sgd: θ → θ − η g; ", ...eta)];
    case "momentum": return [line("momentum: v → μ v − η g, θ → θ + v; ", ...eta, ", μ = ", exact("mu", o.momentum))];
    case "nesterov": return [line("nesterov (look-ahead): v → μ v − η g, θ → θ + μ v − η g (v the new one); ",
      ...eta, ", μ = ", exact("mu", o.momentum))];
    default: return [
      line("adam: m → β1 m + (1 − β1) g, v → β2 v + (1 − β2) g², t → t + 1, θ → θ − η_t m / (√v + ε)"),
      line("with η_t = η √(1 − β2^t) / (1 − β1^t); the same as θ − η m̂ / (√v̂ + ε/√(1 − β2^t)), m̂ = m/(1 − β1^t), v̂ = v/(1 − β2^t)"),
      line(...eta, ", β1 = ", exact("beta1", o.beta1), ", β2 = ", exact("beta2", o.beta2), ", ε = ",
        exact("epsilon", o.epsilon), ", t = ", exact("t", o.t), ", η_t = ", num("eta_t", o.eta_t))];
  }
}

export function penaltyEquation(view) {
  const terms = [];
  if (view.l2) terms.push("(λ₂/n) w");
  if (view.l1) terms.push("(λ₁/n) sgn(w)");
  return line(`the regulariser's term: ${terms.join(" + ")}, λ₂ = `, exact("l2", view.l2), ", λ₁ = ",
    exact("l1", view.l1), ", n = ", exact("n", view.n), " training rows (biases are not regularised)");
}

// The optimiser's state before and after, and the parameter after, for one w (kp a number)
// or the bias (kp === "b") of neuron j of layer l: [label, node] pairs.
export function ruleValues(view, l, jp, kp, j, k) {
  const U = layerOf(view, l), bias = kp === "b", p = bias ? "b" : "w";
  const at = bias ? { l, j, p } : { l, j, k, p };
  const pick = (a) => (a == null ? null : bias ? a[jp] : a[jp][kp]);
  const out = [];
  for (const [key, q, name] of [["velocity", "velocity", "v"], ["m", "adam_m", "m"], ["v", "adam_v", "v"]]) {
    const st = U.state[key];
    if (!st) continue;
    out.push([`${name} before`, num(q, pick(st[`${p}_before`]), { ...at, when: "before" })]);
    out.push([`${name} after`, num(q, pick(st[`${p}_after`]), { ...at, when: "after" })]);
    if (st[`${p}_hat`]) out.push([`${name}̂`, num(key === "m" ? "m_hat" : "v_hat", pick(st[`${p}_hat`]), at)]);
  }
  const after = bias ? U.b_after[jp] : U.w_after[jp][kp];
  out.push([`${p} after`, num(bias ? "b_after" : "w_after", after, bias ? { l, j } : { l, j, k })]);
  return out;
}

export function edgeForward(info, view, l, jp, kp, s, after) {
  const L = layerOf(view, l), j = info.shown[l - 1][jp], k = info.shown[l - 2][kp];
  const out = [h("div", { class: "tip-title" },
    `w^${l}_${j},${k}: from neuron ${k} of layer ${l - 1} to neuron ${j} of layer ${l}`)];
  if (after) {
    out.push(line(`w after mini-batch ${view.step}'s update = `, num("w_after", L.w_after[jp][kp], { l, j, k })));
  } else {
    out.push(line(`w before mini-batch ${view.step}'s update = `, num("w", L.w[jp][kp], { l, j, k })),
      line(`its term in z^${l}_${j} of sample ${s + 1}: w·${seen(info, view, l - 1)}_${k} = (`,
        num("w", L.w[jp][kp], { l, j, k }), ")·(", num("a_in", L.a_in[s][kp], { l, k, s }), ")"));
  }
  return out;
}

export function edgeBackward(info, view, l, jp, kp, s) {
  const L = layerOf(view, l), j = info.shown[l - 1][jp], k = info.shown[l - 2][kp];
  const at = { l, j, k };
  const out = [h("div", { class: "tip-title" },
    `w^${l}_${j},${k}: from neuron ${k} of layer ${l - 1} to neuron ${j} of layer ${l}`),
  line(`BP4: ∂C₀/∂w_jk = (1/m) Σ_x ${seen(info, view, l - 1)}^x_k δ^x_j, the cost's gradient`),
  line(`  sample ${s + 1}: (`, num("a_in", L.a_in[s][kp], { l, k, s }), ")·(",
    num("delta", L.delta[s][jp], { l, j, s }), ")"),
  line(`  the mean over the m = ${view.m} rows = `, num("bp4", L.bp4[jp][kp], at))];
  if (L.penalty) {
    out.push(penaltyEquation(view), line("  = ", num("penalty", L.penalty[jp][kp], at)),
      line("g = ∂C/∂w = BP4 + the term = ", num("grad_w", L.grad_w[jp][kp], at)));
  } else {
    out.push(line("g = ∂C/∂w = ", num("grad_w", L.grad_w[jp][kp], at)));
  }
  out.push(...ruleEquation(view),
    line("w before = ", num("w", L.w[jp][kp], at), ", ",
      ...ruleValues(view, l, jp, kp, j, k).flatMap(([name, node], i) => [i ? ", " : "", `${name} = `, node])));
  return out;
}
