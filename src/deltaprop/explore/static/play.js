// deltaprop explore: the playground's features, wired into the page (app.js calls these):
// the input features and the neurons' names (features.js), regression surfaces
// (surface.js), +/− for layers and neurons and a weight set by hand (edit.js), settings
// changed while training (live.js), and a second run side by side (twin.js).
import { fill } from "./dom.js";
import * as Edit from "./edit.js";
import * as Live from "./live.js";
import { surfaceLegend, surfacePlane } from "./surface.js";
import { Twin, twinSection } from "./twin.js";

const $ = (sel) => document.querySelector(sel);
const twin = new Twin();
let page = null; // {controls, reset, status, info(), snap(), writeAddress}
let refusal = null; // a live change the server refused: {text, until}, kept in view a while
let accepted = {}; // the run's values of the settings: those it was made with, as changed

// Called once the controls are built: `app` is what the page lends.
export function setup(app) {
  page = app;
  fill($("#twin"), twinSection());
  window.App.twin = () => ({ info: twin.info, snapshot: twin.snap, curves: twin.curves });
}

const labelOf = (name) => (page.controls.byName[name] ? page.controls.byName[name].label : name);

// "compare" chosen: the value under "versus" was the last setting's, so a choice's next
// allowed value is suggested (cost: the other cost the output σ pairs with); a number is
// asked for, and the run kept, rather than a run refused for want of it. Returns whether
// there is a run to make.
function suggestVersus() {
  page.controls.set("versus", "");
  const v = page.controls.values(), o = page.controls.byName[v.compare];
  if (!o) return true;
  const pairs = page.controls.byName.cost.pairs; // the costs the library defines for each σ
  let choices = o.choices || [];
  if (v.compare === "cost") choices = pairs[v.output_activation] || [];
  if (v.compare === "output_activation") choices = choices.filter((c) => (pairs[c] || []).includes(v.cost));
  const other = choices.find((c) => c !== v[v.compare]);
  if (other) { page.controls.set("versus", other); return true; }
  page.writeAddress();
  const why = o.choices ? `no other ${o.label} goes with the ${v.cost} cost; ` : "";
  page.status(`${why}type the second run's ${o.label} under "versus" (this run's is ${v[v.compare]})`, false);
  $("[name=versus]").focus();
  return false;
}

// A control changed: a live setting goes to the run as it is; anything else makes a new one.
export async function changed(name) {
  const info = page.info(), snap = page.snap();
  if (name === "compare" && !suggestVersus()) return;
  if (!Live.isLive(page.controls.byName[name], info, snap)) { page.reset(); return; }
  try {
    const value = page.controls.values()[name];
    await Live.send(info, name, value);
    accepted[name] = value;
    page.writeAddress();
  } catch (err) {
    // the run goes on with its value: the control (and the address, which another change
    // may have written meanwhile) shows it again, and the refusal stays in view though
    // each snapshot writes the status line
    page.controls.set(name, accepted[name]);
    page.controls.refresh();
    page.writeAddress();
    refusal = { text: err.message, until: performance.now() + 8000 };
    page.status(err.message, true);
  }
}

// A new run (info, or null when none could be made).
export function reset(info) {
  accepted = page.controls.values();
  twin.open(info && info.twin);
  $("#weight").hidden = true;
  Edit.layerButtons($("#edit-layers"), page.controls, () => changed("hidden"));
  $("#surface-legend").hidden = !(info && info.regression);
  // a regression has no accuracy: no empty plot of it
  $("#accuracy").closest("figure").hidden = !!(info && info.regression); // (an svg has no .hidden)
}

// The 2-D plane of a regression: its surface and legend (else app.js draws the classes').
export function plane(info, snap, canvas) {
  const top = surfacePlane(canvas, snap.plane, info.points, info.bounds);
  $("#surface-legend").textContent = surfaceLegend(top);
}

// After the page drew a snapshot: the marks of the changes on the curves (`scales`: each
// canvas's x scale), their list, and the second run.
export function render(info, snap, curves, scales) {
  if (refusal && performance.now() < refusal.until && snap.state !== "failed") page.status(refusal.text, true);
  else refusal = null;
  for (const [id, scale] of Object.entries(scales)) Live.mark($(`#${id}`), scale, snap.changes);
  Live.list($("#changes"), snap.changes, labelOf);
  $("#changes-box").hidden = !(snap.changes && snap.changes.length);
  twin.render(info, curves, snap.changes);
}

// An edge was clicked: the weight editor.
export function pickEdge(e) {
  const info = page.info();
  if (info) Edit.weightEditor($("#weight"), info, page.snap(), e);
}

export const stop = () => twin.close();
