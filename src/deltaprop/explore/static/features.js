// deltaprop explore: the input features of the 2-D sets (x₁, x₂, x₁², x₂², x₁x₂, sin x₁,
// sin x₂: explore/features.py), and the names the drawing gives its input neurons: each by
// its feature (network.js names the outputs by their classes).
import { h, line, num } from "./dom.js";

const SVG = "http://www.w3.org/2000/svg";

// Labels beside the input neurons (their features), in the SVG group g; pos[l − 1][jp] is
// where neuron jp of layer l is drawn, `size` across.
export function inputLabels(g, pos, info, size) {
  const label = (x, y, text, anchor, cls) => {
    const t = document.createElementNS(SVG, "text");
    for (const [k, v] of Object.entries({ x, y: y + 3, "text-anchor": anchor, class: cls })) t.setAttribute(k, v);
    t.textContent = text;
    g.appendChild(t);
  };
  const inputs = info.inputs;
  if (inputs) pos[0].forEach((p, jp) => label(p[0] - size / 2 - 4, p[1], inputs[info.shown[0][jp]], "end", "input-label"));
}

// The class of label i, by its name where the data named it.
export const className = (info, i) => (info.classes ? `${i} (${info.classes[i]})` : String(i));

// a^1_j = the feature of the sample's point, with the point's numbers plugged in.
export function featureLine(view, j, s) {
  const F = view.features;
  const name = F.names[j], label = F.labels[j], p = F.points[s];
  const x1 = () => num("point", p[0], { s, k: 0 }), x2 = () => num("point", p[1], { s, k: 1 });
  const parts = {
    x1: ["x₁"], x2: ["x₂"], x1sq: ["(", x1(), ")²"], x2sq: ["(", x2(), ")²"],
    x1x2: ["(", x1(), ")·(", x2(), ")"], sinx1: ["sin(", x1(), ")"], sinx2: ["sin(", x2(), ")"],
  }[name];
  const point = ["point (x₁, x₂) = (", x1(), ", ", x2(), ")"];
  const value = num("x", view.x[s][j], { l: 1, j, s });
  if (name === "x1" || name === "x2") return [line(...point), line(`a^1_${j} = ${label} = `, value)];
  return [line(...point), line(`a^1_${j} = ${label} = `, ...parts, " = ", value)];
}

// What the forward stage says of the input layer: the features fed to it, for the sample.
export function featureTable(view, s) {
  const F = view.features;
  return h("div", { class: "features-stage" },
    line(`the input layer's features of the point: a^1 = (${F.labels.join(", ")})`),
    ...F.names.flatMap((_, j) => featureLine(view, j, s).slice(1)));
}
