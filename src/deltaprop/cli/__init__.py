"""The ``deltaprop`` command line: ``deltaprop train``, ``evaluate``, ``gradcheck``."""

from .main import build_parser, main

__all__ = ["build_parser", "main"]
