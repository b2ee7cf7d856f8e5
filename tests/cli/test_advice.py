"""What the command line says beyond the figures: the fresh seed it drew, a saved network that
does not fit the data, a run that learned nothing, and gradcheck's honest options."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cli_errors import check_error

import deltaprop
from deltaprop.cli import main


@pytest.mark.parametrize("command", ["diagnose", "genie"])
def test_a_fresh_seed_is_printed_and_repeats_the_run(command: str, capsys) -> None:
    assert main([command, "--dataset", "digits", "--samples", "50"]) == 0
    first = capsys.readouterr().out
    seed = re.match(r"a fresh network, seed (\d+) \(--seed \1 repeats it\)\n", first)
    assert seed, first
    assert main([command, "--dataset", "digits", "--samples", "50", "--seed", seed[1]]) == 0
    assert capsys.readouterr().out == first[seed.end() :]  # the same network, seed given


def test_gradcheck_prints_its_seed_and_offers_no_dtype(capsys) -> None:
    assert main(["gradcheck"]) == 0
    seed = re.search(r", 8 samples, seed (\d+)\n", capsys.readouterr().out)
    assert seed
    assert main(["gradcheck", "--seed", seed[1]]) == 0
    assert f"seed {seed[1]}\n" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["gradcheck", "--help"])
    assert "--dtype" not in capsys.readouterr().out  # it always computes in float64
    check_error(["gradcheck", "--dtype", "float32"], 2, "unrecognized arguments: --dtype", capsys)


@pytest.mark.parametrize("command", ["evaluate", "diagnose", "genie"])
def test_a_network_made_for_mnist_is_not_advised_to_be_rebuilt(
    command: str, tmp_path: Path, capsys
) -> None:
    model = tmp_path / "mnist.npz"
    deltaprop.Network([784, 30, 10], seed=0).save(model)
    check_error(
        [command, str(model), "--dataset", "digits"],
        1,
        f"{model} takes inputs of 784 features and has 10 outputs, but the digits data "
        "has 64 features",
        capsys,
    )
    main([command, str(model), "--dataset", "digits"])
    err = capsys.readouterr().err
    assert "use it with its own data (--dataset mnist)" in err and "sizes[0] = 64" not in err


def test_a_run_at_chance_ends_with_a_hint(capsys) -> None:
    argv = ["train", "--dataset", "digits", "--epochs", "2", "--seed", "1", "--quiet"]
    assert main([*argv, "--eta", "1000", "--cost", "cross-entropy"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("Hint: the last epoch's accuracy, ") and "(1 in 10)" in last
    assert "try a smaller --eta (about 0.5 for the cross-entropy cost)" in last
    assert main(argv) == 0  # the classic settings learn: no hint
    assert "Hint" not in capsys.readouterr().out
