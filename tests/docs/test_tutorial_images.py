"""The tutorial's pictures: each one it shows is drawn by one of its own code blocks (which the
documentation tests run, checking the picture's size), and the copy in docs/images that the
page displays is a PNG of that size."""

from __future__ import annotations

import re
import struct
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"
TUTORIAL = (DOCS / "tutorial.md").read_text(encoding="utf-8")


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _drawn() -> dict[str, tuple[int, int]]:
    """Each image a code block saves, with the (width, height) the block prints for it."""
    found = re.findall(
        r'>>> figures\.save_figure\(.*"(images/[\w-]+\.png)"\).*\n\((\d+), (\d+)\)', TUTORIAL
    )
    return {name: (int(w), int(h)) for name, w, h in found}


def test_every_picture_shown_is_drawn_by_a_block_and_the_other_way_round():
    shown = re.findall(r"!\[[^\]]+\]\((images/[\w-]+\.png)\)", TUTORIAL)
    drawn = _drawn()
    assert len(shown) == len(set(shown)) == 5
    assert set(shown) == set(drawn)


def test_the_displayed_copies_are_the_pictures_the_blocks_draw():
    for name, size in _drawn().items():
        path = DOCS / name
        assert path.is_file(), (
            f"{path} missing: run DELTAPROP_DOCS_IMAGES=1 pytest docs/tutorial.md"
        )
        assert _png_size(path) == size, name
        assert path.stat().st_size > 5000, f"{name} looks blank"


def test_the_five_pictures():
    # the input and a^L; σ, σ' and saturation; the genie; the plateau; BP4's still weights
    assert set(_drawn()) == {
        "images/digit.png",
        "images/sigmoid.png",
        "images/genie.png",
        "images/plateau.png",
        "images/weights.png",
    }
