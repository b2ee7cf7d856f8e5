"""The book's experiment as ``deltaprop train``'s default split of MNIST.

The classic ``network.py`` trains on the first 50,000 of MNIST's 60,000 training images and
measures the 10,000 test images after every epoch (the last 10,000 training images are its
validation set, used only in later chapters). ``deltaprop train`` with no data options runs
exactly that; ``--train-samples 60000`` trains on every image, and ``--validation N`` holds
out the last N of the training rows instead.
"""

from __future__ import annotations

import argparse

#: training images of the book's experiment: the first 50,000 of MNIST's 60,000
BOOK_TRAIN_SAMPLES = 50_000


def is_book_split(args: argparse.Namespace) -> bool:
    """Whether the options leave the data split to the default: MNIST, no ``--train-samples``
    and no ``--validation``."""
    return (
        args.dataset == "mnist"
        and args.train_samples is None
        and getattr(args, "validation_split", None) is None
    )


def apply_book_split(args: argparse.Namespace) -> str:
    """Set ``args.train_samples`` to the book's 50,000 where the options leave the split to
    the default; returns the note for the header line ("" when the user chose the split)."""
    if not is_book_split(args):
        return ""
    args.train_samples = BOOK_TRAIN_SAMPLES
    return (
        " (the book's experiment: the first 50,000 training images, tested after each "
        "epoch on the 10,000 test images; --train-samples 60000 or --validation N for "
        "other splits)"
    )
