"""The server under the app, for a class: headers, compression, caching, 404 and 400 (no 500s)."""

import pytest

from wann_viz.ui import create_app
from wann_viz.ui.serving import SERVER_NAME, quiet_dev_server


@pytest.fixture(scope="module")
def client():
    return create_app().server.test_client()


def test_app_module_exposes_a_wsgi_server():
    import app

    assert callable(app.server.wsgi_app) and app.server is app.app.server


def test_security_headers_and_framing(client):
    root, embed = client.get("/"), client.get("/embed?genome=swingup-authors")
    for r in (root, embed):
        assert r.status_code == 200
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert root.headers["Content-Security-Policy"] == "frame-ancestors 'self'"
    assert embed.headers["Content-Security-Policy"] == "frame-ancestors *"  # beside the article


def test_compression_and_caching(client):
    page = client.get("/")
    js = [s.split('"')[0] for s in page.get_data(as_text=True).split('src="')[1:]]
    suite = next(p for p in js if "dash_core_components.v" in p)
    r = client.get(suite, headers={"Accept-Encoding": "gzip"})
    assert r.headers["Content-Encoding"] == "gzip" and "immutable" in r.headers["Cache-Control"]
    asset = next(p for p in js if p.startswith("/assets/") and "?m=" in p)
    assert "max-age=31536000" in client.get(asset).headers["Cache-Control"]
    assert client.get("/").headers["Cache-Control"] == "no-cache"


@pytest.mark.parametrize("path", ["/nope", "/embed/extra", "/_dash-component-suites/nope/x.js",
                                  "/_dash-component-suites/dash/../../../etc/passwd",
                                  "/_dash-component-suites/dash/missing.js"])
def test_unknown_paths_are_404(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("body", ["not json", "[1, 2]", "7", '"text"', "{}", '{"output": 5}',
                                  '{"output": "x", "inputs": 3}', "\\xff\\xfe"])
def test_malformed_callback_bodies_are_400(client, body):
    r = client.post("/_dash-update-component", data=body, content_type="application/json")
    assert r.status_code == 400 and "Traceback" not in r.get_data(as_text=True)


def test_bodies_that_do_not_fit_their_callback_are_400(client):
    # Each of these reached Dash's dispatcher before and came back a 500.
    from wann_viz.ui.testing import callback_body, server_callbacks

    app = create_app()
    c = app.server.test_client()
    key, cb = next((k, v) for k, v in server_callbacks(app) if "episode-store" in k)
    good = callback_body(key, cb, {})
    bad = [{"output": "no-such.callback"}, {"output": key}, {**good, "inputs": []}, {**good, "inputs": [5]},
           {**good, "inputs": [{"id": "request-store"}]}, {k: v for k, v in good.items() if k != "outputs"},
           {**good, "outputs": good["outputs"][:1]}, {**good, "changedPropIds": [3]}, {**good, "state": [[1]]}]
    for body in bad:
        assert c.post("/_dash-update-component", json=body).status_code == 400, body
    assert c.post("/_dash-update-component", json=good).status_code == 200


def test_the_dev_server_names_no_versions():
    from werkzeug.serving import WSGIRequestHandler

    quiet_dev_server()
    assert WSGIRequestHandler.server_version == SERVER_NAME and WSGIRequestHandler.sys_version == ""


def test_an_upload_plays_on_every_gunicorn_worker_and_after_a_restart(tmp_path):
    # Two workers, fresh connections (each may land on either worker), then the server restarted.
    import base64
    import http.client
    import json
    import os
    import sys
    from pathlib import Path

    from wann_viz.ui.testing import ROOT, callback_body, free_port, start_app, stop

    pytest.importorskip("gunicorn")
    app = create_app()
    cmap = app.callback_map
    select = next(k for k, v in cmap.items() if v.get("callback") and "genome-picker.value" in k)
    episode = next(k for k, v in cmap.items() if v.get("callback") and "episode-store" in k)
    env = dict(os.environ, WANN_UPLOAD_DIR=str(tmp_path), PYTHONPATH=str(ROOT))

    def post(port, key, values, changed=None):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("POST", "/_dash-update-component", json.dumps(callback_body(key, cmap[key], values, changed)),
                     {"Content-Type": "application/json", "Connection": "close"})
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        return resp.status, json.loads(data) if data else {}

    doc = json.loads((Path(ROOT) / "saved_genomes" / "swingup-authors.json").read_text())
    doc["name"] = "Worker test"
    contents = "data:application/json;base64," + base64.b64encode(json.dumps(doc).encode()).decode()
    pids = set()
    for round_ in range(2):
        port = free_port()
        proc, _ = start_app(port, [sys.executable, "-m", "gunicorn", "app:server", "--workers", "2",
                                   "--worker-class", "gthread", "--threads", "2", "--bind", f"127.0.0.1:{port}"],
                            env=env)
        try:
            if round_ == 0:
                status, answer = post(port, select, {"upload.contents": contents, "upload.filename": "w.json",
                                                     "upload-task.value": "auto", "uploads-store.data": {},
                                                     "url.pathname": "/"}, changed="upload.contents")
                assert status == 200
                uploads = answer["response"]["uploads-store"]["data"]
                key = next(iter(uploads))
            for i in range(12):
                request = {"genome": key, "seed": i % 3, "weight": 0.8, "base": "shared", "edits": {}}
                status, answer = post(port, episode, {"request-store.data": request, "uploads-store.data": uploads})
                payload = answer["response"]["episode-store"]["data"]
                assert status == 200 and "error" not in payload and payload["genome"] == key
                # Without the secret, nobody else can run it.
                status, answer = post(port, episode, {"request-store.data": request, "uploads-store.data": {}})
                assert "not available" in answer["response"]["episode-store"]["data"]["error"]
            pids.add(proc.pid)
        finally:
            stop(proc)
    assert len(pids) == 2  # two server lives: the upload outlived the first
