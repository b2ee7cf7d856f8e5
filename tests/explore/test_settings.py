"""The explorer's settings: the optimisers' hyper-parameters are settings like the others."""

from __future__ import annotations

import pytest

from deltaprop.explore.settings import Settings


def test_the_optimisers_settings_are_read_and_checked() -> None:
    s = Settings.from_dict({"optimizer": "nesterov", "momentum": "0.5", "beta1": 0.8})
    assert (s.optimizer, s.momentum, s.beta1, s.beta2) == ("nesterov", 0.5, 0.8, 0.999)
    with pytest.raises(ValueError, match=r"momentum must be in \[0, 1\); got 1.0"):
        Settings.from_dict({"momentum": 1})
