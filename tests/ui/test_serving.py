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


def test_the_dev_server_names_no_versions():
    from werkzeug.serving import WSGIRequestHandler

    quiet_dev_server()
    assert WSGIRequestHandler.server_version == SERVER_NAME and WSGIRequestHandler.sys_version == ""
