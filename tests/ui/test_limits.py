"""Bounded work: heavy genomes get a message, identical requests are computed once, rate limits."""

import threading
import time

import numpy as np
import pytest

from wann_viz.genome import Genome
from wann_viz.ui import episodes
from wann_viz.ui.callbacks_weights import network_view
from wann_viz.ui.catalog import Catalog
from wann_viz.ui.limits import MAX_DRAW_NODES, MAX_LIVE_NODES, RateLimiter
from wann_viz.ui.serving import CLIENT_COOKIE


def chain(n_hidden: int) -> Genome:
    """A swing-up genome with a long chain of hidden nodes."""
    n = 1 + 5 + n_hidden + 1
    conns = [(1, 6)] + [(6 + i, 7 + i) for i in range(n_hidden)]
    return Genome(activations=np.ones(n, int), connections=np.array(conns), n_in=5, n_out=1, task="swingup")


@pytest.fixture
def catalog(tmp_path):
    from wann_viz import save_genome

    save_genome(chain(MAX_LIVE_NODES + 10), tmp_path / "heavy.json")
    save_genome(chain(MAX_DRAW_NODES + 10), tmp_path / "huge.json")
    save_genome(chain(3), tmp_path / "light.json")
    return Catalog(tmp_path)


def test_a_heavy_genome_gets_its_message_at_once_and_can_still_be_drawn(catalog):
    t = time.perf_counter()
    payload = episodes.run_request({"genome": "heavy", "seed": 0, "weight": 1.0}, catalog)
    assert time.perf_counter() - t < 1.0
    assert payload["unsupported"] and "too large to run live" in payload["message"]
    figure = network_view({"genome": "heavy", "seed": 0, "weight": 1.0}, None, None, catalog)
    assert len(figure["data"]) > 1  # drawn
    huge = network_view({"genome": "huge", "seed": 0, "weight": 1.0}, None, None, catalog)
    assert "too large to draw" in str(huge["layout"])
    tail = episodes.run_tail({"id": "x", "complete": False, "steps": 5,
                              "request": {"genome": "heavy", "seed": 0, "weight": 1.0}}, catalog)
    assert "too large" in tail["error"]


def test_identical_concurrent_requests_are_computed_once(catalog, monkeypatch):
    episodes.clear_cache()
    calls = []
    real = episodes._run

    def counted(*args):
        calls.append(1)
        time.sleep(0.05)
        return real(*args)

    monkeypatch.setattr(episodes, "_run", counted)
    answers = []
    request = {"genome": "light", "seed": 5, "weight": 0.5}
    threads = [threading.Thread(target=lambda: answers.append(episodes.run_request(request, catalog)))
               for _ in range(12)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(calls) == 1 and len({a["final_return"] for a in answers}) == 1


def test_rate_limiter_buckets():
    limiter = RateLimiter(burst=3, per_second=1.0)
    assert [limiter.allow("a", now=0.0) for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("b", now=0.0)  # another browser has its own bucket
    assert limiter.allow("a", now=1.5) and not limiter.allow("a", now=1.5)


def test_the_server_answers_429_past_a_browsers_limit():
    from wann_viz.ui import create_app
    from wann_viz.ui.testing import callback_body

    app = create_app()
    client = app.server.test_client()
    key = next(k for k, v in app.callback_map.items() if v.get("callback") and "network-graph" in k)
    body = callback_body(key, app.callback_map[key], {})
    client.set_cookie(CLIENT_COOKIE, "one-browser-0001")
    codes = [client.post("/_dash-update-component", json=body).status_code for _ in range(80)]
    assert codes[:50] == [200] * 50 and 429 in codes
    client.set_cookie(CLIENT_COOKIE, "another-browser-02")
    assert client.post("/_dash-update-component", json=body).status_code == 200
