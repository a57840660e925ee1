"""Shareable view state: parsing falls back to defaults and says why."""

from pathlib import Path

import pytest

from wann_viz import load_genome

from wann_viz.ui.catalog import Catalog
from wann_viz.ui.url_state import (SEED_MAX, ViewState, format_query, format_weight, page_kind, parse_seed,
                                   parse_view, parse_weight)


@pytest.fixture(scope="module")
def catalog():
    return Catalog()


def test_empty_query_gives_default_view(catalog):
    state, notices = parse_view("", catalog)
    assert state == ViewState("swingup-authors", 0.8, 0, "swingup")  # its measured best shared weight
    assert notices == []
    assert parse_view(None, catalog) == (state, [])


def test_round_trip(catalog):
    for state in (ViewState("biped-authors", -1.2345, 17, "biped"), ViewState("swingup-authors", 7.5, SEED_MAX, "swingup"),
                  ViewState("carracing-authors", 0.0, 0, "carracing")):
        assert parse_view(format_query(state), catalog) == (state, [])


def test_panel_alone_picks_that_tasks_genome(catalog):
    state, notices = parse_view("?panel=biped", catalog)
    assert state.genome == "biped-authors" and state.panel == "biped" and state.weight == -1.5
    assert notices == []
    state, notices = parse_view("?panel=mnist", catalog)
    best = load_genome(Path(__file__).resolve().parents[2] / "saved_genomes" / "mnist-evolved.json").best_shared_weight
    assert state.panel == "mnist" and state.genome == "mnist-evolved" and state.weight == best
    assert notices == []


@pytest.mark.parametrize("query, words", [
    ("?genome=nope", "Unknown genome 'nope'"),
    ("?weight=99", "not a number from -10 to 10"),
    ("?weight=abc", "'abc'"),
    ("?weight=nan", "'nan'"),
    ("?weight=inf", "'inf'"),
    ("?seed=-3", "seed '-3'"),
    ("?seed=1.5", "seed '1.5'"),
    ("?seed=99999999999", "seed"),
    ("?panel=zzz", "Unknown panel 'zzz'"),
    ("?foo=1", "unknown link parameter 'foo'"),
    ("?seed=1&seed=2", "twice"),
])
def test_bad_parameters_fall_back_and_say_so(catalog, query, words):
    _, notices = parse_view(query, catalog)
    assert any(words in n for n in notices), notices


def test_bad_values_use_defaults(catalog):
    state, notices = parse_view("?genome=nope&weight=99&seed=-3&panel=zzz&foo=<script>", catalog)
    assert state == ViewState("swingup-authors", 0.8, 0, "swingup")
    assert len(notices) == 5


def test_panel_that_does_not_fit_the_genome(catalog):
    state, notices = parse_view("?genome=biped-authors&panel=swingup", catalog)
    assert state.panel == "biped" and "does not fit" in notices[0]


def test_unknown_genome_falls_back_to_the_panels_genome(catalog):
    state, notices = parse_view("?genome=zzz&panel=biped", catalog)
    assert state.genome == "biped-authors" and "BipedalWalker" in notices[0]


def test_long_query_is_ignored(catalog):
    state, notices = parse_view("?foo=" + "x" * 70_000, catalog)
    assert state == parse_view("", catalog)[0] and "too long" in notices[0]


def test_weight_and_seed_parsers():
    assert parse_weight("-1.23456") == -1.2346
    assert parse_weight(True) is None and parse_weight(None) is None and parse_weight("1e400") is None
    assert parse_weight(10) == 10.0 and parse_weight(10.01) is None
    assert parse_seed("12") == 12 and parse_seed(12.0) == 12 and parse_seed("1e3") is None
    assert parse_seed(-1) is None and parse_seed(SEED_MAX + 1) is None and parse_seed(False) is None
    assert format_weight(-1.5) == "-1.5" and format_weight(2.0) == "2" and format_weight(-0.0) == "0"
    # what a tampered browser store may hold (the fuzz test found the first: a 500 on the Compare panel)
    assert format_weight(10 ** 400) == format_weight("x") == format_weight(float("nan")) == format_weight(None) == "?"


def test_page_kind():
    assert page_kind("/") == ("main", [])
    assert page_kind("/embed") == ("embed", [])
    assert page_kind("/embed/") == ("embed", [])
    kind, notices = page_kind("/nowhere")
    assert kind == "main" and "no page" in notices[0]
