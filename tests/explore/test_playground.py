"""The playground's features on the server, without a browser: the input features of the
2-D sets, the regression sets and their surface, a weight set by hand while paused, the
classes' names of an upload, long values cut in messages, and snapshots that carry only what
changed. Each number is recomputed here by its equation, from the arrays the run keeps."""

from __future__ import annotations

import base64
import json
import time

import numpy as np
import pytest

from deltaprop.core.backprop import forward
from deltaprop.explore.edit import set_weight
from deltaprop.explore.features import FEATURES, Features
from deltaprop.explore.inputs import BadRequest
from deltaprop.explore.routes import new_epochs
from deltaprop.explore.session import EPOCHS, Session
from deltaprop.explore.settings import Settings
from deltaprop.explore.snapshot import GRID, plane_figures

testclient = pytest.importorskip("starlette.testclient")

from deltaprop.explore.security import local_hosts  # noqa: E402
from deltaprop.explore.server import make_app  # noqa: E402

ALL = ",".join(FEATURES)


def stepped(settings: dict, n: int = 1) -> Session:
    """A run of ``settings``, paused after ``n`` recorded mini-batches."""
    session = Session(Settings.from_dict(settings))
    for step in range(1, n + 1):
        session.control("step")
        deadline = time.monotonic() + 20
        while not (session.record and session.record["step"] == step and session.resting):
            assert time.monotonic() < deadline
            time.sleep(0.01)
    return session


def by_hand(name: str, p: np.ndarray) -> np.ndarray:
    """Each feature of points p (n, 2) written out."""
    x1, x2 = p[:, 0], p[:, 1]
    return {
        "x1": x1,
        "x2": x2,
        "x1sq": x1 * x1,
        "x2sq": x2 * x2,
        "x1x2": x1 * x2,
        "sinx1": np.sin(x1),
        "sinx2": np.sin(x2),
    }[name]


def test_the_input_layer_is_fed_the_features_of_each_point():
    names = ("x1sq", "x1x2", "sinx2")
    session = stepped({"data": "spiral", "features": "sinx2,x1sq,x1x2", "hidden": "4"}, 2)
    d = session.data
    assert session.net.sizes[0] == 3 and session.features.names == names  # the declared order
    assert session.description()["inputs"] == ["x₁²", "x₁x₂", "sin x₂"]
    points = d.train_points.astype(np.float64)
    for j, name in enumerate(names):
        np.testing.assert_array_equal(d.X_train[:, j], by_hand(name, points).astype(np.float32))
    # the recorded mini-batch: its rows' points, whose features are its inputs a^1
    r = session.record
    assert r["points"].shape == (r["x"].shape[0], 2)
    for j, name in enumerate(names):
        np.testing.assert_array_equal(r["x"][:, j], by_hand(name, r["points"]).astype(np.float32))
    view = session.record_view()["features"]
    assert view["labels"] == ["x₁²", "x₁x₂", "sin x₂"] and view["points"] == r["points"].tolist()
    # the plane's pictures: eq. 25 from the features of each point of the grid
    bounds = session.bounds
    plane = plane_figures(session.net, bounds, session.shown, session.features)
    gx, gy = np.meshgrid(
        np.linspace(bounds[0], bounds[1], GRID), np.linspace(bounds[3], bounds[2], GRID)
    )
    grid = np.stack([gx.ravel(), gy.ravel()], axis=1)
    inputs = np.stack([by_hand(n, grid) for n in names], axis=1).astype(np.float32)
    _, a = forward(session.net.weights, session.net.biases, session.net.sigmas, inputs, np)
    for j, m in enumerate(plane["maps"][0]):  # layer 2's heat maps: each neuron's a^2
        assert (m["low"], m["high"]) == (float(a[1][:, j].min()), float(a[1][:, j].max()))
    assert plane["top"] >= float(np.abs(a[1]).max())  # on one scale −top … top
    session.close()


def test_a_point_is_found_from_its_features_even_when_two_share_them():
    f = Features(("x1sq",))
    points = np.array([[0.5, 1.0], [-0.5, 2.0], [0.25, 0.0]])
    x = f(points).astype(np.float32)
    f.remember(points, x)
    found = f.points(x)
    np.testing.assert_array_equal(f(found).astype(np.float32), x)  # the same features
    assert found[1].tolist() == [0.5, 1.0]  # of two points with x₁² = 0.25, the first


@pytest.mark.parametrize("name", ["reg-plane", "reg-gauss"])
def test_a_regression_set_learns_its_surface_with_an_identity_output(name):
    settings = Settings.from_dict(
        {
            "data": name,
            "noise": 0,
            "hidden": "8,8",
            "eta": 0.03,
            "output_activation": "softmax",
            "cost": "log-likelihood",
            "pace": "max",  # flat out: two seconds of training
        }
    )
    assert (settings.output_activation, settings.cost) == ("identity", "quadratic")
    session = Session(settings)
    d = session.data
    assert session.net.sizes[-1] == 1 and d.regression and session.description()["regression"]
    p = d.train_points.astype(np.float64)
    if name == "reg-plane":
        expected = (p[:, 0] + p[:, 1]) / 2
    else:
        bumps = ((-0.5, -0.5, 1), (0.5, 0.5, 1), (-0.5, 0.5, -1), (0.5, -0.5, -1))
        expected = sum(
            s * np.exp(-((p[:, 0] - a) ** 2 + (p[:, 1] - b) ** 2) / 0.125) for a, b, s in bumps
        )
    np.testing.assert_allclose(d.y_train, expected, rtol=1e-5, atol=1e-6)
    first = session.measure()["train_cost"]
    session.control("start")
    time.sleep(2.0)
    session.close()
    assert session.measure()["train_cost"] < 0.5 * first
    assert session.measure().get("train_accuracy") is None  # no classes: no accuracy
    # the surface: a^L over the grid, on one scale from −top to +top
    surface = session.snapshot["plane"]["surface"]
    gx, gy = np.meshgrid(
        np.linspace(session.bounds[0], session.bounds[1], GRID),
        np.linspace(session.bounds[3], session.bounds[2], GRID),
    )
    grid = np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)
    _, a = forward(session.net.weights, session.net.biases, session.net.sigmas, grid, np)
    top = float(np.abs(a[-1]).max())
    assert surface["top"] == pytest.approx(top, rel=1e-6)
    q = np.frombuffer(base64.b64decode(surface["q"]), np.uint8)
    np.testing.assert_allclose(q / 255 * 2 * top - top, a[-1][:, 0], atol=2 * top / 255 + 1e-6)


def cost(w: list, b: list, x: np.ndarray, y: np.ndarray) -> float:
    """C = (1/m) Σ_x C_x of the explorer's default network (tanh hidden layers, softmax
    outputs, the log-likelihood −Σ_j y_j ln a_j) on rows x, y, in float64."""
    a = x.astype(np.float64)
    for wl, bl in zip(w[:-1], b[:-1]):
        a = np.tanh(a @ np.asarray(wl, np.float64).T + bl)
    z = a @ np.asarray(w[-1], np.float64).T + b[-1]
    z -= z.max(axis=1, keepdims=True)
    log_a = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(np.mean(-(y * log_a).sum(axis=1)))


def test_a_weight_set_by_hand_changes_the_cost_as_the_forward_pass_says():
    session = stepped({"data": "xor", "hidden": "4,3", "batch_size": 6, "seed": 5}, 3)
    r = session.record
    w, b = [np.array(v) for v in r["weights_after"]], [np.array(v) for v in r["biases_after"]]
    planes = session.snapshot["plane"]
    out = set_weight(session, 3, 2, 1, 1.75)
    assert (out["before"], out["after"], out["step"], out["rows"]) == (w[1][2, 1], 1.75, 3, 6)
    assert out["cost_before"] == pytest.approx(cost(w, b, r["x"], r["y"]), rel=1e-5)
    w[1][2, 1] = 1.75
    assert out["cost_after"] == pytest.approx(cost(w, b, r["x"], r["y"]), rel=1e-5)
    assert session.net.weights[1][2, 1] == np.float32(1.75)
    assert session.snapshot["plane"] != planes  # the surface drawn again from the new weight
    assert session.snapshot["record"] is None and session.changes[-1]["batch"] == 3
    assert session.changes[-1]["what"] == {"w^3_2,1": [out["before"], 1.75]}
    # the run goes on from the weight set: the next mini-batch starts from it
    session.control("step")
    while not (session.record and session.resting):
        time.sleep(0.01)
    assert session.record["weights_before"][1][2, 1] == np.float32(1.75)
    session.close()


def test_a_weight_is_set_only_between_mini_batches_and_only_one_the_network_has():
    session = Session(Settings.from_dict({"data": "circle", "hidden": "3"}))
    with pytest.raises(BadRequest, match=r"^w\^2 has j in 0 … 2 and k in 0 … 1; got 3, 0$"):
        set_weight(session, 2, 3, 0, 1.0)
    with pytest.raises(BadRequest, match=r"^value must be a finite number; got nan$"):
        set_weight(session, 2, 0, 0, float("nan"))
    assert set_weight(session, 2, 0, 0, 0.5)["step"] == 0  # before training: the first m rows
    session.control("start")
    while session.batches < 10:
        time.sleep(0.01)
    with pytest.raises(BadRequest, match="pause the training first") as caught:
        set_weight(session, 2, 0, 0, 0.5)
    assert caught.value.status == 409
    session.close()


@pytest.fixture
def client():
    with testclient.TestClient(
        make_app("s", local_hosts(8765)), base_url="http://127.0.0.1:8765"
    ) as c:
        c.get("/?token=s")
        yield c


def test_an_uploads_class_names_are_the_runs(client):
    text = b"x,y,kind\n" + b"".join(
        f"{i / 10},{(i * 7 % 10) / 10},{name}\n".encode()
        for i, name in enumerate(["setosa", "virginica", "versicolor"] * 10)
    )
    key = client.post("/api/upload?name=iris.csv", content=text).json()["upload"]
    run = client.post("/api/session", json={"data": "upload", "upload": key, "hidden": "3"}).json()
    assert run["classes"] == ["setosa", "versicolor", "virginica"] and run["n_classes"] == 3


def test_a_long_value_is_cut_in_the_message(client):
    for body in ({"eta": "x" * 10_000}, {"hidden": "9" * 10_000}, {"features": ["y" * 5000]}):
        r = client.post("/api/session", json=body)
        message = r.json()["error"]
        assert r.status_code == 400 and len(message) < 160, message


def test_a_snapshot_carries_only_what_changed_and_a_run_goes_on():
    session = Session(Settings.from_dict({"data": "circle", "points": 40, "hidden": "3"}))
    session.control("start")
    while len(session.epochs) < 5:
        time.sleep(0.01)
    session.close()
    assert "epochs" not in json.loads(session.snapshot_json)  # sent once each, by the stream
    rows = new_epochs(session, 0)
    assert [r["epoch"] for r in rows] == list(range(1, len(session.epochs) + 1))
    assert new_epochs(session, rows[-1]["epoch"]) == []
    assert EPOCHS >= 10**12  # ten thousand epochs a second would last three years
