"""Every number the explorer shows is produced by the equation shown beside it, under every
option: for each option alone and a few combinations, a recorded mini-batch is read off the
page (the step mode's three stages, hovers over neurons and edges, the drawing's colours) and
each shown value is recomputed here in float64, by the equation the page names, from the
recorded arrays (``GET /api/ID/record``), to the digits shown.

One browser page is reused for every setting. A shown number is a ``[data-q]`` element naming
its quantity and indices (l, j, k, s, p, when); see ``explore/static/dom.js``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

#: float32 rounding of the library's arithmetic, a few units in the last place
EPS32 = 8 * 2.0**-24

SPIRAL = "data=spiral&points=200&hidden=5,4&init=scaled&eta=0.3&batch_size=6&seed=3"
SETTINGS = {
    # every cost × output σ pair the page allows
    "quadratic-sigmoid": SPIRAL + "&activation=sigmoid&output_activation=sigmoid&cost=quadratic",
    "quadratic-tanh": SPIRAL + "&activation=tanh&output_activation=tanh&cost=quadratic",
    "quadratic-relu": SPIRAL + "&activation=relu&output_activation=relu&cost=quadratic",
    "quadratic-identity": SPIRAL + "&activation=tanh&output_activation=identity&cost=quadratic",
    "quadratic-softmax": SPIRAL + "&output_activation=softmax&cost=quadratic",
    "cross-entropy-sigmoid": SPIRAL + "&output_activation=sigmoid&cost=cross-entropy",
    "log-likelihood-softmax": SPIRAL + "&output_activation=softmax&cost=log-likelihood",
    # each option alone
    "l2": SPIRAL + "&l2=3",
    "l1": SPIRAL + "&l1=2",
    "dropout": SPIRAL + "&dropout=0.5",
    "momentum": SPIRAL + "&optimizer=momentum&momentum=0.8",
    "nesterov": SPIRAL + "&optimizer=nesterov&momentum=0.7",
    "adam": SPIRAL + "&optimizer=adam&eta=0.01&beta1=0.8&beta2=0.99",
    "wide": SPIRAL.replace("hidden=5,4", "hidden=20,18"),
    "image": "data=digits&hidden=20&eta=0.5&batch_size=8&seed=1&activation=sigmoid",
    # combinations
    "adam-l2-dropout-wide": SPIRAL.replace("hidden=5,4", "hidden=19,17")
    + "&optimizer=adam&eta=0.01&l2=2&dropout=0.3",
    "nesterov-l1-l2-image": "data=digits&hidden=18&batch_size=5&seed=2&optimizer=nesterov"
    "&l1=1&l2=1&output_activation=sigmoid&cost=cross-entropy",
    "momentum-dropout-relu": SPIRAL + "&activation=relu&optimizer=momentum&dropout=0.4",
}


# -- the equations, in float64 -------------------------------------------------------------


def _sigma(name: str, z: np.ndarray) -> np.ndarray:
    """σ of a row of z (softmax needs the row)."""
    if name == "sigmoid":
        return 1 / (1 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0)
    if name == "identity":
        return z
    e = np.exp(z - z.max())
    return e / e.sum()


def _sigma_prime(name: str, z: float) -> float:
    if name == "sigmoid":
        s = 1 / (1 + math.exp(-z))
        return s * (1 - s)
    if name == "tanh":
        return 1 - math.tanh(z) ** 2
    return float(z > 0) if name == "relu" else 1.0


class Recorded:
    """The record's arrays in float64, and the equations of every quantity the page shows."""

    def __init__(self, record: dict[str, Any], info: dict[str, Any]) -> None:
        self.r, self.info = record, info
        arrays = lambda key: [np.array(a, dtype=np.float64) for a in record[key]]  # noqa: E731
        self.x, self.y = np.array(record["x"], float), np.array(record["y"], float)
        self.z, self.act, self.delta = arrays("zs"), arrays("activations"), arrays("deltas")
        self.masks = None if record["masks"] is None else arrays("masks")
        self.w, self.b = arrays("weights_before"), arrays("biases_before")
        self.sigmas, self.cost, self.m = record["sigmas"], record["cost_name"], record["m"]
        self.opt = record["optimizer"]

    def masked(self, layer: int) -> np.ndarray:
        """ã^layer = a^layer ⊙ r^layer, what layer layer+1 sees (a^1 = x)."""
        a = self.act[layer - 1]
        return (
            a * self.masks[layer - 2]
            if self.masks is not None and 2 <= layer < len(self.act)
            else a
        )

    def grad_a(self, s: int) -> np.ndarray:
        """∇_a C of sample s, by the cost's derivative."""
        z, a, y = self.z[-1][s], self.act[-1][s], self.y[s]
        if self.cost == "quadratic":
            return a - y
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.cost == "cross-entropy":
                a = _sigma("sigmoid", z)
                return (a - y) / (a * (1 - a))
            return -y / _sigma("softmax", z)

    def output_delta(self, j: int, s: int) -> tuple[float, float]:
        """BP1's δ^L_j of sample s, by the equation for the cost and output σ."""
        a, y, sigma = self.act[-1][s], self.y[s], self.sigmas[-1]
        if self.cost in ("cross-entropy", "log-likelihood"):  # σ' (or the Jacobian) cancels
            return a[j] - y[j], abs(a[j]) + abs(y[j])
        g = a - y
        if sigma == "softmax":  # through the Jacobian: a_j (g_j − Σ_k a_k g_k)
            dot = float(a @ g)
            return a[j] * (g[j] - dot), abs(a[j]) * (abs(g[j]) + float(np.abs(a * g).sum()))
        sp = _sigma_prime(sigma, self.z[-1][s, j])
        return g[j] * sp, (abs(a[j]) + abs(y[j])) * sp

    def gradient(self, layer: int, j: int, k: int | None) -> tuple[float, float, float]:
        """g, the gradient the optimiser used, its BP4 (or BP3) part and a scale."""
        d = self.delta[layer - 2][:, j]
        if k is None:
            return d.mean(), d.mean(), float(np.abs(d).mean())
        terms = self.masked(layer - 1)[:, k] * d
        bp4, penalty = terms.mean(), self.penalty(layer, j, k)
        return bp4 + penalty, bp4, float(np.abs(terms).mean()) + abs(penalty)

    def penalty(self, layer: int, j: int, k: int) -> float:
        w, n = self.w[layer - 2][j, k], self.r["n"]
        return self.r["l2"] / n * w + self.r["l1"] / n * np.sign(w)

    def state(self, key: str, layer: int, j: int, k: int | None) -> float:
        part = self.r["state_before"][key]["w" if k is not None else "b"][layer - 2]
        return float(np.array(part)[j] if k is None else np.array(part)[j][k])

    def rule(self, q: str, layer: int, j: int, k: int | None) -> tuple[float, float]:
        """The optimiser's state after, and the parameter after, by the optimiser's rule."""
        g, _, scale = self.gradient(layer, j, k)
        o, eta = self.opt, self.opt["eta"]
        theta = self.w[layer - 2][j, k] if k is not None else self.b[layer - 2][j]
        if o["name"] in ("momentum", "nesterov"):
            mu = o["momentum"]
            v = mu * self.state("velocity", layer, j, k) - eta * g
            step = v if o["name"] == "momentum" else mu * v - eta * g
            if q == "velocity":
                return v, abs(v) + eta * scale
            return theta + step, abs(theta) + abs(step) + eta * scale
        if o["name"] == "adam":
            t = self.r["state_after"]["t"]
            b1, b2 = o["beta1"], o["beta2"]
            m = b1 * self.state("m", layer, j, k) + (1 - b1) * g
            v = b2 * self.state("v", layer, j, k) + (1 - b2) * g * g
            values = {"adam_m": m, "adam_v": v, "m_hat": m / (1 - b1**t), "v_hat": v / (1 - b2**t)}
            if q in values:
                return values[q], abs(values[q]) + abs(g) * scale
            eta_t = eta * math.sqrt(1 - b2**t) / (1 - b1**t)
            step = eta_t * m / (math.sqrt(v) + o["epsilon"])
            return theta - step, abs(theta) + abs(step)
        return theta - eta * g, abs(theta) + eta * scale

    def value(
        self,
        q: str,
        layer: int,
        j: int,
        k: int | None,
        s: int | None,
        p: str | None,
        when: str | None,
    ) -> tuple[Any, float]:
        """The quantity q's value by its equation, and the scale of its float32 rounding."""
        i = layer - 2
        if q == "x":
            return self.x[s, j], 0.0
        if q == "point":  # the point (x₁, x₂) the inputs' features are of
            return np.array(self.r["points"], float)[s, k], 0.0
        if q == "a_in":  # ã^(layer−1)_k
            v = self.masked(layer - 1)[s, k]
            return v, abs(v)
        if q == "a":
            if layer == 1:
                return self.x[s, j], 0.0
            v = _sigma(self.sigmas[i], self.z[i][s])[j]
            return v, abs(v)
        if q == "r":
            r = self.masks[i][s, j]
            assert r in (0.0, pytest.approx(1 / (1 - self.r["dropout"]))), r
            return r, 0.0
        if q == "a_masked":
            v = self.act[layer - 1][s, j] * self.masks[i][s, j]
            return v, abs(v)
        if q in ("w", "b"):
            v = self.w[i][j, k] if q == "w" else self.b[i][j]
            return v, abs(v)
        if q in ("sum_shown", "sum_rest", "z"):
            drawn = set(self.info["shown"][layer - 2])
            keep = [
                kk
                for kk in range(self.w[i].shape[1])
                if q == "z" or (kk in drawn) == (q == "sum_shown")
            ]
            terms = self.w[i][j, keep] * self.masked(layer - 1)[s, keep]
            extra = self.b[i][j] if q == "z" else 0.0
            return terms.sum() + extra, float(np.abs(terms).sum()) + abs(extra)
        if q == "y":
            return self.y[s, j], 0.0
        if q == "grad_a":
            v = self.grad_a(s)[j]
            return v, abs(v)
        if q == "jac_dot":
            a = self.act[-1][s] if self.cost == "quadratic" else _sigma("softmax", self.z[-1][s])
            terms = a * self.grad_a(s)
            return float(np.nansum(terms)), float(np.nansum(np.abs(terms)))
        if q == "sigma_prime":
            v = _sigma_prime(self.sigmas[i], self.z[i][s, j])
            return v, abs(v)
        if q in ("bp2_sum", "bp2_rest", "delta") and layer < len(self.act):
            drawn = set(self.info["shown"][layer])
            keep = [
                kk for kk in range(self.w[i + 1].shape[0]) if q != "bp2_rest" or kk not in drawn
            ]
            terms = self.w[i + 1][keep, j] * self.delta[i + 1][s, keep]
            total, scale = terms.sum(), float(np.abs(terms).sum())
            if q != "delta":
                return total, scale
            factor = _sigma_prime(self.sigmas[i], self.z[i][s, j])
            factor *= self.masks[i][s, j] if self.masks is not None else 1.0
            return total * factor, scale * factor
        if q == "delta":
            return self.output_delta(j, s)
        if q == "grad_b":
            _, v, scale = self.gradient(layer, j, None)
            return v, scale
        if q == "bp4":
            g, bp4, scale = self.gradient(layer, j, k)
            return bp4, scale + abs(g)
        if q == "penalty":
            v = self.penalty(layer, j, k)
            return v, abs(v)
        if q == "grad_w":
            g, _, scale = self.gradient(layer, j, k)
            return g, scale
        if q in ("velocity", "adam_m", "adam_v") and when == "before":
            key = {"velocity": "velocity", "adam_m": "m", "adam_v": "v"}[q]
            v = self.state(key, layer, j, k if p == "w" else None)
            return v, abs(v)
        if q in ("velocity", "adam_m", "adam_v", "m_hat", "v_hat"):
            return self.rule(q, layer, j, k if p == "w" else None)
        if q in ("w_after", "b_after"):
            return self.rule(q, layer, j, k if q == "w_after" else None)
        if q in ("map_low", "map_high"):  # the enlarged heat map's range
            exact, single = self.plane(layer, j)
            v = exact.min() if q == "map_low" else exact.max()
            return v, abs(v) + float(np.max(np.abs(exact - single))) / EPS32
        return self.setting(q)

    def setting(self, q: str) -> tuple[Any, float]:
        o, r = self.opt, self.r
        if q == "eta_t":
            t = r["state_after"]["t"]
            return o["eta"] * math.sqrt(1 - o["beta2"] ** t) / (1 - o["beta1"] ** t), 0.0
        if q == "cost":
            return self.mean_cost(), abs(self.mean_cost())
        names = {
            "eta": o["eta"],
            "mu": o.get("momentum"),
            "beta1": o.get("beta1"),
            "beta2": o.get("beta2"),
            "epsilon": o.get("epsilon"),
            "l2": r["l2"],
            "l1": r["l1"],
            "n": r["n"],
            "t": r["state_after"].get("t"),
        }
        assert q in names, f"the test does not know the quantity {q!r}"
        return names[q], 0.0

    def plane(self, layer: int, j: int) -> tuple[np.ndarray, np.ndarray]:
        """a^layer_j over the plane's GRID × GRID points, by eq. 25 with the weights after
        the update (the network the plane is drawn from), in float64 and in float32."""
        from deltaprop.explore.snapshot import GRID

        x0, x1, y0, y1 = self.info["bounds"]
        gx, gy = np.meshgrid(np.linspace(x0, x1, GRID), np.linspace(y1, y0, GRID))
        out = []
        for dtype in (np.float64, np.float32):
            a = np.stack([gx.ravel(), gy.ravel()], axis=1).astype(dtype)
            for i in range(layer - 1):
                w = np.array(self.r["weights_after"][i], dtype)
                b = np.array(self.r["biases_after"][i], dtype)
                z = a @ w.T + b
                a = np.stack([_sigma(self.sigmas[i], row) for row in z]).astype(dtype)
            out.append(a[:, j].astype(np.float64))
        return out[0], out[1]

    def mean_cost(self) -> float:
        z, a, y = self.z[-1], self.act[-1], self.y
        if self.cost == "quadratic":
            return float(np.mean(0.5 * ((a - y) ** 2).sum(axis=1)))
        if self.cost == "cross-entropy":
            return float(np.mean((np.logaddexp(0, z) - y * z).sum(axis=1)))
        lse = np.log(np.exp(z - z.max(axis=1, keepdims=True)).sum(axis=1)) + z.max(axis=1)
        return float(np.mean((y * (lse[:, None] - z)).sum(axis=1)))


# -- reading the page ----------------------------------------------------------------------

READ = """(sel) => [...document.querySelectorAll(sel + ' [data-q]')].map((e) => ({
  text: e.textContent, ...e.dataset }))"""


def _digits(text: str) -> float:
    """Half a unit in the last digit shown."""
    if text in ("0", "–"):
        return 0.0
    if "e" in text:
        mantissa, exponent = text.split("e")
        decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
        return 0.5 * 10.0 ** (int(exponent) - decimals)
    decimals = len(text.split(".")[1]) if "." in text else 0
    return 0.5 * 10.0**-decimals


def check(rec: Recorded, items: list[dict[str, str]], where: str) -> set[str]:
    """Recompute each shown item; returns the quantities seen."""
    seen = set()
    for item in items:
        q = item["q"]
        seen.add(q)
        idx = {key: int(item[key]) if key in item else None for key in ("l", "j", "k", "s")}
        expected, scale = rec.value(
            q, idx["l"] or 0, idx["j"], idx["k"], idx["s"], item.get("p"), item.get("when")
        )
        text = item["text"]
        if text == "–":
            assert expected is None or not np.isfinite(expected), (where, item, expected)
            continue
        shown = float(text)
        tolerance = _digits(text) * (1 + 1e-9) + EPS32 * scale + 1e-300
        assert abs(shown - expected) <= tolerance, (where, item, expected, tolerance)
    return seen


class Truth:
    """One page, reused for every setting."""

    def __init__(self, page: Any) -> None:
        self.p = page

    def open(self, state: str, steps: int = 3) -> Recorded:
        p = self.p
        old = p.js("App.info() && App.info().id")
        p.page.evaluate("(hash) => App.open(hash)", state)  # the settings of a new address
        p.wait(f"App.info() !== null && App.info().id !== '{old}' && App.snapshot().version")
        for n in range(1, steps + 1):  # a few steps, so that the optimisers' state is not 0
            p.page.click("#step")
            p.wait(f"App.snapshot().record && App.snapshot().record.step === {n}")
        return Recorded(p.get("record"), p.js("App.info()"))

    def stage(self, name: str) -> list[dict[str, str]]:
        self.p.js(f"App.setStage('{name}')")
        return self.p.js(f"({READ})('#stage')")

    def hover(self, selector: str | None = None, position: dict | None = None) -> list:
        """The tip's numbers for the mouse over a neuron (``selector``) or a point of the
        drawing (``position``). The mouse event is sent from the page's script, which is
        ten times quicker than moving Playwright's mouse (test_page.py does that)."""
        point = position or {"x": None, "y": None}
        return self.p.page.evaluate(
            """([sel, x, y]) => {
              const svg = document.querySelector('#net'), box = svg.getBoundingClientRect();
              const target = sel ? document.querySelector(sel) : svg;
              const r = target.getBoundingClientRect();
              const at = sel ? [r.left + r.width / 2, r.top + r.height / 2]
                : [box.left + x, box.top + y];
              target.dispatchEvent(new MouseEvent('mousemove', { bubbles: true,
                clientX: at[0], clientY: at[1] }));
              return (READ)('#tip');
            }""".replace("READ", READ),
            [selector, point["x"], point["y"]],
        )


@pytest.fixture(scope="module")
def truth(one_page: Any) -> Any:
    yield Truth(one_page)
    assert one_page.errors == []


NEURONS = """[...document.querySelectorAll('#net .neuron')].map((e) => [+e.dataset.layer,
  +e.dataset.neuron, e.dataset.value, e.classList.contains('dropped')])"""


def _drawn(truth: Truth, rec: Recorded, stage: str, s: int) -> None:
    """The drawing's colours at ``stage``: in forward mode (①) each neuron's a (ã with
    dropout, the dropped ones marked) of sample s and each edge's w before the update; in
    backward mode (② and ③) ∂C/∂b (BP3) and ∂C₀/∂w (BP4)."""
    info, p = rec.info, truth.p
    for layer, j, value, dropped in p.js(NEURONS):
        if stage == "forward":
            if layer == 1:
                expected, scale = rec.x[s, j], 0.0
            elif rec.masks is not None and layer < len(info["sizes"]):
                expected, scale = rec.value("a_masked", layer, j, None, s, None, None)
                assert dropped == (rec.masks[layer - 2][s, j] == 0)
            else:
                expected, scale = rec.value("a", layer, j, None, s, None, None)
        elif layer == 1:
            assert value == ""
            continue
        else:
            expected, scale = rec.value("grad_b", layer, j, None, None, None, None)
        assert abs(float(value) - expected) <= EPS32 * scale + 1e-12, (stage, layer, j)
    for layer, j, k, value, _, _ in p.js("App.edgesShown()"):
        if stage == "forward":
            expected, scale = rec.w[layer - 2][j, k], 0.0
        else:
            expected, scale = rec.value("bp4", layer, j, k, None, None, None)
        assert abs(value - expected) <= EPS32 * scale + 1e-12, (stage, layer, j, k)


def _after(truth: Truth, rec: Recorded) -> None:
    """Forward mode at ③: the edges are the weights after the update."""
    truth.p.js("App.setStage('update')")
    truth.p.page.check("input[name=mode][value=forward]")
    for layer, j, k, value, _, _ in truth.p.js("App.edgesShown()"):
        after = np.array(rec.r["weights_after"][layer - 2])[j, k]
        assert value == pytest.approx(after, rel=1e-6, abs=1e-12)


def _hovers(truth: Truth, rec: Recorded) -> set[str]:
    seen: set[str] = set()
    info, p = rec.info, truth.p
    for stage in ("forward", "backward"):
        truth.stage(stage)
        for layer, shown in enumerate(info["shown"], start=1):
            j = shown[-1]
            items = truth.hover(f"#net .neuron[data-layer='{layer}'][data-neuron='{j}']")
            assert items or layer == 1, (stage, layer)
            seen |= check(rec, items, f"hover {stage} neuron {layer},{j}")
        edges = p.js("App.edgesShown()")
        for layer in range(2, len(info["sizes"]) + 1):
            edge = [e for e in edges if e[0] == layer][len(info["shown"][layer - 1]) // 2]
            items = truth.hover(position={"x": edge[4], "y": edge[5]})
            assert items, (stage, "edge", layer)
            seen |= check(rec, items, f"hover {stage} edge {edge[:3]}")
    return seen


def _expected_quantities(rec: Recorded) -> set[str]:
    """What the page must show for this setting."""
    r, info = rec.r, rec.info
    out = {
        "x",
        "a_in",
        "w",
        "b",
        "sum_shown",
        "z",
        "a",
        "y",
        "grad_a",
        "delta",
        "grad_b",
        "bp4",
        "grad_w",
        "w_after",
        "b_after",
        "eta",
        "cost",
    }
    out |= {"jac_dot"} if rec.sigmas[-1] == "softmax" else {"sigma_prime"}
    if len(info["sizes"]) > 2:
        out |= {"bp2_sum", "sigma_prime"}
    if r["l2"] or r["l1"]:
        out |= {"penalty", "l2", "l1", "n"}
    if r["masks"] is not None:
        out |= {"r", "a_masked"}
    if info["kind"] == "plane":  # the hover's heat map of a^l over the plane
        out |= {"map_low", "map_high"}
    if any(n > 16 for n in info["sizes"][:-1]):  # z sums over inputs not drawn
        out.add("sum_rest")
    if any(n > 16 for n in info["sizes"][2:]):  # BP2 sums over next-layer neurons not drawn
        out.add("bp2_rest")
    name = r["optimizer"]["name"]
    out |= {
        "momentum": {"velocity", "mu"},
        "nesterov": {"velocity", "mu"},
        "adam": {"adam_m", "adam_v", "m_hat", "v_hat", "beta1", "beta2", "epsilon", "t", "eta_t"},
    }.get(name, set())
    return out


@pytest.mark.parametrize("name", list(SETTINGS))
def test_every_shown_number_is_the_equation_beside_it(truth: Truth, name: str) -> None:
    rec = truth.open(SETTINGS[name])
    p = truth.p
    # one numbering of mini-batches: the header's count is the step title's
    assert p.page.get_attribute("#status", "data-batches") == "3"
    assert p.page.inner_text("#stepper-title").startswith("mini-batch 3 (epoch 1)")
    seen = check(rec, p.js(f"({READ})('#stepper-title')"), f"{name}: the title")
    text = {}
    for s in (0, 2):  # every table, and the drawing, follows the chosen sample
        p.js(f"App.setSample({s})")
        for stage in ("forward", "backward", "update"):
            items = truth.stage(stage)
            assert items and all(int(i["s"]) == s for i in items if "s" in i), stage
            seen |= check(rec, items, f"{name}: {stage}, sample {s + 1}")
            _drawn(truth, rec, stage, s)
            text[stage] = p.page.inner_text("#stage")
    _equations(rec, text)
    # another row of w^l in ③ (a whole row, and its bias, before and after)
    for layer in range(2, len(rec.info["sizes"]) + 1):  # (each choice redraws the tables)
        select = f"#stage select.row[data-layer='{layer}']"
        p.page.select_option(select, index=len(rec.info["shown"][layer - 1]) - 1)
    seen |= check(rec, truth.stage("update"), f"{name}: update, last rows")
    seen |= _hovers(truth, rec)
    missing = _expected_quantities(rec) - seen
    assert not missing, f"{name}: the page does not show {sorted(missing)}"
    _after(truth, rec)


def _equations(rec: Recorded, text: dict[str, str]) -> None:
    """The equations beside the numbers name what each option changes."""
    r, info = rec.r, rec.info
    if r["cost_name"] in ("cross-entropy", "log-likelihood"):
        assert "δ^L = a^L − y" in text["backward"] and "∇_a C" in text["backward"]
    else:
        assert "∇_a C = a^L − y (quadratic cost)" in text["backward"]
    assert f"({r['cost_name']}" in text["backward"] or "quadratic cost" in text["backward"]
    if r["l2"] or r["l1"]:
        assert "the regulariser's term" in text["update"] and "BP4: ∂C₀/∂w" in text["update"]
    if r["masks"] is not None:
        assert "⊙ r^" in text["backward"] and "ã^" in text["forward"]
    rule = {
        "sgd": "θ → θ − η g",
        "momentum": "v → μ v − η g, θ → θ + v",
        "nesterov": "θ → θ + μ v − η g",
        "adam": "θ → θ − η_t m / (√v + ε)",
    }
    assert rule[r["optimizer"]["name"]] in text["update"]
    if info["sizes"][0] > 16:
        assert f"16 of the {info['sizes'][0]} neurons of layer 1 drawn" in text["forward"]
    if any(n > 16 for n in info["sizes"][2:]):
        assert "not drawn" in text["backward"] and "the sum over all" in text["backward"]
