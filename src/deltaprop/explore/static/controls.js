// deltaprop explore: the settings' controls, built from what the server serves (GET
// /api/options: each option's name, label, group, type, default, range or choices, help,
// when it has an effect, and whether it is live), so that no option is written twice. Each
// goes in the page's box of its group ([data-group=…]; the speed, group "view", in the
// header). The values live in the page's address after '#'.
import { h } from "./dom.js";

const GROUPS = { data: "Data", network: "Network", training: "Training", compare: "Compare two runs" };

function rangeText(o) {
  if (o.type === "choice" || o.type === "toggles" || o.type === "text") return "";
  const low = o.min == null ? "−∞" : o.min, high = o.max == null ? "∞" : o.max;
  const what = o.type === "float" ? "a number" : o.type === "layers" ? "widths" : "a whole number";
  return ` (${what} in ${o.min_open || o.min == null ? "(" : "["}${low}, ${high}${o.max_open || o.max == null ? ")" : "]"})`;
}

// Toggles: a box of checkboxes, one a choice, whose value is the names turned on ("x1,x2").
function toggles(o) {
  const boxes = o.choices.map((c) => h("input", { type: "checkbox", value: c, checked: o.default.includes(c) }));
  const box = h("span", { class: "toggles", name: o.name },
    boxes.map((b, i) => h("label", { class: "toggle" }, b, o.labels ? o.labels[i] : b.value)));
  box.name = o.name;
  Object.defineProperty(box, "value", {
    get: () => boxes.filter((b) => b.checked).map((b) => b.value).join(","),
    set: (v) => { const on = String(v).split(","); boxes.forEach((b) => { b.checked = on.includes(b.value); }); },
  });
  return box;
}

function input(o) {
  if (o.type === "toggles") return toggles(o);
  if (o.type === "text") return h("input", { name: o.name, type: "text", value: o.default, maxlength: o.max });
  if (o.type === "choice") {
    return h("select", { name: o.name },
      o.choices.map((c) => h("option", { value: c, selected: c === o.default }, c)));
  }
  if (o.type === "layers") return h("input", { name: o.name, type: "text", value: o.default.join(",") });
  const attrs = { name: o.name, type: "number", value: o.default, step: o.type === "int" ? 1 : "any" };
  if (o.min != null && !o.min_open) attrs.min = o.min;
  if (o.max != null && !o.max_open) attrs.max = o.max;
  return h("input", attrs);
}

export class Controls {
  // root holds one [data-group] box per group; onChange(name) is called after a user's
  // change (play.js sends a live option to the run as it trains, else makes a fresh one)
  constructor(root, options, onChange) {
    this.options = options;
    this.byName = Object.fromEntries(options.map((o) => [o.name, o]));
    this.fields = {};
    for (const o of options) {
      const field = input(o);
      field.addEventListener("change", () => { this.refresh(o.name); onChange(o.name); });
      this.fields[o.name] = field;
      const box = root.querySelector(`[data-group=${o.group}]`);
      const wrap = o.type === "toggles" ? "div" : "label"; // a label may not hold labels
      box.append(h(wrap, { class: "option", title: o.help + rangeText(o), "data-option": o.name },
        h("span", { class: "label-text" }, o.label), field));
    }
    for (const [group, title] of Object.entries(GROUPS)) {
      const box = root.querySelector(`[data-group=${group}]`);
      if (box) box.prepend(h("h2", {}, title));
    }
    this.refresh();
  }

  // Every option's value, as the page sends it (strings; the server reads and checks them).
  values() {
    return Object.fromEntries(Object.entries(this.fields).map(([k, e]) => [k, e.value]));
  }

  set(name, value) {
    if (this.fields[name]) this.fields[name].value = value;
  }

  // The cost's choices follow the output σ (the pairs the library defines); an option that
  // has no effect under the others' values (μ with sgd) is hidden.
  refresh() {
    const cost = this.fields.cost, pairs = this.byName.cost && this.byName.cost.pairs;
    if (cost && pairs) {
      const allowed = pairs[this.fields.output_activation.value] || [];
      for (const option of cost.options) option.hidden = option.disabled = !allowed.includes(option.value);
      if (!allowed.includes(cost.value) && allowed.length) cost.value = allowed[0];
    }
    for (const o of this.options) {
      const label = this.fields[o.name].parentElement;
      label.hidden = !!o.when && !Object.entries(o.when).every(([k, vs]) =>
        vs.includes(this.fields[k].value));
    }
  }

  // Whether the option has an effect under the others' values (it is shown).
  shown(name) {
    return !!this.fields[name] && !this.fields[name].parentElement.hidden;
  }

  // The values of an address's parameters; an option it does not name takes its default.
  read(params) {
    for (const o of this.options) {
      const fallback = Array.isArray(o.default) ? o.default.join(",") : o.default;
      this.set(o.name, params.has(o.name) ? params.get(o.name) : fallback);
    }
    this.refresh();
  }
}
