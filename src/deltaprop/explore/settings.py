"""What the page asks for: the data, the network and the training options, each declared once.

The explorer's own options (the data and the network) are declared here, as the fields of
:class:`Settings` with their default, range or choices and one line of help. The training
options are :class:`~deltaprop.training.config.TrainConfig`'s, taken from its one option list
with their help, range and choices (the explorer may choose another default, and a tighter
bound where a page must stay quick). :func:`options` serves them all to the page (``GET
/api/options``), which builds its controls from them, and :meth:`Settings.from_dict` checks
the page's values against the same declarations: an unknown name, a value out of range or not
finite is refused with one line naming the option and what it accepts (a long value cut).
The page keeps the values in its address (after ``#``), so a view can be shared and reloaded.
The options marked ``live`` (η, λ, dropout and the optimiser's) may change while a run trains
(:mod:`.live`), and so may the speed, ``pace`` (:class:`~.pace.Pace`); ``compare`` and
``versus`` ask for a second run beside the first, from the same weights and mini-batches,
differing in one setting (:meth:`Settings.twin`).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field, fields
from typing import Any

from ..core.activations import ACTIVATIONS, get_activation
from ..core.costs import COSTS, get_cost
from ..core.init import INITS
from ..training.config import TrainConfig
from ..training.optimizers import OPTIMIZERS
from .data import REGRESSIONS, SOURCES, TOYS
from .features import FEATURES, PLAIN

#: the largest network the explorer trains (weights and biases): about 8 MB of float32
#: parameters, with the gradients, the optimiser's state and the copies the page is shown
MAX_PARAMETERS = 2_000_000
#: the most layers, and the widest a layer may be
MAX_LAYERS, MAX_WIDTH = 10, 4096
#: σ's the hidden layers may use: BP2 needs σ'(z) elementwise (softmax is for outputs only)
HIDDEN_ACTIVATIONS = tuple(name for name, f in ACTIVATIONS.items() if f.elementwise)
#: the speeds a run may train at, in mini-batches a second ("max": as fast as it can)
PACES = ("1", "3", "10", "30", "100", "300", "1000", "3000", "max")
#: the settings a second run may differ in: those that keep the initial weights and the
#: mini-batches (not the data, the layers, the seed or m)
COMPARABLE = (
    "cost",
    "activation",
    "output_activation",
    "init",
    "eta",
    "l2",
    "l1",
    "dropout",
    "optimizer",
    "momentum",
)
#: the longest text of a value an error message repeats
SHOWN_CHARS = 40


def _interval(text: str) -> dict[str, Any]:
    """The range "[10, 5000]", "(0, 1)" or "[0, ∞)" as min, max (None: unbounded), open ends."""
    low, high = (part.strip() for part in text[1:-1].split(","))
    number = float if "." in text else int
    return {
        "min": number(low),
        "max": None if high == "∞" else number(high),
        "min_open": text[0] == "(",
        "max_open": text[-1] == ")",
    }


def _own(
    group: str,
    default: Any,
    label: str,
    accepts: str | tuple[str, ...],
    help: str,
    when: dict[str, Any] | None = None,
) -> Any:
    """A field of the explorer's own, in ``group``: ``accepts`` is a range such as
    "[10, 5000]" (of whole numbers if the default is one; for "layers", each width) or the
    names to choose from; ``when`` names the values of another option under which this one
    has an effect."""
    meta: dict[str, Any]
    if isinstance(accepts, tuple):
        kind = "toggles" if isinstance(default, tuple) else "choice"  # toggles: any of them
        meta = {"type": kind, "choices": accepts}
    elif accepts == "text":
        meta = {"type": "text", "choices": None, "max": SHOWN_CHARS}
    else:
        kind = "layers" if isinstance(default, tuple) else type(default).__name__
        meta = {"type": kind, "choices": None, **_interval(accepts)}
    meta.update(label=label, help=help, group=group, when=when, live=False)
    return field(default=default, metadata=meta)


def _train(
    label: str, name: str, default: Any = None, high: float | None = None, live: bool = True
) -> Any:
    """A field taken from TrainConfig's option ``name``: its help, range or choices, with the
    explorer's ``default`` and upper bound ``high`` where given. An optimiser's
    hyper-parameter has an effect only with the optimisers that have it. ``live``: it may
    change while the run trains."""
    option = TrainConfig.__dataclass_fields__[name]
    meta, bounds = option.metadata, dict(option.metadata["range"] or {})
    if high is not None:
        bounds.update(max=high, max_open=False)
    users = tuple(
        n
        for n, opt in OPTIMIZERS.items()
        if name in {opt.config_prefix + f.name for f in dataclasses.fields(opt)}
    )
    out = {
        "type": "choice" if meta["choices"] else bounds.pop("type"),
        **bounds,
        "choices": meta["choices"],
        "label": label,
        "help": meta["help"],
        "group": "training",
        "when": {"optimizer": users} if users else None,
        "live": live,
    }
    return field(default=option.default if default is None else default, metadata=out)


_TOYS = {"data": (*TOYS, *REGRESSIONS)}
_PLANE = {"data": (*TOYS, *REGRESSIONS, "drawn")}
_SPLIT = {"data": (*_PLANE["data"], "upload")}  # the sets the explorer cuts a test set from
_CLASSES = {"data": tuple(s for s in SOURCES if s not in REGRESSIONS)}
#: the 2-D sets whose points are fed to the input layer as features
PLANE_SETS: tuple[str, ...] = _PLANE["data"]
_FEATURES = f"the input layer's features of a point (x₁, x₂): {', '.join(FEATURES)}"


@dataclass(frozen=True)
class Settings:
    """One explorer run's settings; the names are the page's and ``deltaprop train``'s.

    Examples
    --------
    >>> s = Settings.from_dict({"data": "circle", "hidden": "5,3", "eta": "0.5"})
    >>> s.hidden, s.eta, s.cost
    ((5, 3), 0.5, 'log-likelihood')
    >>> Settings.from_dict({"eta": -1})
    Traceback (most recent call last):
    ...
    ValueError: eta must be a number in (0, ∞); got -1
    """

    # -- the data (explore.data)
    data: str = _own("data", "spiral", "data set", SOURCES, "the data to train on")
    points: int = _own("data", 400, "points", "[10, 5000]", "points of the 2-D set", _TOYS)
    noise: float = _own("data", 0.05, "noise", "[0, 0.5]", "std of the inputs' noise", _PLANE)
    test_fraction: float = _own(
        "data", 0.2, "test fraction", "(0, 1)", "the rows held out to test on", _SPLIT
    )
    features: tuple[str, ...] = _own(
        "data", PLAIN, "input features", tuple(FEATURES), _FEATURES, _PLANE
    )
    # -- the network (deltaprop.Network)
    hidden: tuple[int, ...] = _own(
        "network", (8, 8), "hidden layers", f"[1, {MAX_WIDTH}]", "widths, comma separated"
    )
    activation: str = _own("network", "tanh", "σ hidden", HIDDEN_ACTIVATIONS, "σ of l < L")
    output_activation: str = _own(
        "network", "softmax", "σ output", tuple(ACTIVATIONS), "σ of the output layer L", _CLASSES
    )
    cost: str = _own("network", "log-likelihood", "cost", tuple(COSTS), "the cost C_x", _CLASSES)
    init: str = _own("network", "scaled", "init", INITS, "normal: N(0, 1); scaled: N(0, 1/n)")
    seed: int = _own(
        "network", 0, "seed", "[0, 4294967295]", "seeds the data, w, b, shuffling, dropout"
    )
    # -- training: TrainConfig's options
    eta: float = _train("η", "eta", default=0.1)
    batch_size: int = _train("batch size m", "batch_size", high=10_000, live=False)
    l2: float = _train("L2 λ", "l2")
    l1: float = _train("L1 λ", "l1")
    dropout: float = _train("dropout p", "dropout")
    optimizer: str = _train("optimiser", "optimizer")
    momentum: float = _train("μ", "momentum")
    beta1: float = _train("β1", "beta1")
    beta2: float = _train("β2", "beta2")
    epsilon: float = _train("ε", "epsilon")
    # -- the view: how fast the run goes (changed as it trains, POST /api/ID/pace)
    pace: str = _own("view", "100", "speed", PACES, "mini-batches a second (max: flat out)")
    # -- a second run beside this one (explore.twin)
    compare: str = _own(
        "compare",
        "none",
        "compare",
        ("none", *COMPARABLE),
        "a second run from the same weights and mini-batches, differing in this setting",
    )
    versus: str = _own(
        "compare",
        "",
        "versus",
        "text",
        "the second run's value of the setting compared",
        {"compare": COMPARABLE},
    )

    def __post_init__(self) -> None:
        # a regression set is learned with an identity output and the quadratic cost
        if self.data in REGRESSIONS:
            object.__setattr__(self, "output_activation", "identity")
            object.__setattr__(self, "cost", "quadratic")

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Settings:
        """Settings from the page's JSON object, each value checked against its declaration;
        missing names keep their defaults. The cost is named as the library names it
        ("cross-entropy" with softmax outputs is the log-likelihood)."""
        known = {f.name: f for f in fields(cls)}
        out: dict[str, Any] = {}
        for key, value in values.items():
            if key not in known:
                raise ValueError(f"unknown setting {_cut(key)}; known: {', '.join(known)}")
            out[key] = _read(key, value, known[key].metadata)
        return _resolved(cls(**out))

    def twin(self) -> Settings | None:
        """The second run's settings: these with ``compare`` set to ``versus`` (read and
        checked as that option), or None when nothing is compared. The same data, layers,
        seed and m: the same initial weights and the same mini-batches."""
        if self.compare == "none":
            return None
        meta = {f.name: f.metadata for f in fields(self)}[self.compare]
        if not self.versus.strip():
            raise ValueError(f"compare: give the second run's {self.compare} under versus")
        try:
            value = _read(self.compare, self.versus.strip(), meta)
            twin = dataclasses.replace(self, compare="none", versus="", **{self.compare: value})
            return _resolved(twin)
        except ValueError as exc:
            raise ValueError(f"compare: {exc}") from None

    def training(self) -> dict[str, Any]:
        """The training options, as ``Network.fit`` keywords (with the seed)."""
        names = [f.name for f in fields(self) if f.metadata["group"] == "training"]
        return {"seed": self.seed, **{name: getattr(self, name) for name in names}}

    def sizes(self, n_features: int, n_classes: int) -> list[int]:
        """The layer widths for data of ``n_features`` inputs and ``n_classes`` classes;
        refuses a network too large to train here."""
        sizes = [n_features, *self.hidden, n_classes]
        n_params = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
        if n_params > MAX_PARAMETERS:
            raise ValueError(
                f"the network {sizes} has {n_params:,} parameters, more than the explorer's "
                f"{MAX_PARAMETERS:,}: use fewer or narrower hidden layers"
            )
        if max(sizes) > MAX_WIDTH:
            raise ValueError(f"a layer of {max(sizes)} neurons is wider than {MAX_WIDTH}")
        return sizes


def _resolved(settings: Settings) -> Settings:
    """``settings`` with the cost named as the library names it for the output σ; a pair the
    library does not define is one line saying so."""
    try:
        cost = get_cost(settings.cost, get_activation(settings.output_activation)).name
    except ValueError as exc:
        raise ValueError(f"{exc}".splitlines()[0]) from None
    return dataclasses.replace(settings, cost=cost)


def _cut(value: Any) -> str:
    """``repr(value)``, cut to SHOWN_CHARS characters: a message never repeats a long value."""
    text = repr(value)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


def _shown(meta: Any) -> str:
    """The range of ``meta`` as the error messages write it: "(0, ∞)", "[10, 5000]"."""
    low = "−∞" if meta["min"] is None else f"{meta['min']:.15g}"
    high = "∞" if meta["max"] is None else f"{meta['max']:.15g}"
    left = "(" if meta["min_open"] or meta["min"] is None else "["
    right = ")" if meta["max_open"] or meta["max"] is None else "]"
    return f"{left}{low}, {high}{right}"


def _inside(value: float, meta: Any) -> bool:
    low, high = meta["min"], meta["max"]
    if low is not None and (value < low or (meta["min_open"] and value == low)):
        return False
    return high is None or not (value > high or (meta["max_open"] and value == high))


def _number(key: str, value: Any, meta: Any) -> float:
    """``value`` as a number of the option's type (whole for "int" and "layers"), in its
    range; ValueError naming the option and the range otherwise."""
    whole = meta["type"] in ("int", "layers")
    name = "hidden: each width" if meta["type"] == "layers" else key
    what = f"a whole number in {_shown(meta)}" if whole else f"a number in {_shown(meta)}"
    try:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValueError
        number = float(value)  # 3, 3.0, "3", "1e3"
    except ValueError:
        raise ValueError(f"setting {key!r}: cannot read {_cut(value)}; give {what}") from None
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number in {_shown(meta)}; got {_cut(value)}")
    if (whole and number != math.floor(number)) or not _inside(number, meta):
        raise ValueError(f"{name} must be {what}; got {_cut(value)}")
    return number


def _read(key: str, value: Any, meta: Any) -> Any:
    """The page's ``value`` of the option ``key``, read and checked against its declaration."""
    kind = meta["type"]
    if kind == "choice":
        if not isinstance(value, str) or value not in meta["choices"]:
            choices = ", ".join(meta["choices"])
            raise ValueError(f"unknown {key} {_cut(value)}; choose one of: {choices}")
        return value
    if kind == "toggles":
        return _toggles(key, value, meta["choices"])
    if kind == "text":
        if not isinstance(value, str) or len(value) > meta["max"]:
            raise ValueError(f"{key}: give a text of at most {meta['max']} characters")
        return value
    if kind == "layers":
        if isinstance(value, str):
            parts = [v.strip() for v in value.split(",") if v.strip()]
        elif isinstance(value, list):
            parts = value
        else:
            raise ValueError(f"hidden layers: give widths such as '8,8', not {_cut(value)}")
        if len(parts) > MAX_LAYERS - 2:
            raise ValueError(f"hidden layers: at most {MAX_LAYERS - 2}; got {len(parts)}")
        return tuple(int(_number(key, v, meta)) for v in parts)
    number = _number(key, value, meta)
    return int(number) if kind == "int" else number


def _toggles(key: str, value: Any, choices: tuple[str, ...]) -> tuple[str, ...]:
    """The names ``value`` turns on ("x1,x1sq" or a list), in the declared order: at least
    one, each one of ``choices``."""
    parts = value.split(",") if isinstance(value, str) else value
    if not isinstance(parts, list | tuple) or not all(isinstance(p, str) for p in parts):
        raise ValueError(f"{key}: give names such as {','.join(choices[:2])}, not {_cut(value)}")
    names = {p.strip() for p in parts if p.strip()}
    unknown = sorted(names - set(choices))
    if unknown:
        raise ValueError(f"unknown {key} {_cut(unknown[0])}; choose any of: {', '.join(choices)}")
    if not names:
        raise ValueError(f"{key}: turn on at least one of: {', '.join(choices)}")
    return tuple(c for c in choices if c in names)


def options() -> list[dict[str, Any]]:
    """Every option the page offers, in order: name, label, group, type, default, range
    (min, max, open ends) or choices, one line of help, and ``when`` (the values of another
    option under which it has an effect). The cost carries ``pairs``: for each output σ,
    the costs the library defines for it, under the name it gives them.

    Examples
    --------
    >>> by_name = {o["name"]: o for o in options()}
    >>> by_name["eta"]["default"], by_name["eta"]["min"], by_name["eta"]["min_open"]
    (0.1, 0.0, True)
    >>> by_name["cost"]["pairs"]["softmax"]
    ['log-likelihood', 'quadratic']
    """
    out = []
    for f in fields(Settings):
        default = list(f.default) if isinstance(f.default, tuple) else f.default
        option = {"name": f.name, "default": default, **f.metadata}
        if f.name == "hidden":
            option["count"] = MAX_LAYERS - 2
        if f.name == "cost":
            option["pairs"] = _cost_pairs()
        if f.name == "features":  # as the page writes them
            option["labels"] = [FEATURES[name][0] for name in f.metadata["choices"]]
        out.append(option)
    return out


def _cost_pairs() -> dict[str, list[str]]:
    """For each output σ, the costs the library accepts with it, named as it names them; the
    quadratic cost, defined for every σ, last."""
    pairs = {}
    for sigma in ACTIVATIONS:
        names = []
        for name in COSTS:
            try:
                resolved = get_cost(name, get_activation(sigma)).name
            except ValueError:
                continue
            if resolved == name:
                names.append(name)
        pairs[sigma] = sorted(names, key=lambda n: n == "quadratic")
    return pairs
