// deltaprop explore: the page's colours, in one place; each colour means one thing.
// - Sign: a signed quantity (w, a, δ, ∂C/∂b, ∂C₀/∂w) is drawn on one diverging scale, blue
//   negative, near-white 0, red positive (ColorBrewer's RdBu), its strength v / top where
//   top = scaleTop(the largest |v| it colours): 1, 2 or 5 × 10^k, so the legend's numbers are
//   plain. One scale per quantity for the whole drawing, so layers can be compared.
// - Class: the data's classes (the points, the decision surface), in colours that are none
//   of the sign's (amber, purple, green, …).
// - Curves: train solid and test dashed, in ink; one colour per layer (teal, black, olive, …).

export const CLASS_COLOURS = ["#e69f00", "#7b3294", "#1b9e77", "#a6761d", "#e7298a",
  "#666666", "#66a61e", "#bcbd22", "#17becf", "#222222"];
export const LAYER_COLOURS = ["#00798c", "#222222", "#9a9a00", "#8f8f8f", "#5e3c99",
  "#b35806", "#01665e", "#c994c7", "#4d4d4d"];
export const INK = "#333333";

// RdBu's stops from 0 to ±1: the negative side (blue) and the positive side (red).
const SIDES = {
  negative: ["#f7f7f7", "#d1e5f0", "#92c5de", "#4393c3", "#2166ac", "#053061"],
  positive: ["#f7f7f7", "#fddbc7", "#f4a582", "#d6604d", "#b2182b", "#67001f"],
};

export function hexRGB(hex) {
  return hex.match(/[0-9a-f]{2}/gi).map((x) => parseInt(x, 16));
}

const STOPS = { negative: SIDES.negative.map(hexRGB), positive: SIDES.positive.map(hexRGB) };

// [r, g, b] of v in [-1, 1] on the diverging scale (beyond ±1: the end colour).
export function divergingRGB(v) {
  const t = Math.max(-1, Math.min(1, Number.isFinite(v) ? v : 0));
  const stops = t >= 0 ? STOPS.positive : STOPS.negative;
  const x = Math.abs(t) * (stops.length - 1), i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  return stops[i].map((c, n) => Math.round(c + (stops[i + 1][n] - c) * f));
}

export const diverging = (v) => `rgb(${divergingRGB(v).join(",")})`;

// The top of a scale for values up to `largest` in size: the smallest 1, 2 or 5 × 10^k at
// least `largest` (1 for none) — explore/snapshot.py's scale_top, for the pictures it sends.
export function scaleTop(largest) {
  if (!Number.isFinite(largest) || largest <= 0) return 1;
  const power = Math.pow(10, Math.floor(Math.log10(largest)));
  for (const step of [1, 2, 5, 10]) {
    const t = Number((step * power).toPrecision(12));
    if (t >= largest * (1 - 1e-12)) return t;
  }
  return Number((10 * power).toPrecision(12));
}

// The largest |v| of an array (0 for none).
export const largest = (values) => values.reduce((m, v) => (v == null || !Number.isFinite(v)
  ? m : Math.max(m, Math.abs(v))), 0);

// The scale's top for the values (kept for the older name).
export const top = (values) => scaleTop(largest(values));

// A byte palette: byte q is the value (q / 127.5 − 1)·from, coloured on a scale of top `to`.
export function bytePalette(from, to) {
  return [...Array(256).keys()].map((q) => divergingRGB(((q / 127.5) - 1) * (from / to)));
}

export const PALETTES = { diverging: bytePalette(1, 1) };
