"""The reproduction report: rows from the saved genomes and their tasks' variants, cells beside the paper."""

from wann_viz import reproduce


def test_every_saved_genome_has_a_row_and_the_biped_runs_on_both_walkers():
    rows = reproduce.rows()
    by_genome = {}
    for r in rows:
        by_genome.setdefault(r.genome, []).append(r.task)
    assert by_genome["biped-authors.json"] == ["biped", "biped-v2"]
    assert by_genome["swingup-authors.json"] == ["swingup"]
    assert {"mnist-evolved.json", "carracing-authors.json"} <= set(by_genome)
    assert all(r.authors == ("authors" in r.genome) for r in rows)


def test_the_report_sets_ours_beside_the_paper_and_the_authors_code():
    row = next(r for r in reproduce.rows() if r.genome == "swingup-authors.json")
    result = {"conditions": {"random_weights": {"mean": 68.2, "sd": 138.4},
                             "random_shared_weight": {"mean": 520.0, "sd": 234.2},
                             "tuned_shared_weight": {"mean": 708.8, "sd": 15.6, "weight": 0.8},
                             "tuned_weights": {"mean": 920.3, "sd": 88.9}}, "seconds": 1.0}
    text = reproduce.report([(row, result), (row, "its module is missing")], 100, 0)
    assert "| tuned shared weight | 723 ± 16 | 630 ± 147 at w = −1.5" in text
    assert "| 709 ± 16 (w = 0.8) |" in text
    assert "Not run here: its module is missing" in text
    assert "--episodes 100 --seed 0" in text
