"""The explorer's guard and its inputs, through Starlette's test client (no browser): the
token, the Host and Origin checks, uploads, and the command's refusals."""

from __future__ import annotations

import io
import pickle

import numpy as np
import pytest

from deltaprop.cli.main import main

testclient = pytest.importorskip("starlette.testclient")

from deltaprop.explore.data import MAX_UPLOAD_BYTES, read_upload  # noqa: E402
from deltaprop.explore.security import cookie_name, local_hosts  # noqa: E402
from deltaprop.explore.server import make_app  # noqa: E402
from deltaprop.explore.settings import Settings  # noqa: E402

HOST = "127.0.0.1:8765"


@pytest.fixture
def client():
    app = make_app("secret", local_hosts(8765))
    with testclient.TestClient(app, base_url=f"http://{HOST}") as c:
        yield c


def test_without_the_token_every_route_is_403(client):
    for path in ("/", "/static/app.js", "/api/x/state", "/?token=wrong"):
        r = client.get(path)
        assert r.status_code == 403, path
        assert "token" in r.text
    assert client.post("/api/session", json={}).status_code == 403


def test_the_token_in_the_address_sets_a_cookie_that_then_suffices(client):
    r = client.get("/?token=secret")
    assert r.status_code == 200 and "deltaprop explore" in r.text
    assert f"{cookie_name('secret')}=secret" in r.headers["set-cookie"]
    assert "SameSite=Strict" in r.headers["set-cookie"]
    assert client.get("/static/app.js").status_code == 200  # the cookie, now
    client.cookies.clear()
    assert client.get("/static/app.js").status_code == 403
    client.cookies.set(cookie_name("other"), "secret")  # another explorer's cookie name
    assert client.get("/static/app.js").status_code == 403


@pytest.mark.parametrize("host", ["evil.example:8765", "127.0.0.1:9999", "attacker.com"])
def test_a_foreign_host_is_refused_even_with_the_token(client, host):
    r = client.get("/?token=secret", headers={"host": host})
    assert r.status_code == 403 and "Host" in r.text


def test_a_foreign_origin_is_refused_even_with_the_token(client):
    r = client.post("/api/session?token=secret", json={}, headers={"origin": "http://evil.example"})
    assert r.status_code == 403 and "Origin" in r.text
    r = client.get("/?token=secret", headers={"origin": f"http://{HOST}"})
    assert r.status_code == 200


def test_localhost_names_are_accepted(client):
    for host in ("localhost:8765", "[::1]:8765"):
        assert client.get("/?token=secret", headers={"host": host}).status_code == 200


def test_uploads_are_bounded_and_never_unpickled(client):
    client.get("/?token=secret")
    r = client.post("/api/upload?name=big.csv", content=b"1," * (MAX_UPLOAD_BYTES // 2 + 1))
    assert r.status_code == 413
    evil = io.BytesIO()
    np.save(evil, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    r = client.post("/api/upload?name=evil.npy", content=evil.getvalue())
    assert r.status_code == 400 and "never loaded" in r.json()["error"]
    r = client.post("/api/upload?name=x.pkl", content=pickle.dumps([1, 2]))
    assert r.status_code == 400
    table = np.column_stack([np.random.default_rng(0).random((40, 2)), np.arange(40) % 2])
    buf = io.BytesIO()
    np.save(buf, table)
    r = client.post("/api/upload?name=ok.npy", content=buf.getvalue())
    assert r.json()["rows"] == 40
    r = client.post("/api/session", json={"data": "upload", "upload": r.json()["upload"]})
    assert r.status_code == 200 and r.json()["kind"] == "plane"


def test_csv_with_a_header_is_read_and_bad_cells_are_named():
    text = b"x1,x2,class\n0.1,0.2,0\n0.3,0.1,1\n0.5,0.5,1\n0.9,0.1,0\n"
    assert read_upload("t.csv", text).shape == (4, 3)
    with pytest.raises(ValueError, match="every cell must be a number"):
        read_upload("t.csv", text + b"a,b,c\n")


def test_a_network_too_large_is_refused_with_a_message(client):
    client.get("/?token=secret")
    r = client.post("/api/session", json={"data": "digits", "hidden": "4096,4096"})
    assert r.status_code == 400
    assert "parameters, more than the explorer's" in r.json()["error"]
    with pytest.raises(ValueError, match="unknown setting 'colour'"):
        Settings.from_dict({"colour": "red"})


def test_remote_host_needs_saying_so(capsys):
    assert main(["explore", "--host", "0.0.0.0", "--no-browser"]) == 1
    err = capsys.readouterr().err
    assert "--allow-remote" in err and err.count("\n") == 1


SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


def test_every_answer_carries_the_security_headers(client):
    answers = [client.get("/")]  # 403: no token yet
    answers.append(client.get("/?token=secret"))
    run = client.post("/api/session", json={"data": "circle", "hidden": "3"})
    answers += [run, client.get("/static/app.js"), client.get("/static/style.css")]
    key = run.json()["id"]
    answers += [client.get(f"/api/{key}/state"), client.get(f"/api/{key}/model.npz")]
    answers += [client.post("/api/session", content=b"{"), client.get("/nowhere")]
    answers += [client.get("/api/session"), client.get("/api/ffff/state")]
    client.app.app.state.explorer.close_run(key, "closed for this test")
    answers.append(client.get(f"/api/{key}/state"))
    statuses = [r.status_code for r in answers]
    assert statuses == [403, 200, 200, 200, 200, 200, 200, 400, 404, 405, 404, 410]
    for r in answers:
        for name, value in SECURITY_HEADERS.items():
            assert r.headers[name] == value, (r.request.url, name)
    assert answers[-1].json() == {"error": "closed for this test", "closed": True}


def test_kept_uploads_are_bounded_in_bytes(client, monkeypatch):
    from deltaprop.explore import state

    monkeypatch.setattr(state, "MAX_UPLOAD_TOTAL", 100_000)  # bytes of arrays kept
    client.get("/?token=secret")
    keys = []
    for seed in range(4):
        table = np.column_stack([np.random.default_rng(seed).random((1500, 3)), np.zeros(1500)])
        buf = io.BytesIO()
        np.save(buf, table)  # 48,000 bytes as float64
        r = client.post("/api/upload?name=t.npy", content=buf.getvalue())
        assert r.status_code == 200
        keys.append(r.json()["upload"])
    explorer = client.app.app.state.explorer
    assert explorer.upload_bytes() <= 100_000 and list(explorer.uploads) == keys[-2:]
    r = client.post("/api/session", json={"data": "upload", "upload": keys[0]})
    assert r.status_code == 400 and "no longer kept" in r.json()["error"]
    assert (
        client.post("/api/session", json={"data": "upload", "upload": keys[-1]}).status_code == 200
    )
    big = io.BytesIO()
    np.save(big, np.zeros((4000, 4)))  # 128,000 bytes: more than all that is kept
    r = client.post("/api/upload?name=big.npy", content=big.getvalue())
    assert r.status_code == 413 and "more than the explorer keeps" in r.json()["error"]
    assert "\n" not in r.json()["error"]


def _csp_page(browser, url: str):
    """A page with the CSP enforced (the tests' usual pages bypass it), and its console."""
    context = browser.new_context(viewport={"width": 1220, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    return context, page, errors


@pytest.mark.parametrize("state", ["data=spiral&hidden=4,3", "data=digits&hidden=16"])
def test_the_page_works_under_its_csp(browser, address, state):
    context, page, errors = _csp_page(browser, f"{address}#{state}")
    page.wait_for_selector("#status[data-state='idle']", timeout=20_000)
    page.click("#start")
    page.wait_for_selector("#status[data-state='running']", timeout=20_000)
    page.wait_for_timeout(1000)  # heat maps or weight images drawn meanwhile
    page.click("#pause")
    page.wait_for_selector("#status[data-state='paused']", timeout=20_000)
    assert int(page.get_attribute("#status", "data-batches")) > 0
    context.close()
    assert errors == []  # no CSP violation, no script error


def test_the_page_cannot_be_framed(browser, address):
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.set_content(f'<iframe src="{address}"></iframe>')
    page.wait_for_timeout(1000)
    frame = page.frames[1]
    context.close()
    assert frame.url.startswith("chrome-error://")
    assert any("frame-ancestors 'none'" in e for e in errors), errors
