"""The mathematics: activations σ, costs C, and the forward/backward pass (eq. 25, BP1–BP4)."""

from .activations import ACTIVATIONS, Activation, get_activation
from .backprop import backprop, backward, feedforward, forward, mean_cost
from .costs import COSTS, Cost, get_cost
from .init import INITS, init_parameters
from .reference import reference_backprop

__all__ = [
    "ACTIVATIONS",
    "COSTS",
    "INITS",
    "Activation",
    "Cost",
    "backprop",
    "backward",
    "feedforward",
    "forward",
    "get_activation",
    "get_cost",
    "init_parameters",
    "mean_cost",
    "reference_backprop",
]
