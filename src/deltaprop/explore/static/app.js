// deltaprop explore: the page. Its settings (the controls, built from GET /api/options) live
// in the address after '#'; its run lives on the server, which streams snapshots (server-sent
// events); the network, the plane, the step mode, the curves and the genie draw them.
import { Closed, api } from "./api.js";
import { INK, LAYER_COLOURS } from "./colours.js";
import { Controls } from "./controls.js";
import { fill, h, line, num } from "./dom.js";
import { f } from "./format.js";
import { placeGenie, runGenie } from "./genie.js";
import * as Legend from "./legend.js";
import { NetworkView } from "./network.js";
import * as Play from "./play.js";
import * as Plots from "./plots.js";
import * as Stages from "./stages.js";

const $ = (sel) => document.querySelector(sel);
const ui = { sample: 0, selected: null, tip, pick, rows: {}, redraw: () => redraw(), pickEdge: (e) => Play.pickEdge(e) };
let controls = null, info = null, snap = {}, curves = [], epochs = [], mode = "forward", stage = "forward";
let source = null, drawn = [], upload = null, pending = false, shownRecord = null;
let net = null, plane = null, planeDrawn = null, imagesDrawn = null, findingsShown = "";
window.exploreUpdates = 0; // snapshots drawn, for the benchmark and the tests
window.exploreRenderMs = 0; // the time spent drawing them
window.exploreParseMs = 0; // and reading them (JSON.parse of the events)
window.exploreEvents = 0; window.exploreBytes = 0; // the events received, and their characters

// What the page holds, for the tests and the benchmark.
window.App = {
  reset: () => reset(), control: (a) => control(a), ui, info: () => info, curves: () => curves,
  snapshot: () => snap, edgesShown: () => (net ? net.edgesShown() : []),
  stage: () => stage, setStage: (s) => setStage(s), setSample: (s) => { ui.sample = s; render(); },
  open: (hash) => { history.replaceState(null, "", "#" + hash); readAddress(); return reset(); },
  scales: () => (net ? net.tops : null),
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
  $("#show-test").checked = params.get("test") !== "0";
  $("#discretize").checked = params.get("discrete") === "1";
}

function writeAddress() {
  const params = new URLSearchParams(controls.values());
  if (drawn.length) params.set("drawn", drawn.map((p) => p.map((v) => +v.toFixed(3)).join(",")).join(";"));
  params.set("mode", mode);
  params.set("stage", stage);
  if (!$("#show-test").checked) params.set("test", "0");
  if ($("#discretize").checked) params.set("discrete", "1");
  history.replaceState(null, "", location.pathname + location.search + "#" + params);
}

// -- the run -------------------------------------------------------------------------------
// One run per page: the previous run is stopped when a new one starts or the page goes.
function stopRun(run = info) {
  if (!run) return;
  const body = new Blob([JSON.stringify({ action: "stop" })], { type: "application/json" });
  navigator.sendBeacon(`/api/${run.id}/control`, body);
}

function showData(s) {
  $("#data-hint").textContent = s.data === "drawn" ? "click the plane: class 0; shift-click: class 1" : "";
  $(".upload").hidden = s.data !== "upload";
}

let resets = 0; // the latest reset's number: a run an earlier one made meanwhile is stopped
let making = null; // the request for a new run in flight, if any

async function reset() {
  writeAddress();
  if (source) { source.close(); source = null; }
  stopRun();
  Play.stop(); // the second run's stream too: the server may close that run for a new one
  $("#restart").hidden = true;
  const s = controls.values();
  showData(s);
  closeGenie();
  const mine = ++resets;
  if (s.data === "drawn" && drawn.length < 4) { // nothing to train on yet: no request
    info = null;
    status(`draw at least 4 points (${drawn.length} so far): click the plane for class 0, shift-click for class 1`, true);
    showPlane({ kind: "plane", bounds: [-1, 1, -1, 1], points: null, classes: ["0", "1"], n_train: drawn.length, n_test: 0 });
    return;
  }
  const body = { ...s, drawn: s.data === "drawn" ? drawn : undefined, upload: s.data === "upload" ? upload : undefined };
  while (making) { // one run made at a time: a quick second change waits for the first's
    try { await making; } catch { /* its own reset says why */ }
    if (mine !== resets) return; // a later change still: that one is made instead
  }
  let made = null;
  try {
    making = api("/api/session", body);
    made = await making;
  } catch (err) {
    if (mine !== resets) return; // a later change is being made: its answer is the page's
    info = null; status(err.message, true); Play.reset(null);
    if (s.data === "drawn") showPlane({ kind: "plane", bounds: [-1, 1, -1, 1], points: null, classes: ["0", "1"], n_train: 0, n_test: 0 });
    else $("#plane-box").hidden = true;
    return;
  } finally {
    making = null;
  }
  if (mine !== resets) { stopRun(made); return; } // overtaken by a later change
  info = made;
  if (info.cost !== s.cost && !info.regression) { controls.set("cost", info.cost); writeAddress(); } // the library's name
  curves = []; epochs = []; snap = {}; ui.selected = null; ui.rows = {}; shownRecord = null; imagesDrawn = null;
  Play.reset(info);
  $("#genie-result").textContent = "";
  showPlane(info);
  $("#images-box").hidden = info.kind !== "image";
  $("#save-model").href = `/api/${info.id}/model.npz`;
  $("#save-report").href = `/api/${info.id}/report.html`;
  source = new EventSource(`/api/${info.id}/events`);
  source.onmessage = (ev) => {
    const t0 = performance.now();
    const msg = JSON.parse(ev.data);
    window.exploreParseMs += performance.now() - t0;
    window.exploreEvents += 1; window.exploreBytes += ev.data.length;
    receive(msg);
  };
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
  if (!fresh.images && snap.images) fresh.images = snap.images;
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

// The speed changes the run as it trains (no fresh network).
function setPace() {
  writeAddress();
  if (info) api(`/api/${info.id}/pace`, { pace: controls.values().pace }).catch((e) => status(e.message, true));
}

// "Save network" and "Save report": fetched first, so that a refusal (no finished epoch yet,
// no matplotlib) says why on the page instead of downloading the error.
async function save(ev, link) {
  ev.preventDefault();
  if (!info) return;
  const res = await fetch(link.href);
  if (!res.ok) {
    let reason = res.statusText;
    try { reason = (await res.json()).error; } catch { /* not JSON */ }
    status(`${link.textContent}: ${reason}`, true);
    $("#status").dataset.refused = link.id;
    return;
  }
  const a = h("a", { href: URL.createObjectURL(await res.blob()), download: link.getAttribute("download") });
  document.body.append(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

// -- drawing ---------------------------------------------------------------------------------
function statusLine() {
  const last = curves[curves.length - 1] || {}, row = snap.epoch_row;
  const cost = last.cost != null ? `, cost ${f(last.cost)}` : "";
  const acc = row && row.test_accuracy != null ? `; epoch ${row.epoch}: test accuracy ${(100 * row.test_accuracy).toFixed(1)}%` : "";
  return `${snap.state}: epoch ${snap.epoch}, mini-batch ${snap.batches}${cost}${acc}`;
}

function render() {
  pending = false;
  if (!info) return;
  const t0 = performance.now();
  window.exploreUpdates += 1;
  if (snap.state === "failed") status(`failed: ${snap.error}`, true);
  else if (snap.state === "finished") status(`finished: the most epochs a run trains (${snap.epoch}); press Reset for a fresh one`, false);
  else status(statusLine(), false);
  $("#status").dataset.batches = snap.batches;
  $("#status").dataset.state = snap.state;
  if (snap.record) ui.sample = Math.min(ui.sample, snap.record.rows - 1);
  Legend.scales($("#legend"), net.draw(info, snap, mode, stage, ui));
  if (info.kind === "plane" && snap.plane && snap.plane !== planeDrawn) {
    if (info.regression) Play.plane(testShown(info), snap, $("#plane-surface")); // a^L over the plane
    else plane.surface(snap.plane, $("#discretize").checked);
    planeDrawn = snap.plane;
  }
  if (snap.images && snap.images !== imagesDrawn) drawImages(snap.images);
  Play.render(info, snap, curves, drawCurves());
  const findings = JSON.stringify(snap.findings || []);
  if (findings !== findingsShown) {
    findingsShown = findings;
    const items = (snap.findings || []).map((fd) => h("li", {}, `[${fd.equation}] ${fd.message}`));
    fill($("#findings"), items.length ? items : [h("li", {}, "no findings")]);
  }
  renderStepper();
  window.exploreRenderMs += performance.now() - t0;
}

const redraw = () => { if (info) { render(); if (info.kind === "plane") showPlane(info); } };

// The plane: axes, points and legend for the run's data (a fresh run, or a toggle changed).
function showPlane(d) {
  $("#plane-box").hidden = d.kind !== "plane";
  if (d.kind !== "plane") return;
  const regression = !!d.regression; // its points and legend are the surface's (play.js)
  plane.draw(d.bounds, regression ? null : d.points, drawn, $("#show-test").checked);
  $("#plane-legend").hidden = regression;
  $("#discretize").parentElement.hidden = regression;
  const names = d.classes || [...Array(d.n_classes).keys()].map(String);
  if (!regression) Legend.classes($("#plane-legend"), names, { train: d.n_train, test: d.n_test });
  if (!regression) plane.surface(snap.plane || null, $("#discretize").checked);
  else if (snap.plane) Play.plane(testShown(d), snap, $("#plane-surface"));
}

// The run's description with its test points, or without them when "show test data" is off.
const testShown = (d) => ($("#show-test").checked || !d.points ? d
  : { ...d, points: { ...d.points, test: [], test_y: [] } });

function drawImages(im) {
  imagesDrawn = im;
  fill($("#images"), im.images.map((q, j) => {
    const c = Plots.imageCanvas(Plots.bytes(q), im.side);
    c.dataset.neuron = j;
    c.addEventListener("mousemove", (ev) => tip(ev, imageTip(im, q, j)));
    c.addEventListener("mouseleave", () => tip(null));
    return c;
  }));
  Legend.scales($("#images-legend"), [{ scale: "images", label: "w^2_jk (the images)", top: im.top }]);
}

function imageTip(im, q, j) {
  const big = Plots.imageCanvas(Plots.bytes(q), im.side);
  big.className = "big-image";
  return [h("div", { class: "tip-title" }, `w^2_${j},k: the weights into hidden neuron ${j} from each pixel k`),
    big, line("from ", num("image_low", im.low[j], { j }), " to ", num("image_high", im.high[j], { j }),
      `, coloured on the scale −${im.top} … ${im.top}`)];
}

// The curves are redrawn when they have new points, at most CURVES_EVERY ms apart while the
// run trains (rebuilding four SVG plots is most of an update's script time); returns each
// plot's x scale, or {} when they were left as they are.
const CURVES_EVERY = 200;
let curvesKey = "", curvesAt = 0;
function drawCurves() {
  const now = performance.now(), last = curves[curves.length - 1];
  const key = `${curves.length}|${last ? last.batch : -1}|${(snap.changes || []).length}|${innerWidth}`;
  if (key === curvesKey || (snap.state === "running" && now - curvesAt < CURVES_EVERY)) return {};
  curvesKey = key; curvesAt = now;
  const xs = curves.map((p) => p.batch);
  const measured = curves.filter((p) => p.train_cost != null);
  const mx = measured.map((p) => p.batch);
  const scales = {}; // each canvas's x scale: the changes of settings are marked on them
  scales.cost = Plots.curves($("#cost"), [
    { name: "mini-batch", xs, ys: curves.map((p) => p.cost), colour: "#bbb", width: 0.8 },
    { name: "train", xs: mx, ys: measured.map((p) => p.train_cost), colour: INK, width: 1.6 },
    { name: "test", xs: mx, ys: measured.map((p) => p.test_cost), colour: INK, width: 1.6, dash: "4 3" }], { log: true });
  scales.accuracy = Plots.curves($("#accuracy"), [
    { name: "train", xs: mx, ys: measured.map((p) => p.train_accuracy), colour: INK, width: 1.6 },
    { name: "test", xs: mx, ys: measured.map((p) => p.test_accuracy), colour: INK, width: 1.6, dash: "4 3" }], { min: 0, max: 1 });
  const layers = info.sizes.length - 1;
  const per = (key) => [...Array(layers).keys()].map((i) => ({ name: `l=${i + 2}`, xs,
    ys: curves.map((p) => (p[key] ? p[key][i] : null)), colour: LAYER_COLOURS[i % LAYER_COLOURS.length] }));
  scales.speed = Plots.curves($("#speed"), per("speed"), { log: true });
  scales.saturation = Plots.curves($("#saturation"), per("saturation"), { min: 0, max: 1 });
  $("#schedule").textContent = `${curves.length} points: one every ${snap.every || 1} mini-batches, `
    + `measured on up to 500 training and 500 test rows every ${snap.measured || 1} (spaced out `
    + "as the run goes on, so that measuring stays a small part of the training)";
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
  const width = t.offsetWidth, height = t.offsetHeight;
  let left = ev.clientX + 14, top = ev.clientY + 14;
  if (left + width > innerWidth - 4) left = Math.max(4, ev.clientX - 14 - width);
  if (top + height > innerHeight - 4) top = Math.max(4, ev.clientY - 14 - height);
  t.style.left = `${left}px`;
  t.style.top = `${top}px`;
}

async function pick(layer, neuron) {
  ui.selected = [layer, neuron];
  if (info) net.draw(info, snap, mode, stage, ui);
  $("#genie-neuron").textContent = `neuron j=${neuron} of layer l=${layer}`;
  const place = () => placeGenie($("#genie"), $("#netbox"), net.neuronBox(layer, neuron), net.W);
  place();
  await genie();
  place(); // again, with its numbers in
}

function closeGenie() {
  $("#genie").hidden = true;
  ui.selected = null;
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
  plane = new Plots.PlaneView($("#planebox"), $("#plane-surface"), $("#plane"));
  try {
    controls = new Controls(document, await api("/api/options"), (name) => (name === "pace" ? setPace() : Play.changed(name)));
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
  for (const id of ["#save-model", "#save-report"]) $(id).addEventListener("click", (ev) => save(ev, $(id)));
  document.querySelectorAll("input[name=mode]").forEach((e) => e.addEventListener("change", () => {
    mode = e.value; writeAddress(); if (info) render();
  }));
  for (const id of ["#show-test", "#discretize"]) {
    $(id).addEventListener("change", () => { writeAddress(); if (info) { planeDrawn = null; showPlane(info); } });
  }
  document.querySelectorAll(".stages [data-stage]").forEach((b) =>
    b.addEventListener("click", () => setStage(b.dataset.stage)));
  $("#sample").addEventListener("change", (e) => { ui.sample = +e.target.value; render(); });
  $("#dz").addEventListener("input", genie);
  $("#genie-close").addEventListener("click", () => { closeGenie(); if (info) render(); });
  $("#plane").addEventListener("click", (ev) => {
    if (controls.values().data !== "drawn") return;
    const [x, y] = plane.toPlane(ev.clientX, ev.clientY);
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
