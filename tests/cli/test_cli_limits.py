"""Commands that would run out of memory or time say so, in one line, before starting."""

from __future__ import annotations

from typing import Any

import pytest
from cli_errors import check_error

from deltaprop.cli import limits


def test_a_network_too_large_for_memory_is_refused(capsys: Any) -> None:
    check_error(
        ["train", "--dataset", "digits", "--sizes", "64,100000000,10"],
        1,
        "--sizes 64,100000000,10: 7,500,000,010 parameters take about 150.0 GB to train",
        capsys,
    )
    check_error(["gradcheck", "--sizes", "784,100000000,10"], 1, "3.2 TB", capsys)


def test_the_estimate_counts_every_parameter() -> None:
    assert limits.n_parameters([784, 30, 10]) == 30 * 785 + 10 * 31
    # 23,860 parameters x 4 bytes x 5 copies = 477.2 KB
    limits.check_network_memory([784, 30, 10], "float32", available=1 << 20)
    with pytest.raises(ValueError, match=r"about 477\.2 KB .* more than the 100\.0 KB"):
        limits.check_network_memory([784, 30, 10], "float32", available=100_000)


def test_a_gradcheck_of_hours_is_refused_and_a_long_one_announced(
    capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    check_error(["gradcheck", "--sizes", "2000,2000,10"], 1, "would take about", capsys)
    monkeypatch.setattr(limits, "SAY_SECONDS", 0.0)
    said: list[str] = []
    limits.gradcheck_seconds(lambda: None, 1000, said.append)
    assert said and said[0].startswith("gradcheck: 1,000 parameters, about")


@pytest.mark.parametrize("tolerance", ["nan", "-1", "0", "inf", "x"])
def test_gradcheck_tolerance_must_be_positive(capsys: Any, tolerance: str) -> None:
    check_error(["gradcheck", "--tolerance", tolerance], 2, "expected a positive number", capsys)
