"""The version of deltaprop, in one place (the package, the CLI and the docs read it)."""

__version__ = "0.1.0"
"""The installed version of deltaprop."""
