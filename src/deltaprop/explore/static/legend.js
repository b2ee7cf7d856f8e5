// deltaprop explore: the legends. A colour scale's legend is its bar from −top (blue) through
// 0 (white) to top (red), with the numbers; a class legend is each class's colour and name.
// The numbers carry data-q="scale_top" and data-scale (which quantity), read by the tests.
import { CLASS_COLOURS, divergingRGB } from "./colours.js";
import { fill, h } from "./dom.js";
import { tickText } from "./plots.js";

function bar(width = 120, height = 10) {
  const c = document.createElement("canvas");
  c.width = width; c.height = height; c.className = "bar";
  const ctx = c.getContext("2d");
  for (let x = 0; x < width; x++) {
    ctx.fillStyle = `rgb(${divergingRGB((2 * (x + 0.5)) / width - 1).join(",")})`;
    ctx.fillRect(x, 0, 1, height);
  }
  c.title = "blue negative, white 0, red positive";
  return c;
}

const number = (q, v, scale) => h("span", { class: "num", "data-q": q, "data-scale": scale, "data-v": v },
  tickText(v));

// rows: [{scale, label, top, note}]: one bar each, −top … top. Rebuilt only when they change.
export function scales(box, rows) {
  const key = JSON.stringify(rows);
  if (box.dataset.key === key) return;
  box.dataset.key = key;
  fill(box, rows.map((r) => h("div", { class: "scale", "data-scale": r.scale },
    h("span", { class: "scale-label" }, r.label),
    number("scale_low", -r.top, r.scale), bar(), number("scale_top", r.top, r.scale),
    r.note ? h("span", { class: "hint" }, r.note) : null)));
}

// The classes' colours with their names, and how train and test points are drawn.
export function classes(box, names, counts) {
  const key = JSON.stringify([names, counts]);
  if (box.dataset.key === key) return;
  box.dataset.key = key;
  const swatch = (i) => {
    const c = document.createElement("canvas");
    c.width = 10; c.height = 10; c.className = "swatch";
    const ctx = c.getContext("2d");
    ctx.fillStyle = CLASS_COLOURS[i % CLASS_COLOURS.length];
    ctx.fillRect(0, 0, 10, 10);
    return c;
  };
  fill(box, h("div", { class: "classes" }, names.map((name, i) =>
    h("span", { class: "class", "data-class": i }, swatch(i), ` ${name}`))),
  h("div", { class: "hint" }, `● train (${counts.train}), ◆ test (${counts.test}, held out); `
    + "the surface: the predicted class, paler where its output a^L is less sure"));
}
