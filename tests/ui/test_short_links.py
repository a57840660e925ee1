"""Short links: views too long for a URL, stored under a content hash (wann_viz/ui/short_links.py)."""

from __future__ import annotations

import os

import pytest

from wann_viz.ui import callbacks_genome as cg
from wann_viz.ui.callbacks_url import make_short_link, view_link
from wann_viz.ui.catalog import Catalog
from wann_viz.ui.constants import LINK_MAX_CHARS
from wann_viz.ui.short_links import ViewStore
from wann_viz.ui.uploads import UploadStore
from wann_viz.ui.url_state import parse_view


@pytest.fixture
def catalog(tmp_path):
    return Catalog(uploads=UploadStore(tmp_path / "uploads"))


def test_the_same_view_gets_the_same_token_in_any_process(tmp_path):
    a, b = ViewStore(tmp_path), ViewStore(tmp_path)  # two workers on one folder
    token = a.add("?genome=swingup-authors&weight=0.8&seed=5")
    assert len(token) == 16 and b.add("?genome=swingup-authors&weight=0.8&seed=5") == token
    assert b.get(token) == "?genome=swingup-authors&weight=0.8&seed=5"
    assert b.get("0123456789abcdef") is None and b.get("../etc/passwd") is None and b.get(None) is None


def test_only_query_strings_of_bounded_length_are_kept(tmp_path):
    store = ViewStore(tmp_path)
    for bad in ("genome=x", "?" + "x" * 64_001, 7, None):
        with pytest.raises(ValueError):
            store.add(bad)


def test_capped_in_count_least_recently_opened_first(tmp_path):
    store = ViewStore(tmp_path, max_count=3)
    tokens = [store.add(f"?seed={i}") for i in range(3)]
    for i, t in enumerate(tokens):  # make the order of use unambiguous
        os.utime(tmp_path / f"{t}.txt", (1000 + i, 1000 + i))
    store.get(tokens[0])  # opened again: now the most recent
    newest = store.add("?seed=99")
    assert store.get(tokens[1]) is None  # the least recently opened went
    assert all(store.get(t) is not None for t in (tokens[0], tokens[2], newest))


def test_a_view_too_long_for_a_link_gets_a_short_one_that_reopens_it(catalog):
    # every connection of the biped champion with its own weight: too long for a URL
    g = catalog["biped-authors"].genome
    edits = {str(k): round(0.1234 + k / 1000, 4) for k in range(g.n_connections)}
    request = {"genome": "biped-authors", "seed": 2, "weight": -1.5, "base": "shared", "edits": edits}
    meta = {"key": "biped-authors", "task": "biped"}
    link = view_link(request, "biped", meta, None, None, "/", {}, None, catalog)
    assert link["too_long"] and len(link["query"]) > LINK_MAX_CHARS and "too long for a link" in link["note"]
    short = make_short_link(1, link, catalog)
    assert short["query"].startswith("?view=") and len(short["query"]) < 40
    state, notices = parse_view(short["query"], catalog)
    assert notices == [] and state.genome == "biped-authors" and state.seed == 2
    assert dict(state.edits) == {int(k): v for k, v in edits.items()}
    # the page opened from it holds those weights
    out = cg.select_genome("url", catalog=catalog, pathname="/", search=short["query"])
    assert out["weights"]["edits"] == edits


def test_an_unknown_short_link_says_so(catalog):
    state, notices = parse_view("?view=0123456789abcdef", catalog)
    assert state == parse_view("", catalog)[0] and "unknown to the server" in notices[0]


def test_a_short_view_keeps_a_plain_link(catalog):
    request = {"genome": "swingup-authors", "seed": 0, "weight": 1.2, "schedule": [[0, 0.8], [134, 1.2]]}
    link = view_link(request, "swingup", {"key": "swingup-authors", "task": "swingup"}, None, None, "/", {},
                     {"hide": ["seed", "bogus"], "mode": "projector"}, catalog)
    assert not link["too_long"]
    assert link["query"] == ("?genome=swingup-authors&weight=1.2&seed=0&panel=swingup&schedule=0:0.8,134:1.2"
                             "&hide=seed&mode=projector")
