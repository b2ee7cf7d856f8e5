"""Fixtures for the distributed tests.

These tests run in every process of an MPI job: under ``mpiexec -n 2 python -m pytest -m mpi
tests/distributed`` each process runs each test, and the processes meet in its collective
operations. Under a plain ``pytest`` they run as a job of one process, and the tests that
launch ``mpiexec`` themselves (the command line, faults) run too. Without mpi4py they are
not collected.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

try:
    import mpi4py  # noqa: F401
except ImportError:  # the mpi extra is not installed
    collect_ignore_glob = ["test_*.py"]

# The rank as MPICH / Intel MPI, Open MPI or PMIx launchers tell it, without starting MPI.
_RANK = next(
    (os.environ[v] for v in ("PMI_RANK", "OMPI_COMM_WORLD_RANK", "PMIX_RANK") if v in os.environ),
    None,
)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Under ``mpiexec -n N python -m pytest tests/distributed``, give each process its own
    base temporary directory: pytest's numbered directories, shared, would race (one process
    pruning old ones while another lists them)."""
    if _RANK is not None and config.option.basetemp is None:
        job = os.getppid()  # the launcher's process, the same for the job's local processes
        config.option.basetemp = Path(tempfile.gettempdir()) / f"deltaprop-mpi-{job}-{_RANK}"


@pytest.fixture(scope="session")
def comm() -> Any:
    """Every process of the job, with a deadline so a failing test cannot hang the run."""
    from deltaprop.scale import Communicator

    return Communicator(timeout=60)


@pytest.fixture
def shared_dir(comm: Any, tmp_path: Path) -> Path:
    """A directory every process sees: rank 0's ``tmp_path``."""
    return Path(comm.bcast_object(str(tmp_path), "sharing a directory"))
