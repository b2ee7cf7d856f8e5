// deltaprop explore: the genie. Pause, click a neuron: the server's deltaprop.genie adds Δz
// to its z on every row of the paused mini-batch and measures the cost's change, beside δ·Δz.
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
