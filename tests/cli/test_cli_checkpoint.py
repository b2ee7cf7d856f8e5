"""``deltaprop train --checkpoint/--resume``, called as ``main([...])``."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import numpy as np
import pytest

from deltaprop.cli import main
from deltaprop.training.checkpoint import load_checkpoint


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Four small IDX files in MNIST's layout."""
    directory = tmp_path_factory.mktemp("mnist")
    rng = np.random.default_rng(0)
    for stem, n in (("train", 200), ("t10k", 50)):
        labels = rng.integers(0, 10, n).astype(np.uint8)
        images = rng.integers(0, 256, (n, 28, 28)).astype(np.uint8)
        for kind, array, magic in (("images", images, 3), ("labels", labels, 1)):
            header = bytes([0, 0, 8, magic]) + b"".join(d.to_bytes(4, "big") for d in array.shape)
            name = f"{stem}-{kind}-idx{magic}-ubyte.gz"
            (directory / name).write_bytes(gzip.compress(header + array.tobytes(), mtime=0))
    return str(directory)


def train(data_dir: str, *args: str) -> int:
    return main(["train", "--data-dir", data_dir, "--sizes", "784,8,10", *args])


def test_resume_takes_the_checkpoint_options(data_dir: str, tmp_path: Path, capsys) -> None:
    ckpt = str(tmp_path / "c.npz")
    assert (
        train(
            data_dir,
            "--epochs",
            "2",
            "--eta",
            "0.5",
            "--batch-size",
            "20",
            "--no-shuffle",
            "--seed",
            "3",
            "--checkpoint",
            ckpt,
        )
        == 0
    )
    capsys.readouterr()
    # no --sizes, --eta, --batch-size, --no-shuffle or --seed: they come from the checkpoint
    assert (
        main(["train", "--data-dir", data_dir, "--checkpoint", ckpt, "--resume", "--epochs", "3"])
        == 0
    )
    out = capsys.readouterr().out
    assert "[784, 8, 10]" in out and "seed 3" in out
    assert "batch 20, eta 0.5, 3 epochs" in out
    assert f"Resuming from {ckpt}: 2 epochs done" in out
    assert [line[:7] for line in out.splitlines() if line.startswith("Epoch")] == ["Epoch 3"]
    ck = load_checkpoint(ckpt)
    assert ck.state.epoch == 3 and ck.config.shuffle is False


@pytest.mark.parametrize(
    ("args", "message", "expected"),
    [
        (["--resume"], "--resume needs --checkpoint FILE", 2),
        (["--checkpoint", "{c}"], "already exists: add --resume", 1),
        (
            ["--checkpoint", "{c}", "--resume", "--sizes", "784,9,10"],
            r"cannot change --sizes 784,9,10 \(the checkpoint has 784,8,10\) when resuming",
            1,
        ),
        (
            ["--checkpoint", "{c}", "--resume", "--activation", "tanh", "--no-shuffle"],
            r"--activation tanh \(the checkpoint has sigmoid\), --no-shuffle \(the checkpoint",
            1,
        ),
        (
            ["--checkpoint", "{c}", "--checkpoint-every", "0"],
            "argument --checkpoint-every: expected a whole number ≥ 1",
            2,
        ),
    ],
)
def test_checkpoint_usage_errors(data_dir, tmp_path, capsys, args, message, expected) -> None:
    ckpt = str(tmp_path / "c.npz")
    assert train(data_dir, "--epochs", "1", "--seed", "0", "--checkpoint", ckpt, "--quiet") == 0
    before = Path(ckpt).read_bytes()
    capsys.readouterr()
    try:
        status = main(["train", "--data-dir", data_dir, *[a.format(c=ckpt) for a in args]])
    except SystemExit as exc:  # a usage error: status 2
        status = exc.code
    err = capsys.readouterr().err
    assert status == expected
    assert re.search(message, err), err
    assert err.count("\n") == expected  # one line; a usage error adds the usage line
    assert Path(ckpt).read_bytes() == before


def test_divergence_says_how_to_resume_gently(data_dir: str, tmp_path: Path, capsys) -> None:
    ckpt = str(tmp_path / "c.npz")
    common = ["--activation", "relu", "--output-activation", "identity", "--quiet"]
    assert train(data_dir, "--epochs", "1", "--eta", "0.001", "--checkpoint", ckpt, *common) == 0
    capsys.readouterr()
    status = train(
        data_dir, "--epochs", "3", "--eta", "1e12", "--checkpoint", ckpt, "--resume", *common
    )
    err = capsys.readouterr().err
    assert status == 1
    assert "training diverged" in err and f"The checkpoint {ckpt} keeps epoch 1" in err
    assert f"deltaprop train --checkpoint {ckpt} --resume" in err and "--eta 1e+11" in err
    assert load_checkpoint(ckpt).state.epoch == 1


def test_an_option_given_at_its_default_is_still_applied_or_refused(
    data_dir: str, tmp_path: Path, capsys
) -> None:
    ckpt = str(tmp_path / "c.npz")
    assert (
        train(
            data_dir,
            "--epochs",
            "1",
            "--eta",
            "0.5",
            "--batch-size",
            "20",
            "--dtype",
            "float64",
            "--optimizer",
            "adam",
            "--seed",
            "3",
            "--checkpoint",
            ckpt,
        )
        == 0
    )
    capsys.readouterr()
    # --epochs 30 and --eta 3.0 are the defaults, given explicitly: applied
    assert train(data_dir, "--epochs", "3", "--eta", "3.0", "--checkpoint", ckpt, "--resume") == 0
    ck = load_checkpoint(ckpt)
    assert ck.state.epoch == 3 and ck.config.eta == 3.0 and ck.state.history["eta"][-1] == 3.0
    capsys.readouterr()
    # the defaults of options a resume may not change, given explicitly: refused, named
    for options, named in (
        (["--optimizer", "sgd"], "--optimizer sgd (the checkpoint has adam)"),
        (
            ["--batch-size", "10", "--dtype", "float32"],
            "--dtype float32 (the checkpoint has float64), --batch-size 10 (the checkpoint has 20)",
        ),
    ):
        assert train(data_dir, *options, "--epochs", "4", "--checkpoint", ckpt, "--resume") == 1
        assert named in capsys.readouterr().err
    assert load_checkpoint(ckpt).state.epoch == 3  # nothing trained


def test_the_printed_resume_command_says_what_to_run(data_dir: str, tmp_path: Path) -> None:
    from deltaprop.cli import build_parser
    from deltaprop.cli.options import fill_defaults
    from deltaprop.cli.resume import resume_command

    argv = ["train", "--data-dir", data_dir, "--epochs", "7", "--checkpoint", "c.npz"]
    args = build_parser().parse_args(argv)
    fill_defaults(args)
    command = resume_command(args, "--eta", "0.3")
    # the epochs and every other training option come from the checkpoint: only the data
    assert command == f"deltaprop train --checkpoint c.npz --resume --data-dir {data_dir} --eta 0.3"
    args = build_parser().parse_args([*argv, "--distributed", "--timeout", "60"])
    fill_defaults(args)
    args.processes = 4
    command = resume_command(args)
    assert command.startswith("mpiexec -n 4 deltaprop train --checkpoint c.npz --resume")
    assert "--distributed --timeout 60" in command
