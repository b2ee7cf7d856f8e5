"""The explorer's pictures in docs/explore.md are the browser tests' screenshots: each one the
page shows is taken by a test in tests/explore (``DELTAPROP_SCREENSHOTS=1`` writes them), and
no other explorer picture is kept, so none can go stale unseen."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = (ROOT / "docs" / "explore.md").read_text(encoding="utf-8")


def _taken() -> set[str]:
    """The screenshots the browser tests take, by name."""
    names: set[str] = set()
    for test in (ROOT / "tests" / "explore").glob("test_*.py"):
        text = test.read_text(encoding="utf-8")
        names |= set(re.findall(r'screenshot\(\s*"(explore-[\w-]+\.png)"', text))
        for pattern in re.findall(r'screenshot\(\s*f"(explore-[^"]+\.png)"', text):
            # an f-string: the names it can make are the ones the page shows that match it
            names |= {n for n in _shown() if re.fullmatch(re.sub(r"\{[^}]+\}", ".+", pattern), n)}
    return names


def _shown() -> set[str]:
    return set(re.findall(r"!\[[^\]]+\]\(images/(explore-[\w-]+\.png)\)", PAGE))


def test_every_picture_of_the_explorer_is_a_browser_tests_screenshot():
    shown = _shown()
    assert {"explore-wide.png", "explore-phone.png", "explore-paused.png"} <= shown
    assert shown <= _taken(), shown - _taken()
    kept = {p.name for p in (ROOT / "docs" / "images").glob("explore-*.png")}
    assert kept == shown, f"kept but not shown: {kept - shown}; shown but missing: {shown - kept}"
    for name in shown:
        assert (ROOT / "docs" / "images" / name).stat().st_size > 20_000, f"{name} looks blank"
