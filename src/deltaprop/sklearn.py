"""scikit-learn estimators: :class:`DeltapropClassifier` and :class:`DeltapropRegressor`.

They follow scikit-learn's conventions (hyper-parameters stored verbatim by ``__init__`` and
checked at ``fit``, fitted attributes ending in ``_``, ``get_params``/``set_params``), so they
work in ``Pipeline``, ``GridSearchCV`` and ``cross_val_score``. Needs the optional extra:
``pip install "deltaprop[sklearn]"``.

>>> from deltaprop.sklearn import DeltapropClassifier
>>> clf = DeltapropClassifier(hidden_layer_sizes=(30,), epochs=20, random_state=0)
"""

from __future__ import annotations

import inspect
import numbers
from typing import Any

import numpy as np

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
    from sklearn.utils import check_random_state
    from sklearn.utils.multiclass import _check_partial_fit_first_call, check_classification_targets
    from sklearn.utils.validation import check_is_fitted, validate_data
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "deltaprop.sklearn needs scikit-learn ≥ 1.6: pip install 'deltaprop[sklearn]'"
    ) from exc

from .network import Network
from .training.callbacks import Callback
from .training.config import TrainConfig, options
from .training.history import History
from .training.loop import Trainer
from .training.state import TrainState

__all__ = ["DeltapropClassifier", "DeltapropRegressor"]

_DTYPES = [np.float64, np.float32]  # float32 data stays float32; anything else becomes float64


#: scikit-learn's MLP's defaults, where they differ from TrainConfig's
_MLP_DEFAULTS = {"epochs": 200, "batch_size": 200, "eta": 0.001, "optimizer": "adam"}


def _parameters() -> inspect.Signature:
    """The estimators' ``__init__`` signature: the network's parameters, then every
    :class:`TrainConfig` field, keyword only (with scikit-learn's MLP's defaults where they
    differ; the seed is ``random_state``). Built from TrainConfig, so the options are written
    once."""
    P = inspect.Parameter
    network = {"hidden_layer_sizes": (100,), "activation": "relu", "init": "scaled", "dtype": None}
    training = {f.name: _MLP_DEFAULTS.get(f.name, f.default) for f in options() if f.name != "seed"}
    return inspect.Signature(
        [P("self", P.POSITIONAL_OR_KEYWORD)]
        + [P(name, P.POSITIONAL_OR_KEYWORD, default=value) for name, value in network.items()]
        + [P(name, P.KEYWORD_ONLY, default=value) for name, value in training.items()]
        + [P("random_state", P.KEYWORD_ONLY, default=None)]
    )


class _DeltapropEstimator(BaseEstimator):
    """What the classifier and the regressor share; the parameters are documented there."""

    _output_activation = ""
    _cost = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # scikit-learn's convention: store each parameter as given, check it at fit
        bound = _SIGNATURE.bind(self, *args, **kwargs)
        bound.apply_defaults()
        for name, value in list(bound.arguments.items())[1:]:
            setattr(self, name, value)

    # -- pickling ------------------------------------------------------------------------

    def __getstate__(self) -> dict[str, Any]:
        # The Trainer holds workspaces and views of the network's parameter buffer: pickle
        # its configuration and plain-data state instead, and rebuild it on the way back.
        state = dict(super().__getstate__())
        trainer = state.pop("_trainer", None)
        if trainer is not None:
            state["_trainer_state"] = (trainer.config, trainer.state)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        saved = state.pop("_trainer_state", None)
        super().__setstate__(state)
        if saved is not None:
            self._trainer = Trainer(self.net_, saved[0], state=saved[1])

    # -- building ------------------------------------------------------------------------

    def _seed(self) -> int:
        if isinstance(self.random_state, numbers.Integral) and not isinstance(
            self.random_state, bool
        ):
            return int(self.random_state)
        return int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))

    def _train_config(self, seed: int, **changes: Any) -> TrainConfig:
        params = {f.name: getattr(self, f.name) for f in options() if f.name != "seed"}
        return TrainConfig(seed=seed, **{**params, **changes})

    def _build(self, X: np.ndarray, n_outputs: int, seed: int) -> None:
        given: Any = self.hidden_layer_sizes
        hidden = [int(given)] if isinstance(given, numbers.Integral) else list(given)
        self.net_ = Network(
            [X.shape[1], *hidden, n_outputs],
            activation=self.activation,
            output_activation=self._output_activation,
            cost=self._cost,
            init=self.init,
            dtype=self.dtype or X.dtype.name,
            seed=seed,
        )

    # -- training ------------------------------------------------------------------------

    def _fit(self, X: np.ndarray, targets: np.ndarray, n_outputs: int) -> None:
        """A fresh network trained for ``epochs`` on (X, targets)."""
        seed = self._seed()
        config = self._train_config(seed)  # checks the hyper-parameters before building
        self._build(X, n_outputs, seed)
        keep = _KeepTrainer()
        self.net_.fit(X, targets, callbacks=[keep], verbose=0, config=config)
        self._trainer = keep.trainer
        self._record(keep.trainer.state.history)

    def _partial_fit(self, X: np.ndarray, targets: np.ndarray, n_outputs: int) -> None:
        """One more epoch over (X, targets), continuing the optimiser's state."""
        trainer: Trainer | None = getattr(self, "_trainer", None)
        if not hasattr(self, "net_"):
            trainer = None
            seed = self._seed()
            self._train_config(seed)  # checks the hyper-parameters before building
            self._build(X, n_outputs, seed)
        else:
            seed = trainer.config.seed if trainer and trainer.config.seed is not None else 0
        # Validation, early stopping and the plateau schedule belong to fit (as in
        # scikit-learn's own MLPs): partial_fit trains one epoch on what it is given.
        schedule = "constant" if self.schedule == "plateau" else self.schedule
        config = self._train_config(seed, validation_split=None, patience=None, schedule=schedule)
        if trainer is None or trainer.config != config:
            state = None
            if trainer is not None:  # keep the epoch count, RNG and optimiser state
                old = trainer.state
                state = TrainState(old.epoch, old.rng_state, old.optimizer_state, old.history)
            trainer = self._trainer = Trainer(self.net_, config, state=state)
        trainer.run(*self.net_.check_data(X, targets), epochs=1)
        self._record(trainer.state.history)

    def _record(self, history: History) -> None:
        self.history_ = history
        self.loss_curve_ = list(history["train_cost"])
        self.n_iter_ = len(history)
        if "val_cost" in history:
            key = "val_accuracy" if "val_accuracy" in history else "val_cost"
            self.validation_scores_ = list(history[key])
        elif hasattr(self, "validation_scores_"):
            del self.validation_scores_  # from an earlier fit with validation

    def _outputs(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "net_")
        X = validate_data(self, X, reset=False, dtype=_DTYPES)
        return self.net_.feedforward(X)


_SIGNATURE = _parameters()
_DeltapropEstimator.__init__.__signature__ = _SIGNATURE  # type: ignore[attr-defined]


class _KeepTrainer(Callback):
    """Keeps the Trainer of a ``Network.fit`` run, so that ``partial_fit`` can go on."""

    trainer: Trainer

    def on_train_begin(self, trainer: Trainer) -> None:
        self.trainer = trainer


class DeltapropClassifier(ClassifierMixin, _DeltapropEstimator):
    """A feedforward classifier trained by backpropagation: softmax outputs, one per class,
    and the log-likelihood (cross-entropy) cost.

    Parameters
    ----------
    hidden_layer_sizes : int or sequence of int, default (100,)
        Neurons of each hidden layer; ``()`` for none (multinomial logistic regression).
    activation : str, default "relu"
        σ of the hidden layers: "relu", "sigmoid", "tanh" or "identity".
    init : str, default "scaled"
        "scaled" draws weights from N(0, 1/n_in), "normal" from N(0, 1).
    dtype : str, optional
        "float32" or "float64"; by default float32 data trains in float32 and anything else
        in float64.
    epochs, batch_size, eta, optimizer, momentum, beta1, beta2, epsilon, l2, l1, dropout, \
schedule, plateau_patience, plateau_factor, plateau_eta_ratio, validation_split, patience, \
shuffle
        The fields of :class:`deltaprop.TrainConfig` (see ``Network.fit``). The defaults
        here are scikit-learn's MLP's: Adam with η = 0.001, mini-batches of 200, 200 epochs.
        ``l2`` is λ of the classic penalty (λ/2n) Σ w², n the number of training samples.
    random_state : int, RandomState or None
        Seeds the initial weights, the shuffling and dropout.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels (any sortable labels, strings too).
    net_ : deltaprop.Network
        The trained network.
    history_ : deltaprop.History
        The figures of every epoch trained.
    loss_curve_ : list of float
        The mean training cost of each epoch.
    validation_scores_ : list of float
        Validation accuracy after each epoch (only with ``validation_split``).
    n_iter_ : int
        Epochs trained.
    n_features_in_ : int
    feature_names_in_ : ndarray of str, shape (n_features_in_,)
        Only when X has feature names (a DataFrame).

    Examples
    --------
    >>> from deltaprop.io import load_digits
    >>> X_train, y_train, X_test, y_test = load_digits(dtype="float64")   # (1500, 64), (297, 64)
    >>> clf = DeltapropClassifier(hidden_layer_sizes=(30,), epochs=20, batch_size=32, eta=0.01,
    ...                           random_state=0)
    >>> clf.fit(X_train, y_train).score(X_test, y_test) > 0.9         # accuracy on the test set
    True
    >>> clf.predict_proba(X_test[:2]).shape, clf.classes_.tolist()
    ((2, 10), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    >>> clf.n_iter_, len(clf.loss_curve_), clf.net_.sizes
    (20, 20, (64, 30, 10))

    It is a scikit-learn estimator, so it goes into pipelines and searches:

    >>> from sklearn.model_selection import cross_val_score
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> pipe = make_pipeline(StandardScaler(), DeltapropClassifier((30,), epochs=5, random_state=0))
    >>> cross_val_score(pipe, X_train, y_train, cv=3).shape
    (3,)
    """

    _output_activation = "softmax"
    _cost = "cross-entropy"

    def fit(self, X: Any, y: Any) -> DeltapropClassifier:
        """Train a fresh network on X of shape (n_samples, n_features) and labels y."""
        X, y = validate_data(self, X, y, dtype=_DTYPES)
        check_classification_targets(y)
        self.classes_, encoded = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes to train; y holds "
                f"only one class: {self.classes_[0]!r}"
            )
        self._fit(X, encoded, len(self.classes_))
        return self

    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> DeltapropClassifier:
        """Train one epoch on (X, y); the first call needs every label in ``classes``."""
        first = _check_partial_fit_first_call(self, classes)
        X, y = validate_data(self, X, y, dtype=_DTYPES, reset=first)
        check_classification_targets(y)
        if first and len(self.classes_) < 2:
            raise ValueError(f"classes must hold at least 2 classes, got {list(self.classes_)}")
        encoded = np.searchsorted(self.classes_, y)
        encoded[encoded == len(self.classes_)] = 0
        unknown = self.classes_[encoded] != y
        if np.any(unknown):
            raise ValueError(
                f"y holds labels that are not in classes: {sorted(set(y[unknown].tolist()))}; "
                f"the labels given on the first call are {list(self.classes_)}"
            )
        self._partial_fit(X, encoded, len(self.classes_))
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities a^L (the softmax outputs), shape (n_samples, n_classes)."""
        return self._outputs(X)

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """The logarithm of ``predict_proba``."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of every row, shape (n_samples,)."""
        a = self._outputs(X)  # first: it raises NotFittedError before fit
        return self.classes_[np.argmax(a, axis=1)]


class DeltapropRegressor(RegressorMixin, _DeltapropEstimator):
    """A feedforward regressor trained by backpropagation: identity outputs, one per target,
    and the quadratic cost ½‖a^L − y‖².

    y may be 1-D or hold several targets per sample (n_samples, n_targets).

    Parameters
    ----------
    hidden_layer_sizes, activation, init, dtype
        The network's, as for :class:`DeltapropClassifier`.
    epochs, batch_size, eta, optimizer, momentum, beta1, beta2, epsilon, l2, l1, dropout, \
schedule, plateau_patience, plateau_factor, plateau_eta_ratio, validation_split, patience, \
shuffle
        The fields of :class:`deltaprop.TrainConfig`, with scikit-learn's MLP defaults.
    random_state : int, RandomState or None
        Seeds the initial weights, the shuffling and dropout.

    Attributes
    ----------
    n_outputs_ : int
        Targets per sample.
    net_, history_, loss_curve_, validation_scores_, n_iter_, n_features_in_
        As for :class:`DeltapropClassifier`; ``validation_scores_`` holds the validation
        cost (only with ``validation_split``).

    Examples
    --------
    >>> X = np.linspace(-3, 3, 300).reshape(-1, 1)              # shape (n_samples, 1)
    >>> y = np.sin(X).ravel()                                   # shape (n_samples,)
    >>> reg = DeltapropRegressor(hidden_layer_sizes=(20,), activation="tanh", epochs=300,
    ...                          batch_size=20, eta=0.01, random_state=0)
    >>> reg.fit(X, y).score(X, y) > 0.95                        # R²
    True
    >>> reg.predict(X[:3]).shape
    (3,)
    """

    _output_activation = "identity"
    _cost = "quadratic"

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _targets(self, X: Any, y: Any, reset: bool) -> tuple[np.ndarray, np.ndarray]:
        X, y = validate_data(
            self, X, y, dtype=_DTYPES, multi_output=True, y_numeric=True, reset=reset
        )
        targets = y.reshape(len(y), -1)
        if reset:
            self.n_outputs_ = targets.shape[1]
            self._y_ndim = y.ndim
        elif targets.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {targets.shape[1]} targets per sample but this regressor was fitted "
                f"with {self.n_outputs_}"
            )
        return X, targets

    def fit(self, X: Any, y: Any) -> DeltapropRegressor:
        """Train a fresh network on X of shape (n_samples, n_features) and targets y."""
        X, targets = self._targets(X, y, reset=True)
        self._fit(X, targets, self.n_outputs_)
        return self

    def partial_fit(self, X: Any, y: Any) -> DeltapropRegressor:
        """Train one epoch on (X, y), continuing from the current network if fitted."""
        X, targets = self._targets(X, y, reset=not hasattr(self, "net_"))
        self._partial_fit(X, targets, self.n_outputs_)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """a^L for every row: shape (n_samples,) if fitted on 1-D y, else (n_samples,
        n_targets)."""
        out = self._outputs(X)
        return out.ravel() if self._y_ndim == 1 else out
