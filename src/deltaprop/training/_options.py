"""How a :class:`~deltaprop.training.config.TrainConfig` option is declared and checked.

``option(...)`` makes a dataclass field whose metadata holds everything the interfaces derive
from it (help, group, flag, check, whether a resume may change it, the accepted range or
choices); the checks below are the ones the options use beside those of ``_validation``.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from dataclasses import field
from typing import Any

from .._validation import (
    check_fraction,
    check_nonnegative_float,
    check_positive_float,
    check_positive_int,
    check_seed,
)


def option(
    default: Any,
    help: str,
    group: str,
    check: Callable[[str, Any], Any],
    *,
    changeable: bool = False,
    flag: str | None = None,
    flag_help: str | None = None,
    metavar: str | None = None,
) -> Any:
    """A TrainConfig field: its default, its help text, the check of its value, the
    command-line group and flag (``--batch-size`` for ``batch_size`` unless given), and
    whether a resumed run may change it; ``flag_help`` is the help of a flag that gives a
    yes-or-no option its other value. The values the check accepts are in the metadata too:
    ``range`` (the number type and interval, see _RANGES) or ``choices`` (the names)."""
    meta = {
        "help": help,
        "group": group,
        "check": check,
        "changeable": changeable,
        "flag": flag,
        "flag_help": flag_help,
        "metavar": metavar,
    }
    meta["range"], meta["choices"] = _RANGES.get(check), getattr(check, "choices", None)
    return field(default=default, metadata=meta)


class NameIn:
    """The check of a name in ``registry``; its ``choices`` are the registry's names."""

    def __init__(self, registry: dict[str, Any]) -> None:
        self.registry, self.choices = registry, tuple(registry)

    def __call__(self, name: str, value: Any) -> str:
        if not isinstance(value, str) or value not in self.registry:
            raise ValueError(f"unknown {name} {value!r}; choose one of: {', '.join(self.registry)}")
        return value


name_in = NameIn


def check_flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return value


def check_optional_positive_int(name: str, value: Any) -> int | None:
    return None if value is None else check_positive_int(name, value)


def check_positive_fraction(name: str, value: Any) -> float:
    value = check_fraction(name, value)
    if value == 0:
        raise ValueError(f"{name} must be above 0 and below 1, got 0")
    return value


def check_split(name: str, split: Any) -> float | int | None:
    """None, a fraction 0 < f < 1, or a whole number of rows ≥ 1 (like scikit-learn's
    ``test_size``); 0 means none."""
    if split is None or (isinstance(split, numbers.Real) and split == 0):
        return None
    if isinstance(split, bool) or not isinstance(split, numbers.Real):
        raise ValueError(f"{name} must be a fraction in (0, 1) or a number of rows, got {split!r}")
    if isinstance(split, numbers.Integral):
        return check_positive_int(name, split)
    split = float(split)
    if not 0 < split < 1:
        raise ValueError(
            f"{name} must be a fraction in (0, 1) of the training rows or a whole number of "
            f"rows, got {split!r}"
        )
    return split


def _interval(
    kind: str,
    low: float,
    high: float | None = None,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> dict[str, Any]:
    return {"type": kind, "min": low, "max": high, "min_open": low_open, "max_open": high_open}


#: what each numeric check accepts, for the interfaces that show it (the explorer's controls):
#: the type and the interval from "min" to "max" (None: unbounded), open at an end marked so
_RANGES: dict[Any, dict[str, Any]] = {
    check_positive_int: _interval("int", 1),
    check_positive_float: _interval("float", 0.0, low_open=True),
    check_nonnegative_float: _interval("float", 0.0),
    check_fraction: _interval("float", 0.0, 1.0, high_open=True),
    check_positive_fraction: _interval("float", 0.0, 1.0, low_open=True, high_open=True),
    check_seed: _interval("int", 0),
}
