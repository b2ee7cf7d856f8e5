// deltaprop explore: building the page's DOM. Tables and text are made of nodes, never of
// HTML strings. A shown number is a <span class="num" data-q="…"> whose data attributes say
// which quantity it is (q), of which layer l, neuron j, input k, sample s (row of the
// mini-batch), p ("w" or "b"), when ("before" or "after"): what the tests read back.
import { f } from "./format.js";

// An element: h("td", {class: "x", "data-q": "z"}, child, "text", …); null children skipped.
export function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k === "text") e.textContent = v;
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c == null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

// A shown number: value v of quantity q, with its indices.
export function num(q, v, where = {}) {
  const attrs = { class: "num", "data-q": q };
  for (const [k, x] of Object.entries(where)) if (x != null) attrs[`data-${k}`] = x;
  return h("span", attrs, f(v));
}

// A setting or a count (η, λ, t, n), shown as it is rather than to five digits.
export function exact(q, v, where = {}) {
  const e = num(q, v, where);
  e.textContent = v == null ? "–" : String(v);
  return e;
}

// A table from a header row (or rows) and body rows; each cell a node or text.
export function table(head, rows, attrs = {}) {
  const heads = Array.isArray(head[0]) ? head : [head];
  return h("table", attrs,
    h("thead", {}, heads.map((r) => h("tr", {}, r.map((c) => h("th", {}, c))))),
    h("tbody", {}, rows.map((r) => h("tr", {}, r.map((c) => h("td", {}, c))))));
}

// A line of an equation: parts are text or nodes.
export const line = (...parts) => h("div", { class: "eq" }, ...parts);

// Replace the children of e.
export function fill(e, ...children) {
  e.replaceChildren(...children.flat().filter((c) => c != null));
  return e;
}
