// deltaprop explore: the network drawn in SVG. Neurons are coloured by their mean a^l over the
// mini-batch (forward mode) or by δ^l averaged over it, ∂C/∂b^l (backward mode); edges by w
// or ∂C/∂w. Hovering shows the value and the equation that made it, with the numbers of the
// paused mini-batch plugged in. Every value shown is the server's (the library's own).
"use strict";

const Net = (() => {
  const SVG = "http://www.w3.org/2000/svg";
  const f = (v) => (v == null ? "–" : Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0)
    ? v.toExponential(4) : v.toPrecision(5));
  const maxAbs = (a) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0) || 1;

  function el(name, attrs, parent) {
    const e = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (parent) parent.appendChild(e);
    return e;
  }

  // Positions of the shown neurons of each layer.
  function layout(info, W, H, size) {
    const L = info.shown.length;
    return info.shown.map((idx, l) => idx.map((_, j) => [
      40 + (l * (W - 80)) / Math.max(1, L - 1),
      H / 2 + (j - (idx.length - 1) / 2) * Math.min(size + 6, (H - 30) / idx.length),
    ]));
  }

  // The layer's values the drawing colours neurons by, in the mode (null: none yet).
  function neuronValues(snap, mode, l) {
    const r = snap.record;
    if (mode === "forward") {
      if (r) return l === 0 ? r.x[0] : r.layers[l - 1].a[0];
      return snap.a ? snap.a[l] : null;
    }
    if (l === 0) return null;
    if (r) return r.layers[l - 1].grad_b;
    return snap.delta ? snap.delta[l - 1] : null;
  }

  function edgeValues(snap, mode, i) {
    const r = snap.record;
    if (mode === "forward") return r ? r.layers[i].w : (snap.w ? snap.w[i] : null);
    return r ? r.layers[i].grad_w : (snap.grad_w ? snap.grad_w[i] : null);
  }

  function draw(svg, info, snap, mode, ui) {
    const W = +svg.getAttribute("width"), H = +svg.getAttribute("height");
    const plane = info.kind === "plane" && snap.plane;
    const size = plane ? 26 : 16;
    const pos = layout(info, W, H, size);
    svg.textContent = "";
    const edges = el("g", {}, svg), nodes = el("g", {}, svg);
    for (let i = 0; i < pos.length - 1; i++) {
      const vals = edgeValues(snap, mode, i);
      if (!vals) continue;
      const top = maxAbs(vals.flat());
      pos[i + 1].forEach((to, j) => pos[i].forEach((from, k) => {
        const v = vals[j][k];
        const e = el("line", { x1: from[0], y1: from[1], x2: to[0], y2: to[1], class: "edge",
          stroke: Plots.diverging(v / top), "stroke-width": 0.4 + 3.5 * Math.abs(v) / top,
          "data-layer": i + 2, "data-j": info.shown[i + 1][j], "data-k": info.shown[i][k],
          "data-value": v }, edges);
        e.addEventListener("mousemove", (ev) => ui.tip(ev, edgeTip(info, snap, mode, i, j, k, ui)));
        e.addEventListener("mouseleave", () => ui.tip(null));
      }));
    }
    pos.forEach((column, l) => {
      const vals = neuronValues(snap, mode, l);
      const top = vals ? maxAbs(vals) : 1;
      el("text", { x: column[0] ? column[0][0] - 14 : 0, y: 14, "font-size": 11 }, nodes)
        .textContent = `l=${l + 1} (${info.sizes[l]})`;
      column.forEach((p, j) => {
        const v = vals ? vals[j] : null;
        const g = el("g", {}, nodes);
        if (plane && l > 0) {
          const m = snap.plane.maps[l - 1][j];
          const c = Plots.imageCanvas(Plots.bytes(m.q), snap.plane.grid, false);
          el("image", { x: p[0] - size / 2, y: p[1] - size / 2, width: size, height: size,
            href: c.toDataURL(), "pointer-events": "none" }, g);
        }
        const shape = plane && l > 0
          ? el("rect", { x: p[0] - size / 2, y: p[1] - size / 2, width: size, height: size,
              fill: "none", "pointer-events": "all" }, g)
          : el("circle", { cx: p[0], cy: p[1], r: size / 2,
              fill: v == null ? "#eee" : Plots.diverging(v / top) }, g);
        if (plane && l > 0 && v != null) shape.setAttribute("stroke", Plots.diverging(v / top));
        if (plane && l > 0) shape.setAttribute("stroke-width", 3);
        const n = info.shown[l][j];
        shape.setAttribute("class", "neuron" + (ui.selected && ui.selected[0] === l + 1 &&
          ui.selected[1] === n ? " selected" : ""));
        Object.entries({ "data-layer": l + 1, "data-neuron": n, "data-value": v ?? "" })
          .forEach(([k, val]) => shape.setAttribute(k, val));
        shape.addEventListener("mousemove", (ev) => ui.tip(ev, neuronTip(info, snap, mode, l, j, ui)));
        shape.addEventListener("mouseleave", () => ui.tip(null));
        shape.addEventListener("click", () => l > 0 && ui.pick(l + 1, n));
      });
    });
  }

  // Up to 6 terms of a sum, written out: "w·a + w·a + … (n more)".
  function terms(ws, xs) {
    const parts = ws.slice(0, 6).map((w, k) => `(${f(w)})·(${f(xs[k])})`);
    const more = ws.length > 6 ? ` + … (${ws.length - 6} more shown terms)` : "";
    return parts.join(" + ") + more;
  }

  function neuronTip(info, snap, mode, l, j, ui) {
    const n = info.shown[l][j], r = snap.record, s = ui.sample;
    const name = `neuron j=${n} of layer l=${l + 1}`;
    if (!r) {
      const v = neuronValues(snap, mode, l);
      const what = mode === "forward" ? "mean a over the mini-batch" : "∂C/∂b = mean δ (BP3)";
      return `${name}\n${what} = ${v ? f(v[j]) : "–"}\n(pause to see the equations with the numbers of one mini-batch)`;
    }
    if (l === 0) return `${name}: input\na^1_${n} = x_${n} = ${f(r.x[s][j])}  (sample ${s + 1})`;
    const L = r.layers[l - 1], prev = l === 1 ? r.x[s] : r.layers[l - 2].a[s];
    const partial = info.shown[l - 1].length < info.sizes[l - 1] ? " (shown inputs only)" : "";
    const sig = info.activations[l - 1];
    const lines = [`${name}, sample ${s + 1} of mini-batch ${r.batch} (epoch ${r.epoch})`];
    if (mode === "forward") {
      lines.push(`eq. 25: z^${l + 1}_j = Σ_k w^${l + 1}_jk a^${l}_k + b^${l + 1}_j`,
        `  = ${terms(L.w[j], prev)}${partial} + (${f(L.b[j])})`,
        `  = ${f(L.z[s][j])}`,
        `a^${l + 1}_j = ${sig}(z) = ${f(L.a[s][j])}`);
      return lines.join("\n");
    }
    const last = l === info.sizes.length - 1;
    if (last) {
      const y = r.y[s][n], a = L.a[s][j];
      if (info.cost === "quadratic" && sig !== "softmax") {
        lines.push(`BP1: δ^L_j = ∂C/∂a^L_j · σ'(z^L_j) = (a − y) σ'(z)`,
          `  = (${f(a)} − ${f(y)}) × ${f(L.sigma_prime[s][j])}`);
      } else if (info.cost !== "quadratic") {
        lines.push(`BP1: δ^L_j = a^L_j − y_j  (${info.cost} cancels σ'(z^L))`,
          `  = ${f(a)} − ${f(y)}`);
      } else {
        lines.push(`BP1: δ^L = ∇_a C ⊙ σ'(z^L)  (softmax: through its Jacobian)`);
      }
    } else {
      const next = r.layers[l], col = next.w.map((row) => row[j]);
      lines.push(`BP2: δ^${l + 1}_j = (Σ_k w^${l + 2}_kj δ^${l + 2}_k) σ'(z^${l + 1}_j)`,
        `  = (${terms(col, next.delta[s])}) × ${f(L.sigma_prime[s][j])}`);
    }
    lines.push(`  = ${f(L.delta[s][j])}`,
      `BP3: ∂C/∂b^${l + 1}_j = (1/m) Σ_x δ^x_j over the m = ${r.m} rows = ${f(L.grad_b[j])}`);
    return lines.join("\n");
  }

  function edgeTip(info, snap, mode, i, j, k, ui) {
    const r = snap.record, s = ui.sample, jn = info.shown[i + 1][j], kn = info.shown[i][k];
    const name = `w^${i + 2}_${jn},${kn}: from neuron ${kn} of layer ${i + 1} to neuron ${jn} of layer ${i + 2}`;
    const vals = edgeValues(snap, mode, i);
    if (!r) return `${name}\n${mode === "forward" ? "w" : "∂C/∂w"} = ${f(vals[j][k])}\n(pause for the equations)`;
    const L = r.layers[i], aPrev = i === 0 ? r.x[s][k] : r.layers[i - 1].a[s][k];
    return [name,
      `w = ${f(L.w[j][k])} before mini-batch ${r.batch}'s update, ${f(L.w_after[j][k])} after`,
      `BP4: ∂C/∂w_jk = (1/m) Σ_x a^${i + 1}_k δ^${i + 2}_j`,
      `  sample ${s + 1}: a·δ = (${f(aPrev)})·(${f(L.delta[s][j])}) = ${f(aPrev * L.delta[s][j])}`,
      `  mean over the m = ${r.m} rows = ${f(L.grad_w[j][k])}`,
      `update: w → w − η ∂C/∂w (the optimiser's rule)`].join("\n");
  }

  return { draw, f };
})();
