"""The Dask path: the same evaluation on a LocalCluster gives the same run."""

import numpy as np
import pytest

from wann_viz import load_genome
from wann_viz.search import engine
from wann_viz.search.algorithm import Search
from wann_viz.search.runner import run_search


distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                       dashboard_address=None)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def test_dask_evaluation_matches_local(client, tiny):
    s = tiny("swingup", population=6)
    genomes = [ind.to_genome("swingup") for ind in Search(s).population]
    args = ("swingup", genomes, [-1.0, 2.0], [1, 2], 40)
    dask_eval = engine.DaskEvaluator(client)
    assert np.array_equal(engine.evaluate_genomes(dask_eval, *args),
                          engine.evaluate_genomes(engine.LocalEvaluator(), *args))


def test_dask_runs_the_same_mnist_evaluation(client, tiny):
    """MNIST's compiled population pass gives the same fitness on the cluster's workers."""
    s = tiny("mnist", population=12)
    genomes = [ind.to_genome("mnist") for ind in Search(s).population]
    args = ("mnist", genomes, [-1.0, 0.5, 2.0], [3], 1, {"batch_size": 200})
    local = engine.evaluate_genomes(engine.LocalEvaluator(), *args)
    assert np.array_equal(engine.evaluate_genomes(engine.DaskEvaluator(client), *args), local)
    assert local.shape == (12, 3, 1) and np.isfinite(local).all()


def test_run_on_a_local_cluster_equals_a_local_run(client, tmp_path, tiny):
    s = tiny("swingup", population=6, generations=2)
    a = run_search(s, tmp_path / "dask", evaluator=engine.DaskEvaluator(client), progress=False)
    b = run_search(s, tmp_path / "local", progress=False)
    assert a.connections.tolist() == b.connections.tolist()
    assert a.extra["search"]["fitness"] == b.extra["search"]["fitness"]
    assert load_genome(tmp_path / "dask" / "champion.json") == a


def test_cli_scheduler_option(client, tmp_path, capsys):
    from wann_viz.cli import main

    settings = tmp_path / "s.json"
    settings.write_text('{"max_steps": 30, "episodes_per_weight": 1, "champion_episodes": 1}')
    rc = main(["search", "--task", "swingup", "--population", "4", "--generations", "2", "--quiet",
               "--settings", str(settings), "--scheduler", client.scheduler.address, "--out", str(tmp_path / "d")])
    assert rc == 0
    assert load_genome(tmp_path / "d" / "champion.json").task == "swingup"
