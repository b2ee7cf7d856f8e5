"""How large a checkpoint's arrays may be, given its configuration, checked before reading.

The parameters' shapes follow from the network's sizes. The training state's arrays (the
optimiser's, the schedule's, early stopping's) are declared by the file itself, so they are
bounded here by what the optimisers store: arrays shaped like parameters (velocities,
Adam's moments, the best weights) and a few scalars. The history holds one row per epoch.
Whatever a file declares beyond these bounds is refused before a byte of it is read.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import FormatError

#: most bytes of JSON one history row may take (a row with the monitor on a 10-layer network
#: takes about 3 kB)
ROW_MAX_BYTES = 64 << 10
#: the training state may hold this many copies of the parameters (Adam's two moments and
#: early stopping's best weights make three) ...
STATE_COPIES = 4
#: ... plus this many numbers in small arrays (step counts, a schedule's figures)
STATE_SLACK = 1 << 16
_STATE_PREFIXES = ("opt_", "sched_", "stop_")


def check_state_shapes(
    shapes: Mapping[str, tuple[tuple[int, ...], Any]], sizes: Sequence[int], epoch: int
) -> None:
    """Refuse state arrays and a history larger than the configuration allows.

    ``shapes`` is what the checkpoint's metadata declares (name -> (shape, dtypes)),
    ``sizes`` the network's layer widths, ``epoch`` the epochs the file says it holds.
    """
    layers = [n_out * (n_in + 1) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    largest = max(n_out * n_in for n_in, n_out in zip(sizes[:-1], sizes[1:]))
    total = 0
    for name, (shape, _) in shapes.items():
        if not name.startswith(_STATE_PREFIXES):
            continue
        count = math.prod(shape)
        if count > largest:
            raise FormatError(
                f"array {name!r} declares shape {tuple(shape)} ({count} numbers), more than "
                f"the network's largest parameter ({largest}); a training state holds arrays "
                "shaped like the parameters"
            )
        total += count
    allowed = STATE_COPIES * sum(layers) + STATE_SLACK
    if total > allowed:
        raise FormatError(
            f"the training state declares {total} numbers in all, more than the {allowed} "
            f"that {STATE_COPIES} copies of the network's parameters take"
        )
    (n_history,), _ = shapes["history"]
    if n_history > epoch * ROW_MAX_BYTES + 2:
        raise FormatError(
            f"metadata field 'history_bytes' declares {n_history} bytes for {epoch} epoch(s), "
            f"more than {ROW_MAX_BYTES} bytes per epoch"
        )
