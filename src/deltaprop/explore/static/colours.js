// deltaprop explore: the page's colours, in one place. A signed quantity (w, a of tanh, δ,
// ∂C/∂w) is drawn on one diverging scale: blue negative, white 0, orange positive, its
// strength |v| / top where top is the largest |v| drawn beside it.

export const CLASS_COLOURS = ["#f28e2b", "#4e79a7", "#59a14f", "#e15759", "#b07aa1",
  "#76b7b2", "#edc948", "#ff9da7", "#9c755f", "#bab0ac"];
export const LAYER_COLOURS = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1",
  "#76b7b2", "#edc948", "#9c755f", "#bab0ac"];

// [r, g, b] of v in [-1, 1] on the diverging scale.
export function divergingRGB(v) {
  const t = Math.max(-1, Math.min(1, v || 0));
  const [r, g, b] = t >= 0 ? [245, 130, 30] : [40, 110, 200];
  const k = Math.abs(t);
  const mix = (c) => Math.round(255 + (c - 255) * k);
  return [mix(r), mix(g), mix(b)];
}

export const diverging = (v) => `rgb(${divergingRGB(v).join(",")})`;

// The largest |v| of an array (1 for none), the scale's top.
export const top = (values) => values.reduce((m, v) => Math.max(m, Math.abs(v ?? 0)), 0) || 1;

// Byte → [r, g, b] palettes of the images: diverging (127.5 is 0) and blues (0 … 1).
export const PALETTES = {
  diverging: [...Array(256).keys()].map((i) => divergingRGB((i - 127.5) / 127.5)),
  blues: [...Array(256).keys()].map((i) =>
    [255 - 200 * i / 255, 255 - 150 * i / 255, 255 - 40 * i / 255].map(Math.round)),
};

export function hexRGB(hex) {
  return hex.match(/[0-9a-f]{2}/g).map((x) => parseInt(x, 16));
}
