"""Scale: training one network on many processes (MPI, through mpi4py).

mpi4py is imported only when a :class:`Communicator` is made, so importing this package
needs no MPI.
"""

from ..errors import DistributedError
from .comm import Communicator
from .distributed import fit_distributed
from .partition import MPIPartition, local_rows, split

__all__ = [
    "Communicator",
    "DistributedError",
    "MPIPartition",
    "fit_distributed",
    "local_rows",
    "split",
]
