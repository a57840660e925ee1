"""Every server callback, posted random and mutated bodies through the real app: never a 500."""

from __future__ import annotations

import json
import secrets
import tracemalloc

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wann_viz.ui import create_app
from wann_viz.ui.testing import callback_body, server_callbacks

# Realistic values of the components the callbacks read (as a browser sends them).
BASE = {
    "url.pathname": "/", "url.search": "?genome=swingup-authors&panel=swingup",
    "genome-picker.value": "swingup-authors", "panel-tabs.value": "swingup", "upload.contents": None,
    "upload.filename": None, "upload-task.value": "auto", "uploads-store.data": {},
    "genome-meta.data": {"key": "swingup-authors", "task": "swingup", "name": "x", "n_nodes": 29,
                         "n_connections": 52, "has_tuned": True, "best_shared_weight": -1.5, "live": True},
    "weights-store.data": {"genome": "swingup-authors", "base": "shared", "edits": {}},
    "mnist-digit.value": "all", "mnist-index.data": 0, "mnist-image-input.value": "0",
    "request-store.data": {"genome": "swingup-authors", "seed": 0, "weight": -1.5, "base": "shared", "edits": {},
                           "schedule": None, "start_frame": 0, "autoplay": True, "nonce": 1},
    "edge-picker.value": None, "figure-request.data": None, "selected-edge.data": None,
    "tail-request.data": {"id": "cd859559fcfab2e3", "request": {"genome": "biped-authors", "seed": 0,
                          "weight": -1.87, "schedule": None, "base": "shared", "edits": {}}, "steps": 200,
                          "complete": False},
    "network-graph.clickData": {"points": [{"customdata": "edge:3"}]}, "edge-weight.value": 0.5,
    "edge-weight.n_submit": 1,
}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**400, 10**400) | st.floats(allow_nan=True)
    | st.text(max_size=30) | st.sampled_from(["swingup-authors", "mnist-evolved", "upload-1234", "edge:1", "all"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@pytest.fixture(scope="module")
def app():
    return create_app()


def _post(client, body) -> int:
    data = json.dumps(body, allow_nan=True)
    client.set_cookie("wann_client", secrets.token_hex(8))  # a fresh browser: rate limits are tested apart
    return client.post("/_dash-update-component", data=data, content_type="application/json",
                       environ_base={"REMOTE_ADDR": f"10.0.{secrets.randbelow(250)}.{secrets.randbelow(250)}"}
                       ).status_code


def test_every_server_callback_answers_its_realistic_body(app):
    client = app.server.test_client()
    callbacks = server_callbacks(app)
    assert len(callbacks) >= 15
    for key, cb in callbacks:
        assert _post(client, callback_body(key, cb, BASE)) in (200, 204), key


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_bodies_never_get_a_500(app, data):
    client = app.server.test_client()
    callbacks = server_callbacks(app)
    key, cb = data.draw(st.sampled_from(callbacks))
    body = callback_body(key, cb, BASE)
    slots = [("inputs", i) for i in range(len(body["inputs"]))] + [("state", i) for i in range(len(body["state"]))]
    for _ in range(data.draw(st.integers(1, 3))):
        part, i = data.draw(st.sampled_from(slots))
        item = body[part][i]
        target = item[0] if isinstance(item, list) else item
        base = target["value"]
        if isinstance(base, dict) and base and data.draw(st.booleans()):
            field = data.draw(st.sampled_from(sorted(base)))
            target["value"] = {**base, field: data.draw(json_values)}
        else:
            target["value"] = data.draw(json_values)
    if data.draw(st.integers(0, 3)) == 0:  # sometimes the body's own structure is wrong
        field = data.draw(st.sampled_from(["output", "outputs", "inputs", "state", "changedPropIds"]))
        if data.draw(st.booleans()):
            body.pop(field)
        else:
            body[field] = data.draw(json_values)
    status = _post(client, body)
    assert status < 500, (key, body)


def test_memory_stays_flat_over_repeated_bad_requests(app):
    client = app.server.test_client()
    callbacks = dict(server_callbacks(app))
    key = next(k for k in callbacks if "episode-store" in k)
    bad = callback_body(key, callbacks[key], BASE)
    bad["inputs"][0]["value"] = {**BASE["request-store.data"], "weight": 10**400, "edits": [1, 2]}
    for _ in range(20):
        _post(client, bad)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for _ in range(200):
        assert _post(client, bad) < 500
    grown = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert grown < 2_000_000, grown


HUGE = 10**400


@pytest.mark.parametrize("change", [{"weight": HUGE}, {"seed": HUGE}, {"schedule": [[0, HUGE]]},
                                    {"schedule": [[HUGE, 1.0]]}, {"edits": [1, 2]}, {"edits": {"1": HUGE}},
                                    {"start_frame": HUGE}, {"nonce": HUGE}])
def test_the_reported_500s_are_messages_now(app, change):
    client = app.server.test_client()
    callbacks = dict(server_callbacks(app))
    key = next(k for k in callbacks if "episode-store" in k)
    body = callback_body(key, callbacks[key], BASE)
    body["inputs"][0]["value"] = {**BASE["request-store.data"], **change}
    assert _post(client, body) == 200


@pytest.mark.parametrize("tail", [None, 5, [1], "x", {"complete": False, "request": None, "steps": 3},
                                  {"complete": False, "request": [1], "steps": HUGE}])
def test_malformed_tail_requests(app, tail):
    client = app.server.test_client()
    body = callback_body("tail-store.data", app.callback_map["tail-store.data"], BASE)
    body["inputs"][0]["value"] = tail
    assert _post(client, body) in (200, 204)


def test_huge_numbers_in_an_uploaded_file_are_a_genome_error():
    import wann_viz
    from wann_viz.genome import GenomeError, genome_to_json, parse_genome

    text = genome_to_json(wann_viz.load_genome("saved_genomes/swingup-authors.json"))
    for field in ('"best_shared_weight": 0.8', '"n_in": 5'):
        assert field in text
        with pytest.raises(GenomeError):
            parse_genome(text.replace(field, field.split(":")[0] + ": " + str(HUGE)), "big.json")
