"""Early stopping: stop when the validation score stops improving, keep the best weights.

The score is the validation accuracy for classification (networks with several outputs) and
minus the validation cost otherwise; higher is better. An epoch improves when its score is
strictly above the best so far. After ``patience`` epochs in a row without improvement,
training stops, and the network gets back the parameters of its best epoch.

The state (best score and epoch, epochs waited, the best parameters) is plain data, so a
checkpoint can save it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .._validation import check_positive_int
from ..core.activations import Array


def validation_score(logs: dict[str, Any]) -> float | None:
    """The epoch's validation score, higher is better: accuracy, else −cost; None without
    validation figures."""
    if logs.get("val_accuracy") is not None:
        return float(logs["val_accuracy"])
    if logs.get("val_cost") is not None:
        return -float(logs["val_cost"])
    return None


@dataclass(frozen=True)
class EarlyStopping:
    """Stop after ``patience`` epochs without a better validation score."""

    patience: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "patience", check_positive_int("patience", self.patience))

    def init(self) -> dict[str, Any]:
        return {"best_score": None, "best_epoch": 0, "wait": 0, "best_params": []}

    def update(
        self, epoch: int, score: float | None, params: list[Array], state: dict[str, Any], xp: Any
    ) -> bool:
        """Record epoch ``epoch``'s score (copying ``params`` when it is the best so far);
        True when training should stop."""
        if score is None:
            raise ValueError("early stopping needs a validation score after every epoch")
        if state["best_score"] is None or score > state["best_score"]:
            state.update(best_score=float(score), best_epoch=epoch, wait=0)
            state["best_params"] = [xp.asarray(p, copy=True) for p in params]
            return False
        state["wait"] += 1
        return bool(state["wait"] >= self.patience)

    def restore(self, params: list[Array], state: dict[str, Any]) -> int | None:
        """Copy the best parameters back into ``params``; the best epoch, or None if none."""
        if not state["best_params"]:
            return None
        for p, best in zip(params, state["best_params"]):
            p[...] = best
        return int(state["best_epoch"])
