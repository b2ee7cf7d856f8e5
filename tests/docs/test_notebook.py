"""docs/notebook.ipynb, run top to bottom on a real Jupyter kernel (nbclient, ipykernel):
the progress bar shows while fit runs, each result displays as an HTML table, and the figure
as a PNG image, with no ``%matplotlib`` magic in the notebook."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("matplotlib")

import deltaprop  # noqa: E402

NOTEBOOK = Path(__file__).resolve().parents[2] / "docs" / "notebook.ipynb"


@pytest.fixture(scope="module")
def cells(tmp_path_factory: pytest.TempPathFactory) -> list:
    """The notebook's code cells, executed."""
    src = str(Path(deltaprop.__file__).resolve().parents[1])
    saved = {k: os.environ.get(k) for k in ("PYTHONPATH", "JUPYTER_PLATFORM_DIRS")}
    # the kernel imports this deltaprop, and Jupyter uses its current directories
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (src, saved["PYTHONPATH"]) if p)
    os.environ["JUPYTER_PLATFORM_DIRS"] = "1"
    try:
        nb = nbformat.read(NOTEBOOK, as_version=4)
        workdir = tmp_path_factory.mktemp("notebook")
        client = nbclient.NotebookClient(
            nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": workdir}}
        )
        client.execute()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return [c for c in nb.cells if c.cell_type == "code"]


def _data(cell, mime: str) -> str:
    found = [o["data"][mime] for o in cell.outputs if mime in o.get("data", {})]
    assert len(found) == 1, (mime, cell.source, cell.outputs)
    return found[0]


def _stream(cell, name: str) -> str:
    return "".join(o["text"] for o in cell.outputs if o.get("name") == name)


def test_the_notebook_uses_no_magic() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert not any("%matplotlib" in source or "pyplot" in source for source in code)


def test_network_shows_its_layers(cells) -> None:
    page = _data(cells[0], "text/html")
    assert "Network [64, 30, 10]" in page and "<td>sigmoid</td>" in page
    assert "cost quadratic, init normal, dtype float32, backend numpy" in page


def test_fit_shows_a_progress_bar_per_epoch(cells) -> None:
    shown = _stream(cells[1], "stdout")  # stdout: stderr would be shown as an error
    assert _stream(cells[1], "stderr") == ""
    for epoch in range(1, 6):
        assert f"Epoch {epoch}/5: 100%" in shown, shown
    assert "150/150" in shown and "test accuracy" in shown
    # the last epoch's line keeps the results
    last = shown.split("\r")[-1]
    assert last.startswith("Epoch 5/5: 100%") and "cost 0." in last


def test_history_is_a_table(cells) -> None:
    page = _data(cells[2], "text/html")
    assert "History: 5 epochs" in page and "<th>train_cost</th>" in page
    assert page.count("<tr>") == 1 + 5  # the header and five epochs


def test_diagnosis_has_its_table_legend_and_findings(cells) -> None:
    page = _data(cells[3], "text/html")
    assert "Diagnosis of Network([64, 30, 10]" in page and "<th" in page
    assert "BP3: ∂C/∂b^l_j = δ^l_j" in page  # the legend ties ‖∂C/∂b‖ to its equation
    assert "Findings (" in page or "No findings" in page


def test_genie_and_gradcheck_are_tables(cells) -> None:
    genie = _data(cells[4], "text/html")
    assert "Genie: Δz = 0.001" in genie and "Far from optimal" in genie
    check = _data(cells[5], "text/html")
    assert "Gradient check" in check and "max relative error" in check


def test_a_figure_shows_as_an_image(cells) -> None:
    png = base64.b64decode(_data(cells[6], "image/png"))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_verbose_0_is_silent(cells) -> None:
    assert cells[7].outputs == []
