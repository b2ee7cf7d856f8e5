"""The options of a training run: the one place each is declared.

:class:`TrainConfig` is a frozen dataclass. Each field carries, in its metadata, its help text,
the command-line group it belongs to and whether a resumed run may change it. Everything else
is derived from these fields: ``Network.fit``'s keywords, the ``deltaprop train`` options
(:func:`options`), the scikit-learn estimators' parameters, what a checkpoint records and what a
resumed run must match (:func:`must_match`). An optimiser or schedule object given to ``fit``
contributes its hyper-parameters to the configuration (:meth:`TrainConfig.with_objects`), so
what is recorded is what was run.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .._validation import (
    check_fraction,
    check_nonnegative_float,
    check_positive_float,
    check_positive_int,
    check_seed,
)
from ._options import (
    check_flag,
    check_optional_positive_int,
    check_positive_fraction,
    check_split,
    name_in,
    option,
)
from .optimizers import OPTIMIZERS, Optimizer
from .schedules import SCHEDULES, Schedule

__all__ = ["TrainConfig", "must_match", "options"]


@dataclass(frozen=True)
class TrainConfig:
    """Mini-batch stochastic gradient descent over epochs, with the optimisers,
    regularisation, schedules, validation and early stopping practitioners use.

    Each field is also a ``Network.fit`` keyword, a ``deltaprop train`` option (``l2`` is
    ``--l2``, ``batch_size`` is ``--batch-size``; ``validation_split`` is ``--validation`` and
    ``shuffle`` is ``--no-shuffle``) and a parameter of the scikit-learn estimators. Every
    field is a plain number, string or None, so a configuration saves as JSON.

    Parameters
    ----------
    epochs : int, default 30
        Passes over the training data.
    batch_size : int, default 10
        m, samples per mini-batch; a final shorter batch is kept.
    eta : float, default 3.0
        η, the learning rate: w → w − η ∂C/∂w, C the mini-batch's mean cost.
    shuffle : bool, default True
        Reshuffle the training data at the start of every epoch.
    seed : int, optional
        Seeds the shuffling and dropout; None draws fresh entropy.
    optimizer : str, default "sgd"
        "sgd", "momentum", "nesterov" or "adam" (:mod:`deltaprop.training.optimizers`).
    momentum : float, default 0.9
        μ of "momentum" and "nesterov", 0 ≤ μ < 1.
    beta1, beta2 : float, default 0.9, 0.999
        Adam's decay rates for the mean of the gradient and of its square.
    epsilon : float, default 1e-8
        Adam's ε, added to √v.
    l2 : float, default 0
        λ of the L2 penalty (λ/2n) Σ w²: each step w → (1 − ηλ/n) w − η ∂C_0/∂w. Biases are
        never regularised.
    l1 : float, default 0
        λ of the L1 penalty (λ/n) Σ |w|.
    dropout : float, default 0
        p, the chance that a hidden neuron is dropped in a training step.
    schedule : str, default "constant"
        "constant", "plateau" (multiply η by ``plateau_factor`` on a plateau of the
        validation score) or "cosine".
    plateau_patience : int, default 10
        Epochs without a better validation score before "plateau" lowers η.
    plateau_factor : float, default 0.5
        What "plateau" multiplies η by, 0 < factor < 1.
    plateau_eta_ratio : float, default 1/128
        "plateau" stops training once η is down to this fraction of its start.
    validation_split : float or int, optional
        Hold out the last rows of the training data for validation: a fraction in (0, 1) or
        a number of rows (MNIST's classic 50,000/10,000 split is 10000).
    patience : int, optional
        Stop after this many epochs without a better validation score, keeping the best
        epoch's weights; None never stops early.

    Examples
    --------
    >>> config = TrainConfig(epochs=60, eta=0.5, l2=5.0, schedule="plateau",
    ...                      validation_split=10_000)
    >>> config.batch_size, config.n_validation(60_000)
    (10, 10000)
    >>> TrainConfig(eta=-1)
    Traceback (most recent call last):
    ...
    ValueError: ...
    """

    # -- mini-batch SGD
    epochs: int = option(
        30,
        "passes over the training data",
        "training",
        check_positive_int,
        changeable=True,
        metavar="N",
    )
    batch_size: int = option(
        10,
        "mini-batch size m; a final shorter batch is kept",
        "training",
        check_positive_int,
        metavar="M",
    )
    eta: float = option(
        3.0,
        "learning rate η: w → w − η ∂C/∂w",
        "training",
        check_positive_float,
        changeable=True,
        metavar="η",
    )
    shuffle: bool = option(
        True,
        "reshuffle the training data every epoch",
        "training",
        check_flag,
        flag="--no-shuffle",
        flag_help="keep the training data in order instead of reshuffling it every epoch",
    )
    seed: int | None = option(
        None, "seeds the shuffling and dropout; None draws fresh entropy", "training", check_seed
    )
    # -- the optimiser (deltaprop.training.optimizers)
    optimizer: str = option(
        "sgd", "how gradients update the parameters", "optimiser", name_in(OPTIMIZERS)
    )
    momentum: float = option(
        0.9,
        "μ of the momentum and nesterov optimisers, 0 ≤ μ < 1",
        "optimiser",
        check_fraction,
        metavar="μ",
    )
    beta1: float = option(
        0.9,
        "Adam's decay rate β1 of the mean of the gradient",
        "optimiser",
        check_fraction,
        metavar="β1",
    )
    beta2: float = option(
        0.999,
        "Adam's decay rate β2 of the mean of its square",
        "optimiser",
        check_fraction,
        metavar="β2",
    )
    epsilon: float = option(
        1e-8, "Adam's ε, added to √v", "optimiser", check_positive_float, metavar="ε"
    )
    # -- regularisation (deltaprop.training.regularization); biases are never regularised
    l2: float = option(
        0.0,
        "L2 penalty (λ/2n) Σ w²: each step w → (1 − ηλ/n) w − η∇w, n the "
        "number of training samples; biases are not regularised",
        "regularisation",
        check_nonnegative_float,
        metavar="λ",
    )
    l1: float = option(
        0.0, "L1 penalty (λ/n) Σ |w|", "regularisation", check_nonnegative_float, metavar="λ"
    )
    dropout: float = option(
        0.0,
        "drop each hidden neuron with probability p in training",
        "regularisation",
        check_fraction,
        metavar="p",
    )
    # -- the learning-rate schedule (deltaprop.training.schedules)
    schedule: str = option(
        "constant",
        "learning rate per epoch: constant; plateau lowers η "
        "after --plateau-patience epochs without a better validation score; "
        "cosine brings η down to 0 over the epochs",
        "schedule",
        name_in(SCHEDULES),
    )
    plateau_patience: int = option(
        10,
        "epochs without improvement before plateau lowers η",
        "schedule",
        check_positive_int,
        metavar="N",
    )
    plateau_factor: float = option(
        0.5, "what plateau multiplies η by", "schedule", check_positive_fraction, metavar="F"
    )
    plateau_eta_ratio: float = option(
        1 / 128,
        "plateau stops training once η is down to this fraction of its start",
        "schedule",
        check_positive_fraction,
        metavar="R",
    )
    # -- validation and early stopping (deltaprop.training.early_stopping)
    validation_split: float | int | None = option(
        None,
        "hold out the last N training samples (or a fraction such as 0.1) as validation "
        "data, measured every epoch; MNIST's classic split is 10000",
        "validation",
        check_split,
        flag="--validation",
        metavar="N",
    )
    patience: int | None = option(
        None,
        "early stopping: stop after N epochs without a better "
        "validation score and keep the best epoch's weights",
        "validation",
        check_optional_positive_int,
        metavar="N",
    )

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            object.__setattr__(self, f.name, f.metadata["check"](f.name, getattr(self, f.name)))

    @classmethod
    def with_objects(
        cls,
        optimizer: str | Optimizer = "sgd",
        schedule: str | Schedule = "constant",
        **options: Any,
    ) -> tuple[TrainConfig, Optimizer | None, Schedule | None]:
        """The configuration of ``options``, where ``optimizer`` and ``schedule`` may be
        objects that contribute their hyper-parameters (``Momentum(0.5)`` sets ``momentum``).

        Returns the configuration, and the optimiser and the schedule objects of the user's
        own classes (those deltaprop does not know by name; None for the others), which the
        Trainer is given as they are.

        Examples
        --------
        >>> from deltaprop.training.optimizers import Momentum
        >>> config, optimizer, schedule = TrainConfig.with_objects(optimizer=Momentum(0.5))
        >>> config.optimizer, config.momentum, optimizer, schedule
        ('momentum', 0.5, None, None)
        """
        optimizer_name, own_optimizer = _recorded("optimizer", optimizer, OPTIMIZERS, options)
        schedule_name, own_schedule = _recorded("schedule", schedule, SCHEDULES, options)
        config = cls(optimizer=optimizer_name, schedule=schedule_name, **options)
        return config, own_optimizer, own_schedule

    def optimizer_object(self) -> Optimizer:
        """The optimiser ``optimizer`` names, with this configuration's hyper-parameters."""
        return _build(OPTIMIZERS[self.optimizer], self)

    def schedule_object(self) -> Schedule:
        """The schedule ``schedule`` names, with this configuration's settings."""
        return _build(SCHEDULES[self.schedule], self)

    def hold_out(self, X: Any, Y: Any, validation: Any) -> tuple[Any, Any, Any]:
        """(X, Y, validation) with ``validation_split``'s last rows of X and Y held out as
        the validation pair; unchanged without a split. X and Y are any arrays indexed by
        rows (checked ones, or the raw rows a distributed run reads).

        Examples
        --------
        >>> X, Y = np.arange(20).reshape(10, 2), np.arange(10)
        >>> config = TrainConfig(validation_split=0.2)
        >>> X_train, Y_train, (X_val, Y_val) = config.hold_out(X, Y, None)
        >>> X_train.shape, Y_val.tolist()
        ((8, 2), [8, 9])
        """
        n_val = self.n_validation(X.shape[0])
        if not n_val:
            return X, Y, validation
        if validation is not None:
            raise ValueError(
                "give either validation_data or validationsplit, not both: "
                "validation_split holds out the last rows of X as validation data"
            )
        k = X.shape[0] - n_val  # the first k rows train, the last n_val validate
        return X[:k, ...], Y[:k, ...], (X[k:, ...], Y[k:, ...])

    def n_validation(self, n: int) -> int:
        """How many of ``n`` training rows ``validation_split`` holds out (0 if None)."""
        split = self.validation_split
        if split is None:
            return 0
        rows = int(split) if isinstance(split, int) else math.ceil(split * n)  # as train_test_split
        if not 1 <= rows < n:
            raise ValueError(
                f"validation_split={split!r} holds out {rows} of the {n} training rows; it "
                f"must leave at least one row for training and one for validation"
            )
        return rows


def registry_default(key: str) -> str:
    """The name a configuration records for a user's own optimiser or schedule object."""
    return "sgd" if key == "optimizer" else "constant"


def _recorded(
    key: str, value: Any, registry: dict[str, Any], options: dict[str, Any]
) -> tuple[str, Any]:
    """(the name a configuration records for ``value``, the object when it is of the user's
    own class, else None). An object deltaprop knows by name puts its settings into
    ``options`` (``Momentum(0.5)``: ``momentum=0.5``), refusing a contradicting value."""
    if not isinstance(value, (Optimizer, Schedule)):
        return value, None
    known = registry.get(value.name)
    if known is None or type(known) is not type(value):
        return (known.name if known else registry_default(key)), value
    for f in dataclasses.fields(value):
        name, setting = value.config_prefix + f.name, getattr(value, f.name)
        options.setdefault(name, setting)
        if options[name] != setting:
            raise ValueError(
                f"{name}={options[name]!r} contradicts {key}={value!r}; give the value once"
            )
    return value.name, None


def _build(known: Any, config: TrainConfig) -> Any:
    prefix = known.config_prefix
    values = {f.name: getattr(config, prefix + f.name) for f in dataclasses.fields(known)}
    return type(known)(**values)


def options() -> Iterator[dataclasses.Field[Any]]:
    """The TrainConfig fields, in order, each with its ``metadata`` (help, group, check,
    changeable, flag, metavar): what the command line and the estimators are built from.

    Examples
    --------
    >>> [f.name for f in options()][:4]
    ['epochs', 'batch_size', 'eta', 'shuffle']
    """
    yield from dataclasses.fields(TrainConfig)


def must_match() -> tuple[str, ...]:
    """The options a resumed run may not change: all but those marked changeable (and the
    seed, which the checkpoint's generator state replaces).

    Examples
    --------
    >>> "batch_size" in must_match(), "epochs" in must_match()
    (True, False)
    """
    return tuple(f.name for f in options() if not f.metadata["changeable"] and f.name != "seed")
