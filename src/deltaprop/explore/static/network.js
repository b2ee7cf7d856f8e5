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

  // The neurons are SVG elements, made once per run (and kind of picture) and then only
  // recoloured; the edges, hundreds of lines, are painted on the canvas beneath the SVG
  // (recolouring as many SVG lines costs the browser more than everything else on the page).
  function build(svg, info, plane, size, ui) {
    const W = +svg.getAttribute("width"), H = +svg.getAttribute("height");
    const pos = layout(info, W, H, size);
    svg.textContent = "";
    const nodes = el("g", {}, svg);
    const out = { edges: [], neurons: [], images: [], drawn: [] };
    for (let i = 0; i < pos.length - 1; i++) {
      out.edges.push(pos[i + 1].map((to, j) => pos[i].map((from, k) => ({
        x1: from[0], y1: from[1], x2: to[0], y2: to[1], layer: i + 2,
        j: info.shown[i + 1][j], k: info.shown[i][k], r: j, c: k, value: 0,
      }))));
    }
    pos.forEach((column, l) => {
      el("text", { x: column[0] ? column[0][0] - 14 : 0, y: 14, "font-size": 11 }, nodes)
        .textContent = `l=${l + 1} (${info.sizes[l]})`;
      const images = [];
      out.neurons.push(column.map((p, j) => {
        const attrs = { class: "neuron", "data-layer": l + 1, "data-neuron": info.shown[l][j],
          "data-j": j };
        if (plane && l > 0) {
          images.push(el("image", { x: p[0] - size / 2, y: p[1] - size / 2, width: size,
            height: size, "pointer-events": "none" }, nodes));
          return el("rect", { ...attrs, x: p[0] - size / 2, y: p[1] - size / 2, width: size,
            height: size, fill: "none", "pointer-events": "all", "stroke-width": 3 }, nodes);
        }
        return el("circle", { ...attrs, cx: p[0], cy: p[1], r: size / 2 }, nodes);
      }));
      out.images.push(images);
    });
    svg.onmousemove = (ev) => {
      const d = ev.target.dataset, c = svg.__context;
      if (!c) return;
      if (d && d.layer) { ui.tip(ev, neuronTip(c.info, c.snap, c.mode, +d.layer - 1, +d.j, ui)); return; }
      const box = svg.getBoundingClientRect();
      const e = nearestEdge(out.edges, ev.clientX - box.left, ev.clientY - box.top);
      ui.tip(e ? ev : null, e ? edgeTip(c.info, c.snap, c.mode, e.layer - 2, e.r, e.c, ui) : "");
    };
    svg.onmouseleave = () => ui.tip(null);
    svg.onclick = (ev) => {
      const d = ev.target.dataset;
      if (d && d.neuron !== undefined && +d.layer > 1) ui.pick(+d.layer, +d.neuron);
    };
    return out;
  }

  // The edge within 4 pixels of (x, y), if any.
  function nearestEdge(edges, x, y) {
    let best = null, bestD = 16;
    edges.flat(2).forEach((e) => {
      const dx = e.x2 - e.x1, dy = e.y2 - e.y1;
      const t = Math.max(0, Math.min(1, ((x - e.x1) * dx + (y - e.y1) * dy) / (dx * dx + dy * dy)));
      const d = (e.x1 + t * dx - x) ** 2 + (e.y1 + t * dy - y) ** 2;
      if (d < bestD) { bestD = d; best = e; }
    });
    return best;
  }

  function paintEdges(canvas, edges, snap, mode) {
    const ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    edges.forEach((rows, i) => {
      const vals = edgeValues(snap, mode, i);
      const top = vals ? maxAbs(vals.flat()) : 1;
      rows.forEach((row, j) => row.forEach((e, k) => {
        e.value = vals ? vals[j][k] : 0;
        ctx.strokeStyle = Plots.diverging(e.value / top);
        ctx.lineWidth = 0.4 + 3.5 * Math.abs(e.value) / top;
        ctx.beginPath(); ctx.moveTo(e.x1, e.y1); ctx.lineTo(e.x2, e.y2); ctx.stroke();
      }));
    });
  }

  // What the edges show: [layer, j, k, value, x, y] for each drawn edge, (x, y) a point on it
  // 30% of the way from its start (for the tests).
  function edgesShown(svg) {
    const point = (e) => [e.x1 + 0.3 * (e.x2 - e.x1), e.y1 + 0.3 * (e.y2 - e.y1)];
    return svg.__parts ? svg.__parts.edges.flat(2).map((e) => [e.layer, e.j, e.k, e.value, ...point(e)]) : [];
  }

  function draw(svg, info, snap, mode, ui) {
    const plane = info.kind === "plane";
    const size = plane ? 26 : 16;
    const key = `${info.id}|${plane}`;
    if (svg.__key !== key) { svg.__parts = build(svg, info, plane, size, ui); svg.__key = key; }
    svg.__context = { info, snap, mode };
    const parts = svg.__parts;
    paintEdges(document.getElementById("net-edges"), parts.edges, snap, mode);
    parts.neurons.forEach((column, l) => {
      const vals = neuronValues(snap, mode, l);
      const top = vals ? maxAbs(vals) : 1;
      column.forEach((shape, j) => {
        const v = vals ? vals[j] : null;
        const colour = v == null ? "#eee" : Plots.diverging(v / top);
        shape.setAttribute(plane && l > 0 ? "stroke" : "fill", colour);
        shape.dataset.value = v ?? "";
        const n = info.shown[l][j];
        shape.classList.toggle("selected", !!(ui.selected && ui.selected[0] === l + 1 && ui.selected[1] === n));
        if (plane && l > 0 && snap.plane && snap.plane !== parts.plane) {  // new heat maps
          const m = snap.plane.maps[l - 1][j];
          parts.images[l][j].setAttribute("href",
            Plots.imageCanvas(Plots.bytes(m.q), snap.plane.grid, false).toDataURL());
        }
      });
    });
    parts.plane = snap.plane;  // the heat maps drawn
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

  return { draw, f, edgesShown };
})();
