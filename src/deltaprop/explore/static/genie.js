// deltaprop explore: the genie. Pause, click a neuron: the server's deltaprop.genie adds Δz
// to its z on every row of the paused mini-batch and measures the cost's change, beside δ·Δz.
// Its panel opens next to the neuron clicked (under the drawing on a narrow screen).
import { api } from "./api.js";
import { fill, h, num, table } from "./dom.js";
import { f } from "./format.js";

// `note`: what to say beside the numbers (with dropout: the genie's network has no masks).
export async function runGenie(run, selected, dz, box, note) {
  if (!selected || !run) return;
  const [layer, neuron] = selected;
  try {
    const g = await api(`/api/${run}/genie`, { layer, neuron, dz });
    const rel = Math.abs(g.change - g.predicted) / Math.abs(g.predicted || 1);
    const cell = (id, v) => { const n = num(id, v); n.id = `genie-${id}`; return n; };
    fill(box, table(["", ""], [
      ["neuron", `j=${g.neuron} of layer l=${g.layer}, ${g.n_samples} rows, C = ${f(g.cost)}`],
      ["δ^l_j = ∂C/∂z^l_j (the mean over the rows)", cell("delta", g.delta)],
      ["Δz", cell("dz", g.dz)],
      ["measured ΔC", cell("change", g.change)],
      ["δ·Δz", cell("predicted", g.predicted)],
      ["|ΔC − δΔz| / |δΔz|", rel.toExponential(2)],
    ]), note ? h("p", { class: "hint" }, note) : null);
  } catch (err) {
    box.textContent = err.message;
  }
}

// Put the panel beside the neuron at `at` ({x, y, size} in the pixels of the drawing's box
// `netbox`, of width W): to its right, or to its left where the right has no room; under the
// drawing when the box is too narrow for both.
export function placeGenie(panel, netbox, at, W) {
  panel.hidden = false;
  const below = !at || W < 560;
  panel.classList.toggle("below", below);
  if (below) {
    if (panel.parentElement === netbox) netbox.after(panel);
    panel.style.left = ""; panel.style.top = "";
    return;
  }
  if (panel.parentElement !== netbox) netbox.append(panel);
  const width = panel.offsetWidth || 300, gap = 10;
  let left = at.x + at.size / 2 + gap;
  if (left + width > W) left = at.x - at.size / 2 - gap - width;
  const height = panel.offsetHeight || 200, H = netbox.clientHeight;
  const top = Math.max(0, Math.min(at.y - 24, H - height));
  panel.style.left = `${Math.max(0, left)}px`;
  panel.style.top = `${top}px`;
}
