// deltaprop explore: a regression's output drawn as a surface over the plane. The server
// sends a^L at each point of a grid as bytes on one diverging scale from −top to +top
// (explore/snapshot.py: surface); the points are coloured by their targets y on the same
// scale, training points filled, test points ringed; the legend says what the colours mean.
import { PALETTES, diverging } from "./colours.js";
import { bytes } from "./plots.js";

// The surface on `canvas` (plane.surface: {top, q}), and the points with their targets;
// returns top, the scale's end.
export function surfacePlane(canvas, plane, points, bounds) {
  const ctx = canvas.getContext("2d"), W = canvas.width, H = canvas.height;
  ctx.clearRect(0, 0, W, H);
  const top = plane && plane.surface ? plane.surface.top : 1;
  if (plane && plane.surface) {
    const n = plane.grid, q = bytes(plane.surface.q);
    const small = document.createElement("canvas");
    small.width = n; small.height = n;
    const sctx = small.getContext("2d"), img = sctx.createImageData(n, n);
    for (let i = 0; i < n * n; i++) img.data.set([...PALETTES.diverging[q[i]], 255], 4 * i);
    sctx.putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(small, 0, 0, W, H);
  }
  const [x0, x1, y0, y1] = bounds;
  const px = (x) => ((x - x0) / (x1 - x0)) * W, py = (y) => ((y1 - y) / (y1 - y0)) * H;
  const dot = (p, y, train) => {
    ctx.beginPath(); ctx.arc(px(p[0]), py(p[1]), 3, 0, 2 * Math.PI);
    ctx.fillStyle = diverging(y / top); ctx.strokeStyle = train ? "#fff" : "#000";
    ctx.lineWidth = train ? 1 : 1.5; ctx.fill(); ctx.stroke();
  };
  if (points) {
    points.train.forEach((p, i) => dot(p, points.train_y[i], true));
    points.test.forEach((p, i) => dot(p, points.test_y[i], false));
  }
  return top;
}

// The legend of the surface: what its colours mean, in numbers.
export function surfaceLegend(top) {
  const t = top.toPrecision(3);
  return `the output a^L over the plane, and the targets y of the points: blue −${t}, white 0, ` +
    `red +${t} (the largest |a^L| drawn); training points ringed white, test points black`;
}
