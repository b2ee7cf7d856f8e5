// deltaprop explore: the page's state (kept in the address after '#'), its run on the
// server, and the live updates (server-sent events).
"use strict";

const App = (() => {
  const $ = (sel) => document.querySelector(sel);
  const fields = [...document.querySelectorAll("#settings [name]")];
  const ui = { sample: 0, selected: null, tip, pick };
  let info = null, snap = {}, curves = [], mode = "forward", source = null, drawn = [];
  let upload = null, pending = false, stage = "forward", planeDrawn = null;
  window.exploreUpdates = 0;  // snapshots drawn, for the benchmark and the tests
  window.exploreRenderMs = 0;  // and the time spent drawing them

  // -- settings <-> address -------------------------------------------------------------
  function readAddress() {
    const params = new URLSearchParams(location.hash.slice(1));
    fields.forEach((e) => { if (params.has(e.name)) e.value = params.get(e.name); });
    if (params.has("drawn")) {
      drawn = params.get("drawn").split(";").filter(Boolean).map((t) => t.split(",").map(Number));
    }
    if (params.get("mode") === "backward") { setMode("backward"); stage = "backward"; }
  }

  function settings() {
    const out = {};
    fields.forEach((e) => { out[e.name] = e.value; });
    return out;
  }

  function writeAddress() {
    const params = new URLSearchParams(settings());
    if (drawn.length) params.set("drawn", drawn.map((p) => p.map((v) => +v.toFixed(3)).join(",")).join(";"));
    params.set("mode", mode);
    history.replaceState(null, "", location.pathname + location.search + "#" + params);
  }

  // -- the run ---------------------------------------------------------------------------
  async function api(path, body) {
    const opts = body === undefined ? {} : { method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify(body) };
    const res = await fetch(path, opts);
    const data = await res.json();
    if (!res.ok) throw new Error(data.error || res.statusText);
    return data;
  }

  // One run per page: the previous run is stopped when a new one starts or the page goes.
  function stopRun() {
    if (!info) return;
    const body = new Blob([JSON.stringify({ action: "stop" })], { type: "application/json" });
    navigator.sendBeacon(`/api/${info.id}/control`, body);
  }

  async function reset() {
    writeAddress();
    if (source) { source.close(); source = null; }
    stopRun();
    const s = settings();
    $("#data-hint").textContent = s.data === "drawn" ? "click the plane: class 0; shift-click: class 1" : "";
    $(".upload").hidden = s.data !== "upload";
    if (s.data === "drawn" && drawn.length < 4) {  // nothing to train on yet: no request
      info = null;
      status(`draw at least 4 points (${drawn.length} so far): click the plane for class 0, shift-click for class 1`, true);
      $("#plane").hidden = false;
      Plots.plane($("#plane"), null, null, [-1, 1, -1, 1], drawn);
      return;
    }
    const body = { ...s, drawn: s.data === "drawn" ? drawn : undefined, upload: s.data === "upload" ? upload : undefined };
    try {
      info = await api("/api/session", body);
    } catch (err) {
      info = null; status(err.message, true);
      if (s.data === "drawn") Plots.plane($("#plane"), null, null, [-1, 1, -1, 1], drawn);
      $("#plane").hidden = s.data !== "drawn";
      return;
    }
    curves = []; snap = {}; ui.selected = null; $("#genie-result").textContent = "";
    $("#plane").hidden = info.kind !== "plane";
    $("#save-model").href = `/api/${info.id}/model.npz`;
    $("#save-report").href = `/api/${info.id}/report.html`;
    source = new EventSource(`/api/${info.id}/events`);
    source.onmessage = (ev) => receive(JSON.parse(ev.data));
  }

  function receive(msg) {
    if (msg.since === 0) curves = [];
    curves.push(...msg.points);
    // the plane's heat maps and the weight images come every few snapshots: keep the last
    const fresh = msg.snapshot;
    if (!fresh.plane && snap.plane) fresh.plane = snap.plane;
    snap = fresh;
    if (!pending) { pending = true; requestAnimationFrame(render); }
  }

  function status(text, error) {
    $("#status").textContent = text;
    $("#status").classList.toggle("error", !!error);
  }

  // -- drawing ---------------------------------------------------------------------------
  function render() {
    pending = false;
    if (!info) return;
    const t0 = performance.now();
    window.exploreUpdates += 1;
    const last = curves[curves.length - 1] || {};
    const cost = last.cost != null ? ` cost ${Net.f(last.cost)}` : "";
    status(snap.error ? `failed: ${snap.error}` : `${snap.state}: epoch ${snap.epoch}, mini-batch ${snap.batches}${cost}`,
      !!snap.error);
    $("#status").dataset.batches = snap.batches;
    $("#status").dataset.state = snap.state;
    Net.draw($("#net"), info, snap, mode, ui);
    if (info.kind === "plane" && snap.plane && snap.plane !== planeDrawn) {
      Plots.plane($("#plane"), snap.plane, info.points, info.bounds, drawn);
      planeDrawn = snap.plane;
    }
    if (snap.images) {
      const box = $("#images");
      box.textContent = "";
      snap.images.images.forEach((q, j) => {
        const c = Plots.imageCanvas(Plots.bytes(q), snap.images.side, true);
        c.title = `w^2 of hidden neuron ${j}: its weights from each pixel (orange +, blue −)`;
        box.appendChild(c);
      });
    }
    drawCurves();
    $("#findings").innerHTML = "";
    (snap.findings || []).forEach((fd) => {
      const li = document.createElement("li");
      li.textContent = `[${fd.equation}] ${fd.message}`;
      $("#findings").appendChild(li);
    });
    if (!snap.findings || !snap.findings.length) $("#findings").innerHTML = "<li>no findings</li>";
    renderStepper();
    window.exploreRenderMs += performance.now() - t0;
  }

  function drawCurves() {
    const xs = curves.map((p) => p.batch);
    const measured = curves.filter((p) => p.train_cost != null);
    const mx = measured.map((p) => p.batch);
    Plots.curves($("#cost"), [
      { name: "mini-batch", xs, ys: curves.map((p) => p.cost), colour: "#bbb", width: 0.8 },
      { name: "train", xs: mx, ys: measured.map((p) => p.train_cost), colour: "#4e79a7", width: 2 },
      { name: "test", xs: mx, ys: measured.map((p) => p.test_cost), colour: "#f28e2b", width: 2 }], { min: 0 });
    Plots.curves($("#accuracy"), [
      { name: "train", xs: mx, ys: measured.map((p) => p.train_accuracy), colour: "#4e79a7", width: 2 },
      { name: "test", xs: mx, ys: measured.map((p) => p.test_accuracy), colour: "#f28e2b", width: 2 }], { min: 0, max: 1 });
    const layers = (curves[0] && curves[0].speed) ? curves[0].speed.length : 0;
    const per = (key) => [...Array(layers).keys()].map((i) => ({ name: `l=${i + 2}`, xs,
      ys: curves.map((p) => (p[key] ? p[key][i] : null)), colour: Plots.LAYER_COLOURS[i % 9] }));
    Plots.curves($("#speed"), per("speed"), { log: true });
    Plots.curves($("#saturation"), per("saturation"), { min: 0, max: 1 });
  }

  // -- step by step ------------------------------------------------------------------------
  function renderStepper() {
    const r = snap.record;
    $("#stepper").hidden = !r;
    if (!r) return;
    $("#stepper-title").textContent = `mini-batch ${r.batch} of epoch ${r.epoch} (m = ${r.m} rows, cost ${Net.f(r.cost)})`;
    const sel = $("#sample");
    if (sel.options.length !== r.x.length) {
      sel.textContent = "";
      r.x.forEach((_, i) => sel.add(new Option(`${i + 1}`, i)));
      ui.sample = Math.min(ui.sample, r.x.length - 1);
    }
    sel.value = ui.sample;
    document.querySelectorAll(".stages [data-stage]").forEach((b) => b.classList.toggle("on", b.dataset.stage === stage));
    const s = ui.sample, f = Net.f, rows = [];
    const table = (head, cells) => `<table><tr>${head.map((h) => `<th>${h}</th>`).join("")}</tr>${
      cells.map((c) => `<tr>${c.map((v) => `<td>${v}</td>`).join("")}</tr>`).join("")}</table>`;
    r.layers.forEach((L, i) => {
      const l = i + 2, idx = info.shown[i + 1];
      if (stage === "forward") {
        rows.push(`<div class="eq">layer ${l}: z = a^${l - 1} (w^${l})ᵀ + b^${l} (eq. 25), a = σ(z)</div>`,
          table(["j", "z", "a"], idx.map((n, j) => [n, f(L.z[s][j]), f(L.a[s][j])])));
      } else if (stage === "backward") {
        const eq = l === info.sizes.length ? "BP1: δ^L = ∇_a C ⊙ σ'(z^L)" : `BP2: δ^${l} = (δ^${l + 1} w^${l + 1}) ⊙ σ'(z^${l})`;
        rows.unshift(`<div class="eq">layer ${l}: ${eq}</div>`,
          table(["j", "σ'(z)", "δ"], idx.map((n, j) => [n, f(L.sigma_prime[s][j]), f(L.delta[s][j])])));
      } else {
        rows.push(`<div class="eq">layer ${l}: BP3 ∂C/∂b = mean of δ over the ${r.m} rows; BP4 ∂C/∂w = (1/m) δᵀ a^${l - 1}; then the optimiser's update</div>`,
          table(["j", "∂C/∂b", "∂C/∂w_j0", "w_j0 before", "after"], idx.map((n, j) =>
            [n, f(L.grad_b[j]), f(L.grad_w[j][0]), f(L.w[j][0]), f(L.w_after[j][0])])));
      }
    });
    $("#stage").innerHTML = rows.join("");
  }

  // -- the genie and the tooltip --------------------------------------------------------------
  function tip(ev, text) {
    const t = $("#tip");
    if (!ev) { t.hidden = true; return; }
    t.textContent = text; t.hidden = false;
    t.style.left = Math.min(ev.clientX + 14, innerWidth - 540) + "px";
    t.style.top = (ev.clientY + 14) + "px";
  }

  async function pick(layer, neuron) {
    ui.selected = [layer, neuron];
    if (info) Net.draw($("#net"), info, snap, mode, ui);
    await runGenie();
  }

  async function runGenie() {
    const dz = Math.pow(10, +$("#dz").value);
    $("#dz-value").textContent = dz.toPrecision(3);
    if (!ui.selected || !info) return;
    const [layer, neuron] = ui.selected;
    try {
      const g = await api(`/api/${info.id}/genie`, { layer, neuron, dz });
      const rel = Math.abs(g.change - g.predicted) / Math.abs(g.predicted || 1);
      $("#genie-result").innerHTML = `<table>
        <tr><td>neuron</td><td>j=${g.neuron} of layer l=${g.layer}, ${g.n_samples} rows, C = ${Net.f(g.cost)}</td></tr>
        <tr><td>δ^l_j = ∂C/∂z^l_j</td><td id="genie-delta">${Net.f(g.delta)}</td></tr>
        <tr><td>Δz</td><td id="genie-dz">${Net.f(g.dz)}</td></tr>
        <tr><td>measured ΔC</td><td id="genie-change">${Net.f(g.change)}</td></tr>
        <tr><td>δ·Δz</td><td id="genie-predicted">${Net.f(g.predicted)}</td></tr>
        <tr><td>|ΔC − δΔz| / |δΔz|</td><td>${rel.toExponential(2)}</td></tr></table>`;
    } catch (err) {
      $("#genie-result").textContent = err.message;
    }
  }

  function setMode(m) {
    mode = m;
    document.querySelector(`input[name=mode][value=${m}]`).checked = true;
  }

  // -- wiring ---------------------------------------------------------------------------------
  const control = (action) => info && api(`/api/${info.id}/control`, { action }).catch((e) => status(e.message, true));
  $("#start").onclick = () => control("start");
  $("#pause").onclick = () => control("pause");
  $("#step").onclick = () => { stage = "forward"; control("step"); };
  $("#next-batch").onclick = () => { stage = "forward"; setMode("forward"); control("step"); };
  $("#reset").onclick = reset;
  fields.forEach((e) => e.addEventListener("change", reset));
  document.querySelectorAll("input[name=mode]").forEach((e) => e.addEventListener("change", () => {
    mode = e.value; writeAddress(); if (info) Net.draw($("#net"), info, snap, mode, ui);
  }));
  document.querySelectorAll(".stages [data-stage]").forEach((b) => b.addEventListener("click", () => {
    stage = b.dataset.stage; setMode(stage === "forward" ? "forward" : "backward"); writeAddress();
    if (info) { Net.draw($("#net"), info, snap, mode, ui); renderStepper(); }
  }));
  $("#sample").onchange = (e) => { ui.sample = +e.target.value; render(); };
  $("#dz").oninput = runGenie;
  $("#plane").addEventListener("click", (ev) => {
    if (settings().data !== "drawn") return;
    const c = ev.target.getBoundingClientRect(), b = info && info.bounds ? info.bounds : [-1, 1, -1, 1];
    const x = b[0] + ((ev.clientX - c.left) / c.width) * (b[1] - b[0]);
    const y = b[3] - ((ev.clientY - c.top) / c.height) * (b[3] - b[2]);
    drawn.push([x, y, ev.shiftKey ? 1 : 0]);
    reset();
  });
  $("#upload").addEventListener("change", async (ev) => {
    const file = ev.target.files[0];
    if (!file) return;
    const res = await fetch(`/api/upload?name=${encodeURIComponent(file.name)}`, { method: "POST", body: file });
    const data = await res.json();
    if (!res.ok) { status(data.error, true); return; }
    upload = data.upload; reset();
  });

  window.addEventListener("pagehide", stopRun);
  readAddress();
  $("#dz-value").textContent = Math.pow(10, +$("#dz").value).toPrecision(3);
  reset();
  // for the tests and the benchmark: what the page holds
  return { reset, control, ui, info: () => info, curves: () => curves, snapshot: () => snap };
})();
