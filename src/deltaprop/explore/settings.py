"""What the page asks for: the data, the network and the training options, checked once.

The page keeps these in its address (after ``#``), so a view can be shared and reloaded; the
server gets them as a JSON object and makes a :class:`Settings` of it. Unknown names and
values out of range are refused with one line saying what to give.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

from .data import SOURCES

#: the largest network the explorer trains (weights and biases): about 8 MB of float32
#: parameters, with the gradients, the optimiser's state and the copies the page is shown
MAX_PARAMETERS = 2_000_000
#: the most layers, and the widest a layer may be
MAX_LAYERS, MAX_WIDTH = 10, 4096


@dataclass(frozen=True)
class Settings:
    """One explorer run's settings; the names are the page's and ``deltaprop train``'s."""

    data: str = "spiral"  # a name of data.SOURCES
    points: int = 400  # points of a 2-D set
    noise: float = 0.05  # std of the noise added to 2-D inputs
    test_fraction: float = 0.2  # rows held out to test on (2-D and uploaded sets)
    hidden: tuple[int, ...] = (8, 8)  # hidden layer widths; the input and output follow the data
    activation: str = "tanh"  # σ of the hidden layers
    output_activation: str = "softmax"
    cost: str = "cross-entropy"
    init: str = "scaled"
    eta: float = 0.1
    batch_size: int = 10
    l2: float = 0.0
    l1: float = 0.0
    dropout: float = 0.0
    optimizer: str = "sgd"
    momentum: float = 0.9  # μ of momentum and Nesterov
    beta1: float = 0.9  # Adam's decay rates
    beta2: float = 0.999
    seed: int = 0

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Settings:
        """Settings from the page's JSON object; missing names keep their defaults."""
        known = {f.name: f for f in fields(cls)}
        out: dict[str, Any] = {}
        for key, value in values.items():
            if key not in known:
                raise ValueError(f"unknown setting {key!r}; known: {', '.join(known)}")
            default = getattr(cls, key)
            try:
                if key == "hidden":
                    text = value if isinstance(value, str) else ",".join(map(str, value))
                    out[key] = tuple(int(v) for v in text.split(",") if v.strip())
                elif isinstance(default, (bool, str)):
                    out[key] = str(value)
                elif isinstance(default, int):
                    out[key] = int(value)
                else:
                    out[key] = float(value)
            except (TypeError, ValueError):
                raise ValueError(f"setting {key!r}: cannot read {value!r}") from None
        settings = cls(**out)
        settings.check()
        return settings

    def check(self) -> None:
        """Raise ValueError for a value out of range."""
        if self.data not in SOURCES:
            raise ValueError(f"unknown data {self.data!r}; choose one of: {', '.join(SOURCES)}")
        if len(self.hidden) > MAX_LAYERS - 2 or any(not 1 <= h <= MAX_WIDTH for h in self.hidden):
            raise ValueError(
                f"hidden layers: at most {MAX_LAYERS - 2} layers of 1 … {MAX_WIDTH} neurons"
            )
        if not 1 <= self.batch_size <= 10_000:
            raise ValueError(f"batch size must be in 1 … 10000; got {self.batch_size}")
        for name in ("eta", "l2", "l1"):
            if not 0 <= getattr(self, name) < math.inf:
                raise ValueError(f"{name} must be a finite number ≥ 0; got {getattr(self, name)}")
        for name in ("dropout", "momentum", "beta1", "beta2"):
            if not 0 <= getattr(self, name) < 1:
                raise ValueError(f"{name} must be in [0, 1); got {getattr(self, name)}")

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
