// deltaprop explore: settings changed while the run trains. η, λ, dropout and the
// optimiser's settings (the options served with `live`) are sent to the run
// (POST /api/ID/settings) and take effect from the next mini-batch, without a new network;
// each change is marked on the curves at the mini-batch it took effect after, and listed.
import { api } from "./api.js";
import { fill, h } from "./dom.js";
import { f } from "./format.js";
import { svgEl } from "./plots.js";

// Whether a change of option o is made to the run as it is (else a new network is made).
export const isLive = (o, info, snap) =>
  !!(o && o.live && info && ["idle", "running", "paused"].includes(snap.state));

// Send the change; resolves to the server's answer (the values changed).
export const send = (info, name, value) => api(`/api/${info.id}/settings`, { [name]: value });

// Mark each change on a curve's SVG: a dashed line at its mini-batch. `scale` is what
// Plots.curves returned ({px, xmin, xmax, top, bottom}, or null when nothing was drawn).
export function mark(svg, scale, changes) {
  if (!scale || !changes || !changes.length) return;
  const g = svgEl("g", { class: "changes" }, svg);
  for (const c of changes) {
    if (c.batch < scale.xmin || c.batch > scale.xmax) continue;
    const x = Math.round(scale.px(c.batch)) + 0.5;
    svgEl("line", { x1: x, x2: x, y1: scale.top, y2: scale.bottom, class: "change", "data-batch": c.batch }, g);
  }
}

// The change as a line: "η 0.1 → 0.05" (labelOf names an option as the page does). A
// setting is shown as it was given (0.05, not 0.05 to five digits); a weight set by hand, to the
// digits the page shows numbers with.
function describe(what, labelOf) {
  return Object.entries(what).map(([name, [old, now]]) => {
    const show = (v) => (typeof v === "number" && name.startsWith("w^") ? f(v) : String(v));
    return `${labelOf(name)} ${show(old)} → ${show(now)}`;
  }).join(", ");
}

// The list of the changes made, newest last.
export function list(box, changes, labelOf) {
  fill(box, (changes || []).map((c) => h("li", { "data-batch": c.batch },
    `after mini-batch ${c.batch}: ${describe(c.what, labelOf)}`)));
}
