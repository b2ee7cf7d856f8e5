// deltaprop explore: the page. Its settings (the controls, built from GET /api/options) live
// in the address after '#'; its run lives on the server, which streams snapshots (server-sent
// events); the network, the step mode, the curves and the genie draw them.
import { Closed, api } from "./api.js";
import { LAYER_COLOURS } from "./colours.js";
import { Controls } from "./controls.js";
import { fill, h } from "./dom.js";
import { f } from "./format.js";
import { runGenie } from "./genie.js";
import { NetworkView } from "./network.js";
import * as Play from "./play.js";
import * as Plots from "./plots.js";
import * as Stages from "./stages.js";

const $ = (sel) => document.querySelector(sel);
const ui = { sample: 0, selected: null, tip, pick, rows: {}, pickEdge: (e) => Play.pickEdge(e) };
let controls = null, info = null, snap = {}, curves = [], epochs = [], mode = "forward", stage = "forward";
let source = null, drawn = [], upload = null, pending = false, planeDrawn = null, shownRecord = null;
let net = null;
window.exploreUpdates = 0; // snapshots drawn, for the benchmark and the tests
window.exploreRenderMs = 0; // and the time spent drawing them

// What the page holds, for the tests and the benchmark.
window.App = {
  reset: () => reset(), control: (a) => control(a), ui, info: () => info, curves: () => curves,
  snapshot: () => snap, edgesShown: () => (net ? net.edgesShown() : []),
  stage: () => stage, setStage: (s) => setStage(s), setSample: (s) => { ui.sample = s; render(); },
  open: (hash) => { history.replaceState(null, "", "#" + hash); readAddress(); return reset(); },
};

// -- settings <-> address ---------------------------------------------------------------
function readAddress() {
  const params = new URLSearchParams(location.hash.slice(1));
  controls.read(params);
  drawn = (params.get("drawn") || "").split(";").filter(Boolean).map((t) => t.split(",").map(Number));
  stage = "forward";
  if (["forward", "backward", "update"].includes(params.get("stage"))) stage = params.get("stage");
  else if (params.get("mode") === "backward") stage = "backward";
  setMode(params.get("mode") === "backward" || stage !== "forward" ? "backward" : "forward");
}

function writeAddress() {
  const params = new URLSearchParams(controls.values());
  if (drawn.length) params.set("drawn", drawn.map((p) => p.map((v) => +v.toFixed(3)).join(",")).join(";"));
  params.set("mode", mode);
  params.set("stage", stage);
  history.replaceState(null, "", location.pathname + location.search + "#" + params);
}

// -- the run -------------------------------------------------------------------------------
// One run per page: the previous run is stopped when a new one starts or the page goes.
function stopRun(run = info) {
  if (!run) return;
  const body = new Blob([JSON.stringify({ action: "stop" })], { type: "application/json" });
  navigator.sendBeacon(`/api/${run.id}/control`, body);
}

let resets = 0; // the latest reset's number: a run an earlier one made meanwhile is stopped

async function reset() {
  writeAddress();
  if (source) { source.close(); source = null; }
  stopRun();
  $("#restart").hidden = true;
  const s = controls.values();
  $("#data-hint").textContent = s.data === "drawn" ? "click the plane: class 0; shift-click: class 1" : "";
  $(".upload").hidden = s.data !== "upload";
  const mine = ++resets;
  if (s.data === "drawn" && drawn.length < 4) { // nothing to train on yet: no request
    info = null;
    status(`draw at least 4 points (${drawn.length} so far): click the plane for class 0, shift-click for class 1`, true);
    $("#plane").hidden = false;
    Plots.plane($("#plane"), null, null, [-1, 1, -1, 1], drawn);
    return;
  }
  const body = { ...s, drawn: s.data === "drawn" ? drawn : undefined, upload: s.data === "upload" ? upload : undefined };
  let made = null;
  try {
    made = await api("/api/session", body);
  } catch (err) {
    if (mine !== resets) return; // a later change is being made: its answer is the page's
    info = null; status(err.message, true); Play.reset(null);
    if (s.data === "drawn") Plots.plane($("#plane"), null, null, [-1, 1, -1, 1], drawn);
    $("#plane").hidden = s.data !== "drawn";
    return;
  }
  if (mine !== resets) { stopRun(made); return; } // overtaken by a later change
  info = made;
  if (info.cost !== s.cost && !info.regression) { controls.set("cost", info.cost); writeAddress(); } // the library's name
  curves = []; epochs = []; snap = {}; ui.selected = null; ui.rows = {}; shownRecord = null;
  Play.reset(info);
  $("#genie-result").textContent = "";
  $("#plane").hidden = info.kind !== "plane";
  $("#save-model").href = `/api/${info.id}/model.npz`;
  $("#save-report").href = `/api/${info.id}/report.html`;
  source = new EventSource(`/api/${info.id}/events`);
  source.onmessage = (ev) => receive(JSON.parse(ev.data));
  source.addEventListener("closed", (ev) => closed(JSON.parse(ev.data).error));
  source.onerror = () => { if (source && source.readyState === EventSource.CLOSED) checkRun(); };
}

// The run is gone (the server closed it, or restarted): say why, offer to start again.
function closed(reason) {
  if (source) { source.close(); source = null; }
  status(`closed: ${reason || "the server closed this run"}`, true);
  $("#status").dataset.state = "closed";
  $("#restart").hidden = false;
}

async function checkRun() {
  if (!info) return;
  try { await api(`/api/${info.id}/state`); } catch (err) { closed(err.message); }
}

function receive(msg) {
  if (msg.since === 0) curves = [];
  curves.push(...msg.points);
  epochs = [...epochs, ...msg.epochs].slice(-200); // each epoch's figures come once
  // the plane's heat maps and the weight images come every few snapshots: keep the last
  const fresh = msg.snapshot;
  if (!fresh.plane && snap.plane) fresh.plane = snap.plane;
  snap = fresh;
  snap.epochs = epochs;
  if (!pending) { pending = true; requestAnimationFrame(render); }
}

function status(text, error) {
  $("#status").textContent = text;
  $("#status").classList.toggle("error", !!error);
}

const control = (action) => info && api(`/api/${info.id}/control`, { action }).catch((e) =>
  (e instanceof Closed ? closed(e.message) : status(e.message, true)));

// -- drawing ---------------------------------------------------------------------------------
function render() {
  pending = false;
  if (!info) return;
  const t0 = performance.now();
  window.exploreUpdates += 1;
  const last = curves[curves.length - 1] || {};
  const cost = last.cost != null ? `, cost ${f(last.cost)}` : "";
  if (snap.state === "failed") status(`failed: ${snap.error}`, true);
  else status(`${snap.state}: epoch ${snap.epoch}, mini-batch ${snap.batches}${cost}`, false);
  $("#status").dataset.batches = snap.batches;
  $("#status").dataset.state = snap.state;
  if (snap.record) ui.sample = Math.min(ui.sample, snap.record.rows - 1);
  net.draw(info, snap, mode, stage, ui);
  if (info.kind === "plane" && snap.plane && snap.plane !== planeDrawn) {
    if (info.regression) Play.plane(info, snap, $("#plane")); // a surface: a^L over the plane
    else Plots.plane($("#plane"), snap.plane, info.points, info.bounds, drawn);
    planeDrawn = snap.plane;
  }
  if (snap.images) {
    fill($("#images"), snap.images.images.map((q, j) => {
      const c = Plots.imageCanvas(Plots.bytes(q), snap.images.side, true);
      c.title = `w^2 of hidden neuron ${j}: its weights from each pixel (orange +, blue −)`;
      return c;
    }));
  }
  Play.render(info, snap, curves, drawCurves());
  const findings = (snap.findings || []).map((fd) => h("li", {}, `[${fd.equation}] ${fd.message}`));
  fill($("#findings"), findings.length ? findings : [h("li", {}, "no findings")]);
  renderStepper();
  window.exploreRenderMs += performance.now() - t0;
}

function drawCurves() {
  const xs = curves.map((p) => p.batch);
  const measured = curves.filter((p) => p.train_cost != null);
  const mx = measured.map((p) => p.batch);
  const scales = {}; // each canvas's x scale: the changes of settings are marked on them
  scales.cost = Plots.curves($("#cost"), [
    { name: "mini-batch", xs, ys: curves.map((p) => p.cost), colour: "#bbb", width: 0.8 },
    { name: "train", xs: mx, ys: measured.map((p) => p.train_cost), colour: "#4e79a7", width: 2 },
    { name: "test", xs: mx, ys: measured.map((p) => p.test_cost), colour: "#f28e2b", width: 2 }], { min: 0 });
  scales.accuracy = Plots.curves($("#accuracy"), [
    { name: "train", xs: mx, ys: measured.map((p) => p.train_accuracy), colour: "#4e79a7", width: 2 },
    { name: "test", xs: mx, ys: measured.map((p) => p.test_accuracy), colour: "#f28e2b", width: 2 }], { min: 0, max: 1 });
  const layers = curves[0] && curves[0].speed ? curves[0].speed.length : 0;
  const per = (key) => [...Array(layers).keys()].map((i) => ({ name: `l=${i + 2}`, xs,
    ys: curves.map((p) => (p[key] ? p[key][i] : null)), colour: LAYER_COLOURS[i % 9] }));
  scales.speed = Plots.curves($("#speed"), per("speed"), { log: true });
  scales.saturation = Plots.curves($("#saturation"), per("saturation"), { min: 0, max: 1 });
  return scales;
}

// -- step by step --------------------------------------------------------------------------
function renderStepper() {
  const view = snap.record;
  $("#stepper").hidden = !view;
  if (!view) { shownRecord = null; return; }
  const key = `${view.step}|${stage}|${ui.sample}|${JSON.stringify(ui.rows)}`;
  if (key === shownRecord) return; // the same tables: keep them (and the reader's place)
  shownRecord = key;
  fill($("#stepper-title"), Stages.title(view));
  const sel = $("#sample");
  if (sel.options.length !== view.rows) {
    fill(sel, [...Array(view.rows).keys()].map((i) => h("option", { value: i }, `${i + 1}`)));
  }
  sel.value = ui.sample;
  document.querySelectorAll(".stages [data-stage]").forEach((b) => b.classList.toggle("on", b.dataset.stage === stage));
  const choose = (l, jp) => { ui.rows[l] = jp; renderStepper(); };
  fill($("#stage"), Stages.stage(info, view, stage, ui.sample, (l) => ui.rows[l] || 0, choose));
}

function setMode(m) {
  mode = m;
  document.querySelector(`input[name=mode][value=${m}]`).checked = true;
}

function setStage(name) {
  stage = name;
  setMode(name === "forward" ? "forward" : "backward");
  writeAddress();
  if (info) render();
}

// -- the genie and the tooltip -------------------------------------------------------------
function tip(ev, nodes) {
  const t = $("#tip");
  if (!ev) { t.hidden = true; return; }
  fill(t, nodes);
  t.hidden = false;
  t.style.left = Math.max(0, Math.min(ev.clientX + 14, innerWidth - 540)) + "px";
  t.style.top = (ev.clientY + 14) + "px";
}

async function pick(layer, neuron) {
  ui.selected = [layer, neuron];
  if (info) net.draw(info, snap, mode, stage, ui);
  await genie();
}

function genie() {
  const dz = Math.pow(10, +$("#dz").value);
  $("#dz-value").textContent = dz.toPrecision(3);
  const note = +controls.values().dropout > 0 ? "The genie nudges the network as it predicts, " +
    "without dropout's masks: its δ is the mean δ of the unmasked network, not the step's." : null;
  return runGenie(info && info.id, ui.selected, dz, $("#genie-result"), note);
}

// -- wiring ----------------------------------------------------------------------------------
async function main() {
  net = new NetworkView($("#net"), $("#net-edges"), ui);
  try {
    controls = new Controls($("#settings"), await api("/api/options"), (name) => Play.changed(name));
    Play.setup({ controls, reset, status, writeAddress, info: () => info, snap: () => snap });
  } catch (err) {
    status(`cannot read the options: ${err.message}`, true);
    return;
  }
  $("#start").addEventListener("click", () => control("start"));
  $("#pause").addEventListener("click", () => control("pause"));
  $("#step").addEventListener("click", () => { stage = "forward"; setMode("forward"); control("step"); });
  $("#next-batch").addEventListener("click", () => { stage = "forward"; setMode("forward"); control("step"); });
  $("#reset").addEventListener("click", reset);
  $("#restart").addEventListener("click", reset);
  document.querySelectorAll("input[name=mode]").forEach((e) => e.addEventListener("change", () => {
    mode = e.value; writeAddress(); if (info) render();
  }));
  document.querySelectorAll(".stages [data-stage]").forEach((b) =>
    b.addEventListener("click", () => setStage(b.dataset.stage)));
  $("#sample").addEventListener("change", (e) => { ui.sample = +e.target.value; render(); });
  $("#dz").addEventListener("input", genie);
  $("#plane").addEventListener("click", (ev) => {
    if (controls.values().data !== "drawn") return;
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
  // an address pasted over this one (only after '#' differs: the page is not loaded again)
  window.addEventListener("hashchange", () => { readAddress(); reset(); });
  readAddress();
  $("#dz-value").textContent = Math.pow(10, +$("#dz").value).toPrecision(3);
  reset();
}

main();
