"""What the command line tells a user beyond the figures: the seed it drew, a saved network
that does not fit the data asked for, and a run that learned nothing."""

from __future__ import annotations

import secrets
from typing import Any

#: the input widths of the data sets the command line knows, and their --dataset names
DATASET_WIDTHS = {784: "mnist", 64: "digits"}

#: a final accuracy below this many times chance (1 / classes) counts as "learned nothing"
CHANCE_FACTOR = 1.5


def seed_or_fresh(seed: int | None) -> tuple[int, bool]:
    """``(seed, drawn)``: the given seed, or a fresh one (``drawn`` True) to print."""
    if seed is not None:
        return seed, False
    return secrets.randbelow(2**31), True


def fresh_seed_line(seed: int) -> str:
    """The line that says which fresh seed a command drew, and how to repeat the run."""
    return f"a fresh network, seed {seed} (--seed {seed} repeats it)"


def check_model_fits(net: Any, model: str, dataset: str, n_features: int, n_classes: int) -> None:
    """Raise ValueError, saying what to do, when a saved network cannot take this data."""
    n_in, n_out = net.sizes[0], net.sizes[-1]
    if n_in == n_features and (n_out == 1 or n_classes <= n_out):
        return
    made_for = DATASET_WIDTHS.get(n_in)
    if made_for is not None and made_for != dataset:
        own = f"; use it with its own data (--dataset {made_for})"
    else:
        own = ""
    raise ValueError(
        f"{model} takes inputs of {n_in} features and has {n_out} outputs, but the {dataset} "
        f"data has {n_features} features and {n_classes} classes: the network was not made "
        f"for this data{own}, or train one for it: deltaprop train --dataset {dataset} "
        "--save FILE"
    )


def chance_hint(history: Any, n_classes: int, eta: float, cost: str) -> str | None:
    """A hint when the last epoch's accuracy is near chance (1 / n_classes), else None."""
    if n_classes < 2 or not len(history):
        return None
    last = history.rows[-1]
    keys = sorted(k for k in last if k.endswith("_accuracy") and k != "train_accuracy")
    if not keys:
        return None
    accuracy = last[keys[0]]
    chance = 1.0 / n_classes
    if not isinstance(accuracy, (int, float)) or accuracy >= CHANCE_FACTOR * chance:
        return None
    classic = 0.5 if cost == "cross-entropy" else 3.0
    if eta > 10 * classic:
        why = (
            f"The steps are too large: with eta {eta:g} the weights grow until every output "
            f"neuron saturates and stays there; try a smaller --eta (about {classic:g} for the "
            f"{cost} cost)"
        )
    else:
        why = (
            "Check that the labels match the inputs, try another --eta or more --epochs, and "
            "look at how each layer learns with --monitor or 'deltaprop diagnose' on a saved "
            "network (--save)"
        )
    return (
        f"Hint: the last epoch's accuracy, {accuracy:.2%}, is what guessing gives (1 in "
        f"{n_classes}): the network is not learning. {why}."
    )
