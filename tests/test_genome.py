import json
from pathlib import Path

import pytest

from wann_viz import Genome, GenomeError, attach_tuned_weights, load_genome, parse_genome, save_genome
from wann_viz.genome import MAX_FILE_BYTES, genome_from_matrix_text

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]
SAVED, GOLDEN = ROOT / "saved_genomes", ROOT / "tests" / "golden"

BAD = Path(__file__).parent / "data" / "bad_genomes"

# Sizes from the reference README.
SIZES = {"swing": (29, 5, 22, 1, 52), "biped": (103, 24, 74, 4, 210), "racer": (106, 16, 86, 3, 245)}


@pytest.mark.parametrize("stem", sorted(SIZES))
def test_authors_champions_have_reference_sizes(authors_genomes, stem):
    g = authors_genomes[stem]
    assert (g.n_nodes, g.n_in, g.n_hidden, g.n_out, g.n_connections) == SIZES[stem]
    assert g.tuned_weights.shape == (g.n_connections,)
    assert "Apache" in g.licence and "Google" in g.licence
    assert g.source.startswith("google/brain-tokyo-workshop")


def test_shipped_champions_carry_measured_best_shared_weights(authors_genomes):
    # The authors' offsets of their tuned weights are kept as offsets, not as best weights.
    assert [authors_genomes[k].extra["tuned_weights_offset"] for k in ("swing", "biped", "racer")] == [-1.5, -1.87, -0.7]
    # The best shared weights are measured (evaluate --record): the swing-up's is +0.8, not the offset -1.5.
    for stem, best in (("swing", 0.8), ("biped", -1.5)):
        g = authors_genomes[stem]
        m = g.extra["best_shared_weight_measured"]
        assert g.best_shared_weight == best == m["weight"] and m["episodes"] == 100 and best in m["weights"]
    assert authors_genomes["racer"].best_shared_weight is None  # no VAE here: not measurable


def test_swing_labels_and_first_tuned_weight(authors_genomes):
    g = authors_genomes["swing"]
    assert g.input_labels == ("x", "x_dot", "cos(theta)", "sin(theta)", "theta_dot")
    assert g.output_labels == ("force",)
    # The authors' first param is -0.1783; the weight is param + shared weight -1.5.
    assert g.tuned_weights[0] == pytest.approx(-0.1783 - 1.5)
    assert g.extra["tuned_weights_score"]["mean"] == 932


def test_matrix_reading_on_hand_built_file(tmp_path):
    # 1 bias, 2 inputs, 1 hidden, 1 output: nan = disabled, 0 = absent.
    text = "\n".join([
        "0,0,0,0,nan,1",
        "0,0,0,2.5,0,1",
        "0,0,0,-1,3,1",
        "0,0,0,0,1e+00,5",
        "0,0,0,0,0,9",
    ])
    g = genome_from_matrix_text(text, n_in=2, n_out=1)
    assert g.connections.tolist() == [[1, 3], [2, 3], [2, 4], [3, 4]]
    assert g.activations.tolist() == [1, 1, 1, 5, 9]
    assert g.input_labels == ("inp_0", "inp_1")


def test_native_round_trip_keeps_everything(tmp_path, authors_genomes):
    for g in authors_genomes.values():
        path = tmp_path / "g.json"
        save_genome(g, path)
        assert load_genome(path) == g
        assert json.loads(path.read_text())["version"] == 1


def test_genome_is_immutable(authors_genomes):
    g = authors_genomes["swing"]
    with pytest.raises(ValueError):
        g.connections[0, 0] = 5
    with pytest.raises(ValueError):
        g.activations[10] = 3
    with pytest.raises(Exception):
        g.n_in = 3
    with pytest.raises(TypeError):
        g.extra["x"] = 1


def test_with_changes_validates():
    g = Genome(activations=[1, 1, 1], connections=[[1, 2]], n_in=1, n_out=1)
    with pytest.raises(GenomeError, match="loop|itself"):
        g.with_changes(connections=[[1, 2], [2, 2]])


def test_out_file_needs_a_task(tmp_path):
    path = tmp_path / "mystery.out"
    path.write_text("\n".join(",".join(["0"] * 7 + ["1"]) for _ in range(7)))
    with pytest.raises(GenomeError, match="mystery.out.*choose its task"):
        load_genome(path)
    assert load_genome(path, task="swingup").n_nodes == 7


def test_attach_tuned_weights_checks_length(tmp_path, authors_genomes):
    path = tmp_path / "w.wann.json"
    path.write_text(json.dumps([[0.1, 0.2], 10]))
    with pytest.raises(GenomeError, match="2 tuned weights.*52 connections"):
        attach_tuned_weights(authors_genomes["swing"], path, -1.5)


def test_size_cap(tmp_path):
    path = tmp_path / "huge.json"
    path.write_bytes(b" " * (MAX_FILE_BYTES + 1))
    with pytest.raises(GenomeError, match="huge.json.*limit"):
        load_genome(path)
    with pytest.raises(GenomeError, match="limit"):
        parse_genome(b"{" + b" " * MAX_FILE_BYTES, "up.json")


def test_missing_file_is_a_genome_error(tmp_path):
    with pytest.raises(GenomeError, match="nothing.json: cannot read"):
        load_genome(tmp_path / "nothing.json")


# Every file in the corpus must fail with GenomeError, naming the file and the problem.
CORPUS = {
    "empty.json": "empty",
    "not_json.json": "not valid JSON",
    "wrong_format.json": "not a WANN genome file",
    "future_version.json": "newer than this program",
    "unknown_field.json": "unknown field 'colour'",
    "unknown_activation.json": "unknown activation id 42",
    "cycle.json": "loop",
    "self_loop.json": "connected to itself",
    "into_input.json": "leads into input node 3",
    "from_output.json": "leaves output node 27",
    "missing_node.json": "does not exist",
    "duplicate_connection.json": "more than once",
    "float_node.json": "pair of node numbers",
    "bool_node.json": "pair of node numbers",
    "tuned_length.json": "51 tuned weights but 52 connections",
    "nan_weight.json": "NaN is not allowed",
    "task_mismatch.json": "needs 24 inputs",
    "unknown_task.json": "unknown task 'pong'",
    "labels_count.json": "exactly 5 input labels",
    "too_few_nodes.json": "needs at least 7",
    "top_list.json": "top level must be an object",
    "tuned_weight_file.json": "tuned-weight file",
    "string_version.json": '"version" must be a whole number',
    "extra_not_object.json": '"extra" must be an object',
    "deep_nesting.json": "nested too deeply",
    "swing_ragged.out": "row 2 has 2 values",
    "swing_text.out": "'abc' is not a number",
    "swing_small.out": "needs at least 7",
    "swing_cycle.out": "loop",
    "swing_bad_activation.out": "unknown activation id 77",
    "swing_inf.out": "infinite",
    "swing_nan_activation.out": "activation id (last column) is missing",
    "no_task.out": "choose its task",
    "binary.out": "not text",
}


def test_corpus_lists_every_file():
    assert sorted(CORPUS) == sorted(p.name for p in BAD.iterdir())


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_bad_file_gives_plain_genome_error(name):
    with pytest.raises(GenomeError) as info:
        load_genome(BAD / name)
    message = str(info.value)
    assert message.startswith(name + ": ")
    assert CORPUS[name] in message
    assert isinstance(info.value, ValueError)
    assert "Traceback" not in message and len(message) < 400


def test_genomes_cross_process_boundaries(authors_genomes):
    # Process pools and Dask pickle arguments; the genome travels as its JSON document.
    import pickle

    g = authors_genomes["biped"]
    assert pickle.loads(pickle.dumps(g)) == g
