"""The checkpoint file itself: one run at a time, its permissions and links kept, and clear
errors for destinations that cannot be files."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from deltaprop import Network
from deltaprop.io.lock import CheckpointInUseError
from deltaprop.training.checkpoint import load_checkpoint

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions, links and flock")


def _fit(path: Path, epochs: int, resume: bool = False) -> None:
    X = np.random.default_rng(0).random((30, 4))
    Network([4, 3, 2], seed=0).fit(
        X, X[:, 0] > 0.5, epochs=epochs, seed=0, checkpoint=path, resume=resume
    )


@posix_only
def test_a_rewrite_keeps_the_file_mode(tmp_path: Path) -> None:
    path = tmp_path / "c.npz"
    _fit(path, 1)
    path.chmod(0o600)
    _fit(path, 2, resume=True)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_checkpoint(path).state.epoch == 2


@posix_only
def test_a_symlinked_checkpoint_is_written_through(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    target = tmp_path / "store" / "real.npz"
    _fit(target, 1)
    link = tmp_path / "c.npz"
    link.symlink_to(target)
    _fit(link, 2, resume=True)
    assert link.is_symlink() and os.readlink(link) == os.fspath(target)
    assert load_checkpoint(target).state.epoch == 2
    assert sorted(p.name for p in (tmp_path / "store").iterdir()) == ["real.npz"]


_HOLDER = textwrap.dedent(
    """
    import sys, time
    from deltaprop.io.lock import CheckpointLock
    lock = CheckpointLock(sys.argv[1])
    print("locked", flush=True)
    sys.stdin.readline()  # hold it until told to go
    lock.release()
    """
)


@posix_only
def test_a_second_run_is_refused_naming_the_holder_and_leaves_its_files(tmp_path: Path) -> None:
    path = tmp_path / "shared.npz"
    _fit(path, 1)
    live = tmp_path / ".shared.npz.0123abcd.tmp"  # the holder's write in progress
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, os.fspath(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        live.write_bytes(b"half a checkpoint")
        with pytest.raises(CheckpointInUseError, match=rf"in use by process {holder.pid}\b"):
            _fit(path, 2, resume=True)
        assert live.exists()  # a live writer's temporary file is left alone
        assert load_checkpoint(path).state.epoch == 1
    finally:
        holder.communicate("go\n", timeout=30)
    _fit(path, 2, resume=True)  # the lock is free again: the stale file goes, the run goes on
    assert not live.exists()
    assert load_checkpoint(path).state.epoch == 2
    assert not (tmp_path / ".shared.npz.lock").exists()


def test_a_file_name_of_251_characters_is_written(tmp_path: Path) -> None:
    # its temporary name, ".NAME.XXXXXXXX.tmp", would be 265 characters: too long for a file
    path = tmp_path / ("m" * 247 + ".npz")
    Network([3, 2], seed=0).save(path)
    assert path.is_file() and [p.name for p in tmp_path.iterdir()] == [path.name]


def test_saving_to_an_empty_name_or_a_directory_says_so(tmp_path: Path) -> None:
    net = Network([3, 2], seed=0)
    with pytest.raises(ValueError, match="cannot write to an empty path: give a file name"):
        net.save("")
    with pytest.raises(IsADirectoryError, match=rf"cannot write {tmp_path}: it is a directory"):
        net.save(tmp_path)


def test_a_directory_as_checkpoint_says_so(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError, match="it is a directory; give a file name"):
        _fit(tmp_path, 1)
