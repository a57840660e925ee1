"""Property-based fuzzing: whatever the bytes, load only ever raises GenomeError."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wann_viz import Genome, GenomeError, parse_genome
from wann_viz.genome import genome_to_dict

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]
SAVED, GOLDEN = ROOT / "saved_genomes", ROOT / "tests" / "golden"

GOOD = json.loads((SAVED / "swingup-authors.json").read_text())
GOOD_OUT = "\n".join(
    ",".join(["0"] * 8 if r else ["0", "0", "0", "0", "0", "0", "1", "1"]) for r in range(7)
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=12,
)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _parse_or_genome_error(data, name):
    try:
        g = parse_genome(data, name)
    except GenomeError as exc:
        assert str(exc).startswith(name + ": ")
        return None
    assert isinstance(g, Genome)
    return g


@SETTINGS
@given(st.binary(max_size=400))
def test_random_bytes(data):
    _parse_or_genome_error(data, "fuzz.out")
    _parse_or_genome_error(data, "fuzz.json")


@SETTINGS
@given(st.sampled_from(sorted(GOOD) + ["nodes.n_in", "nodes.n_out", "nodes.activations",
                                          "nodes.input_labels", "connections.0", "connections.5.1"]),
       json_values)
def test_mutated_native_document(key, value):
    doc = json.loads(json.dumps(GOOD))
    parts = key.split(".")
    target = doc
    for p in parts[:-1]:
        target = target[int(p)] if isinstance(target, list) else target[p]
    last = parts[-1]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    g = _parse_or_genome_error(json.dumps(doc), "mutant.json")
    if g is not None:  # whatever was accepted must survive a round trip
        assert parse_genome(json.dumps(genome_to_dict(g)), "again.json") == g


@SETTINGS
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 7),
                          st.sampled_from(["0", "1", "nan", "-1.5e+00", "inf", "x", "", "12", "3.7"])),
                max_size=12),
       st.sampled_from(["swingup", "biped", None]))
def test_mutated_matrix(edits, task):
    rows = [r.split(",") for r in GOOD_OUT.split("\n")]
    for r, c, v in edits:
        rows[r][c] = v
    text = "\n".join(",".join(r) for r in rows)
    try:
        parse_genome(text, "m.out", task=task)
    except GenomeError:
        pass


@SETTINGS
@given(st.lists(st.tuples(st.integers(-2, 12), st.integers(-2, 12)), max_size=25),
       st.lists(st.integers(-1, 13), min_size=0, max_size=12))
def test_random_wiring(pairs, acts):
    doc = {"format": "wann-genome", "version": 1,
           "nodes": {"n_in": 2, "n_out": 2, "activations": acts},
           "connections": [list(p) for p in pairs]}
    _parse_or_genome_error(json.dumps(doc), "wiring.json")
