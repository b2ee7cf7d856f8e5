"""Scale: training one network on many processes (MPI, through mpi4py).

mpi4py is imported only when a :class:`Communicator` is made, so importing this package
needs no MPI.
"""

from ..errors import DistributedError
from .comm import Communicator
from .distributed import fit_distributed
from .trainer import DistributedTrainer, local_rows, split

__all__ = [
    "Communicator",
    "DistributedError",
    "DistributedTrainer",
    "fit_distributed",
    "local_rows",
    "split",
]
