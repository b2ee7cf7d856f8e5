"""The explorer's settings: one declaration of each option, served to the page (GET
/api/options) and checked on the way back (Settings.from_dict), the training options taken
from TrainConfig's one list."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest

from deltaprop import TrainConfig
from deltaprop.core.activations import get_activation
from deltaprop.core.costs import get_cost
from deltaprop.explore.settings import Settings, options

STATIC = Path(__file__).resolve().parents[2] / "src" / "deltaprop" / "explore" / "static"
TRAINING = (
    "eta",
    "batch_size",
    "l2",
    "l1",
    "dropout",
    "optimizer",
    "momentum",
    "beta1",
    "beta2",
    "epsilon",
)


def test_the_optimisers_settings_are_read_and_checked() -> None:
    s = Settings.from_dict({"optimizer": "nesterov", "momentum": "0.5", "beta1": 0.8})
    assert (s.optimizer, s.momentum, s.beta1, s.beta2) == ("nesterov", 0.5, 0.8, 0.999)
    with pytest.raises(ValueError, match=r"^momentum must be a number in \[0, 1\); got 1$"):
        Settings.from_dict({"momentum": 1})


def test_the_training_options_are_trainconfigs() -> None:
    served = {o["name"]: o for o in options()}
    for name in TRAINING:
        option, meta = served[name], TrainConfig.__dataclass_fields__[name].metadata
        assert option["help"] == meta["help"] and option["group"] == "training"
        assert option["choices"] == meta["choices"]
        if meta["range"]:
            for key in ("min", "min_open"):
                assert option[key] == meta["range"][key], (name, key)
        if name != "batch_size":  # the explorer caps m at 10000 to stay quick
            assert option.get("max") == (meta["range"] or {}).get("max"), name
    assert served["eta"]["default"] == 0.1  # the explorer's own default
    assert served["momentum"]["when"] == {"optimizer": ("momentum", "nesterov")}
    assert served["beta2"]["when"] == {"optimizer": ("adam",)}
    assert served["l2"]["when"] is None


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"eta": 0}, r"^eta must be a number in \(0, ∞\); got 0$"),
        ({"eta": "inf"}, r"^eta must be a finite number in \(0, ∞\); got 'inf'$"),
        ({"l2": math.nan}, r"^l2 must be a finite number in \[0, ∞\); got nan$"),
        ({"dropout": 1.0}, r"^dropout must be a number in \[0, 1\); got 1.0$"),
        ({"batch_size": 20_000}, r"^batch_size must be a whole number in \[1, 10000\]"),
        ({"batch_size": 2.5}, r"^batch_size must be a whole number in \[1, 10000\]; got 2.5$"),
        ({"points": 9}, r"^points must be a whole number in \[10, 5000\]; got 9$"),
        ({"test_fraction": 1}, r"^test_fraction must be a number in \(0, 1\); got 1$"),
        ({"noise": -0.1}, r"^noise must be a number in \[0, 0.5\]; got -0.1$"),
        ({"seed": -1}, r"^seed must be a whole number in \[0, 4294967295\]; got -1$"),
        ({"hidden": "8,0"}, r"^hidden: each width must be a whole number in \[1, 4096\]"),
        ({"hidden": "1,2,3,4,5,6,7,8,9"}, r"^hidden layers: at most 8; got 9$"),
        ({"eta": "fast"}, r"^setting 'eta': cannot read 'fast'; give a number in \(0, ∞\)$"),
        ({"eta": True}, r"^setting 'eta': cannot read True"),
        ({"optimizer": "rmsprop"}, r"^unknown optimizer 'rmsprop'; choose one of: sgd, momentum"),
        ({"activation": "softmax"}, r"^unknown activation 'softmax'; choose one of: sigmoid"),
        ({"cost": "cross-entropy", "output_activation": "tanh"}, r"^the cross-entropy cost needs"),
        ({"colour": "red"}, r"^unknown setting 'colour'; known: data, points"),
    ],
)
def test_a_value_out_of_its_range_is_one_line_naming_the_option(values, message) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        Settings.from_dict(values)
    assert "\n" not in str(caught.value)


def test_every_served_range_is_what_from_dict_accepts() -> None:
    for option in options():
        if option["type"] not in ("int", "float"):
            continue
        low, high = option["min"], option["max"]
        inside = (
            low if not option["min_open"] else (low + (high if high is not None else low + 2)) / 2
        )
        if option["type"] == "int":
            inside = math.ceil(inside)
        Settings.from_dict({option["name"]: inside})
        for outside in (low - 1, *((high + 1,) if high is not None else ())):
            with pytest.raises(ValueError, match=option["name"]):
                Settings.from_dict({option["name"]: outside})


def test_one_name_per_cost_the_librarys() -> None:
    pairs = next(o for o in options() if o["name"] == "cost")["pairs"]
    assert pairs["softmax"] == ["log-likelihood", "quadratic"]
    assert pairs["sigmoid"] == ["cross-entropy", "quadratic"]
    assert pairs["tanh"] == pairs["relu"] == pairs["identity"] == ["quadratic"]
    for sigma, costs in pairs.items():
        for cost in costs:  # each pair is one the library takes, under the same name
            assert get_cost(cost, get_activation(sigma)).name == cost
    # an address from before keeps working, and is shown as the library names the cost
    s = Settings.from_dict({"cost": "cross-entropy", "output_activation": "softmax"})
    assert s.cost == "log-likelihood"


def test_the_page_does_not_declare_the_options_again() -> None:
    names = [f.name for f in dataclasses.fields(Settings)]
    html = (STATIC / "index.html").read_text()
    scripts = "".join(path.read_text() for path in STATIC.glob("*.js"))
    for name in names:
        assert f'name="{name}"' not in html, name
    # the ranges, defaults and choices are the server's (the equations name costs and
    # optimisers, but no control lists them)
    for declared in ("5000", "0.999", "1e-8", "4096", "spiral", "gaussian", "<option"):
        assert declared not in html + scripts, declared
