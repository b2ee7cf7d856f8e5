"""Build deltaprop's API reference from its numpydoc docstrings, with pdoc.

    python docs/build_api.py [OUTPUT_DIR]        # default: docs/_build/api

Any warning pdoc raises while reading the docstrings and annotations (a type it cannot
resolve, a docstring it cannot parse) is an error: the build stops and says which.
``MODULES`` is the public API: each module's ``__all__`` lists its public names, and
``tests/docs/test_docstrings.py`` checks that every one of them is documented.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

#: the public modules, in the order the reference lists them
MODULES = [
    "deltaprop",
    "deltaprop.core",
    "deltaprop.training",
    "deltaprop.training.optimizers",
    "deltaprop.training.schedules",
    "deltaprop.training.measure",
    "deltaprop.insight",
    "deltaprop.insight.plots",
    "deltaprop.insight.report",
    "deltaprop.insight.live",
    "deltaprop.insight.figures",
    "deltaprop.io",
    "deltaprop.datasets",
    "deltaprop.sklearn",
    "deltaprop.backends",
    "deltaprop.scale",
    "deltaprop.cli",
]

DEFAULT_OUTPUT = Path(__file__).resolve().parent / "_build" / "api"


def build(output: Path = DEFAULT_OUTPUT) -> list[Path]:
    """Write the reference's HTML pages into ``output``; returns them. Warnings raise."""
    import pdoc
    import pdoc.render

    pdoc.render.configure(docformat="numpy", show_source=True, search=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pdoc.pdoc(*MODULES, output_directory=output)
    return sorted(output.rglob("*.html"))


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUTPUT
    pages = build(out)
    print(f"API reference: {len(pages)} pages in {out} (open {out / 'index.html'})")
