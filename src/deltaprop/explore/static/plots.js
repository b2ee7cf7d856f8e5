// deltaprop explore: the pictures drawn on canvases (heat maps, the decision surface, the
// first layer's weights as images, the live curves). Every number drawn comes from the server.
import { CLASS_COLOURS, PALETTES, hexRGB } from "./colours.js";

export function bytes(b64) {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

// A side × side canvas from bytes 0 … 255, in the diverging palette (weights) or in blues.
export function imageCanvas(q, side, divergingScale) {
  const c = document.createElement("canvas");
  c.width = side; c.height = side;
  const ctx = c.getContext("2d");
  const img = ctx.createImageData(side, side);
  const palette = divergingScale ? PALETTES.diverging : PALETTES.blues;
  for (let i = 0; i < side * side; i++) {
    const rgb = palette[q[i]];
    img.data[4 * i] = rgb[0]; img.data[4 * i + 1] = rgb[1]; img.data[4 * i + 2] = rgb[2];
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  return c;
}

// A neuron's a^l over the plane (bytes between its lowest and highest value), in blues.
export const heatCanvas = (q, grid) => imageCanvas(q, grid, false);

// The decision surface (class colour, paler where the output is less sure) and the points.
export function plane(canvas, pl, points, bounds, drawn) {
  const ctx = canvas.getContext("2d");
  const W = canvas.width, H = canvas.height;
  ctx.clearRect(0, 0, W, H);
  if (pl) {
    const n = pl.grid, cls = bytes(pl.classes), conf = bytes(pl.confidence);
    const small = document.createElement("canvas");
    small.width = n; small.height = n;
    const sctx = small.getContext("2d"), img = sctx.createImageData(n, n);
    for (let i = 0; i < n * n; i++) {
      const rgb = hexRGB(CLASS_COLOURS[cls[i] % 10]);
      const a = 0.25 + 0.5 * (conf[i] / 255);
      img.data.set([...rgb.map((c) => Math.round(255 + (c - 255) * a)), 255], 4 * i);
    }
    sctx.putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(small, 0, 0, W, H);
  }
  const [x0, x1, y0, y1] = bounds;
  const px = (x) => ((x - x0) / (x1 - x0)) * W, py = (y) => ((y1 - y) / (y1 - y0)) * H;
  const dot = (p, c, filled) => {
    ctx.beginPath(); ctx.arc(px(p[0]), py(p[1]), 3, 0, 2 * Math.PI);
    ctx.fillStyle = CLASS_COLOURS[c % 10]; ctx.strokeStyle = filled ? "#fff" : "#000";
    ctx.lineWidth = 1; if (filled) ctx.fill(); ctx.stroke();
  };
  if (points) {
    points.train.forEach((p, i) => dot(p, points.train_y[i], true));
    points.test.forEach((p, i) => dot(p, points.test_y[i], false));
  }
  (drawn || []).forEach((p) => dot(p, p[2], true));
}

// At most `most` points of a series, evenly spaced (a long run draws as fast as a short one).
function thin(s, most) {
  if (s.xs.length <= most) return s;
  const step = Math.ceil(s.xs.length / most);
  const keep = (_, i) => i % step === 0 || i === s.xs.length - 1;
  return { ...s, xs: s.xs.filter(keep), ys: s.ys.filter(keep) };
}

// Line plots: series [{name, xs, ys, colour}] on one canvas, with a legend and the range.
export function curves(canvas, allSeries, opts = {}) {
  const series = allSeries.map((s) => thin(s, 600));
  const ctx = canvas.getContext("2d"), W = canvas.width, H = canvas.height;
  ctx.clearRect(0, 0, W, H);
  const tf = opts.log ? (v) => (v > 0 ? Math.log10(v) : null) : (v) => v;
  let lo = Infinity, hi = -Infinity, xmax = 1, xmin = Infinity;
  for (const s of series) {
    s.xs.forEach((x, i) => {
      const y = s.ys[i] == null ? null : tf(s.ys[i]);
      if (y == null || !isFinite(y)) return;
      lo = Math.min(lo, y); hi = Math.max(hi, y); xmax = Math.max(xmax, x); xmin = Math.min(xmin, x);
    });
  }
  if (!isFinite(lo)) { ctx.fillStyle = "#999"; ctx.fillText("no data yet", 8, 16); return null; }
  if (opts.min != null) lo = Math.min(lo, opts.min);
  if (opts.max != null) hi = Math.max(hi, opts.max);
  if (hi - lo < 1e-12) { hi += 0.5; lo -= 0.5; }
  if (!isFinite(xmin) || xmin >= xmax) xmin = 0;
  const px = (x) => 30 + ((x - xmin) / (xmax - xmin)) * (W - 36);
  const py = (y) => 6 + ((hi - y) / (hi - lo)) * (H - 22);
  series.forEach((s) => {
    ctx.beginPath(); ctx.strokeStyle = s.colour; ctx.lineWidth = s.width || 1.2;
    ctx.setLineDash(s.dash || []); // a second run's series is dashed (twin.js)
    let started = false;
    s.xs.forEach((x, i) => {
      const y = s.ys[i] == null ? null : tf(s.ys[i]);
      if (y == null || !isFinite(y)) return;
      if (started) ctx.lineTo(px(x), py(y)); else { ctx.moveTo(px(x), py(y)); started = true; }
    });
    ctx.stroke();
  });
  ctx.setLineDash([]);
  ctx.fillStyle = "#555"; ctx.font = "10px sans-serif";
  const fmt = (v) => (opts.log ? "1e" + v.toFixed(1) : v.toPrecision(3));
  ctx.fillText(fmt(hi), 0, 12); ctx.fillText(fmt(lo), 0, H - 16);
  ctx.fillText("mini-batch " + Math.round(xmax), W - 90, H - 3);
  let lx = 34;
  series.forEach((s) => {
    if (!s.name) return;
    ctx.fillStyle = s.colour; ctx.fillText(s.name, lx, H - 3); lx += ctx.measureText(s.name).width + 8;
  });
  return { px, xmin, xmax }; // the x scale, for the marks of changed settings (live.js)
}
