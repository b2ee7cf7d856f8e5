"""Keeping a run: the model file and the HTML report, through the server's routes; and the
digits, whose first layer's weights the page draws as images."""

from __future__ import annotations

import time

import numpy as np
import pytest

import deltaprop

testclient = pytest.importorskip("starlette.testclient")

from deltaprop.explore.security import local_hosts  # noqa: E402
from deltaprop.explore.server import make_app  # noqa: E402


@pytest.fixture
def client():
    with testclient.TestClient(
        make_app("k", local_hosts(8080)), base_url="http://127.0.0.1:8080"
    ) as c:
        c.get("/?token=k")
        yield c


def _until(client, run: str, condition, timeout: float = 20.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        snapshot = client.get(f"/api/{run}/state").json()["snapshot"]
        if condition(snapshot):
            return snapshot
        time.sleep(0.05)
    raise AssertionError(f"timed out; last snapshot state {snapshot['state']}")


def test_saved_network_and_report_are_the_runs(client, tmp_path):
    run = client.post("/api/session", json={"data": "circle", "hidden": "5"}).json()["id"]
    assert client.get(f"/api/{run}/report.html").status_code == 409  # no epoch yet
    client.post(f"/api/{run}/control", json={"action": "start"})
    _until(client, run, lambda s: s["epoch"] >= 3)
    client.post(f"/api/{run}/control", json={"action": "pause"})
    _until(client, run, lambda s: s["state"] == "paused")
    path = tmp_path / "network.npz"
    path.write_bytes(client.get(f"/api/{run}/model.npz").content)
    saved = deltaprop.load(path)
    record = client.get(f"/api/{run}/record").json()
    assert saved.sizes == (2, 5, 2)
    for w, w_after in zip(saved.weights, record["weights_after"]):
        np.testing.assert_array_equal(w, np.array(w_after, dtype=np.float32))
    report = client.get(f"/api/{run}/report.html")
    assert report.status_code == 200
    assert "<h1>deltaprop explore: the run</h1>" in report.text
    assert report.text.count("<img") >= 2


def test_digits_show_the_first_layer_as_images_and_a_stop_ends_the_thread(client):
    info = client.post("/api/session", json={"data": "digits", "hidden": "20"}).json()
    assert (info["kind"], info["side"], info["sizes"]) == ("image", 8, [64, 20, 10])
    assert len(info["shown"][0]) == 16  # the 16 pixels that vary most
    run = info["id"]
    client.post(f"/api/{run}/control", json={"action": "start"})
    snapshot = _until(client, run, lambda s: s["batches"] > 50 and "images" in s)
    assert len(snapshot["images"]["images"]) == 16
    client.post(f"/api/{run}/control", json={"action": "stop"})
    _until(client, run, lambda s: s["state"] == "stopped")


def test_bad_settings_are_one_line_each(client):
    for body, words in (
        ({"data": "moons"}, "unknown data 'moons'"),
        ({"activation": "swish"}, "unknown activation 'swish'"),
        ({"eta": "fast"}, "setting 'eta': cannot read 'fast'"),
        ({"data": "drawn"}, "draw at least 4 points"),
    ):
        r = client.post("/api/session", json=body)
        assert r.status_code == 400 and words in r.json()["error"], r.json()
        assert "\n" not in r.json()["error"]
