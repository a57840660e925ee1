"""The CarRacing task: a VAE file found by $WANN_VAE, lock-step episodes, action repeat, the checker."""

import json

import numpy as np
import pytest

from wann_viz import load_genome
from wann_viz.rollout import rollout
from wann_viz.tasks import carracing, registry
from wann_viz.tasks.check import check_task
from wann_viz.vae import model, weights

pytest.importorskip("gymnasium")


def encoder_params(seed=0):
    return model.random_params(seed, encoder_only=True)


@pytest.fixture()
def vae_file(tmp_path, monkeypatch):
    path = weights.save_vae(encoder_params(), tmp_path / "vae.npz", {"pipeline": "wann"})
    monkeypatch.setenv(carracing.VAE_ENV, str(path))
    return path


def test_without_a_vae_the_task_says_how_to_supply_one(monkeypatch, tmp_path):
    monkeypatch.delenv(carracing.VAE_ENV, raising=False)
    monkeypatch.setattr(carracing, "DATA_VAE", tmp_path / "none.npz")
    reason = registry.unavailable_reason("carracing")
    assert "VAE" in reason and "WANN_VAE" in reason


def test_the_task_passes_the_checker_with_a_vae(vae_file):
    task = registry.make_task("carracing", max_steps=12)
    report = check_task(task, steps=12)
    assert "actions" in report["checks"]


def test_episodes_encode_every_frame_and_repeat_actions(vae_file):
    task = carracing.CarRacingTask(max_steps=20)
    state, obs = task.reset([1, 2])
    assert obs.shape == (2, 16) and np.isfinite(obs).all()
    want = task.encode(state.pictures)
    np.testing.assert_allclose(obs, want)
    out = np.array([[0.3, 0.0, -1.0], [-2.0, 1.0, 0.5]])
    np.testing.assert_allclose(task.to_actions(out), [[0.3, 0.5, 0.0], [-1.0, 1.0, 0.5]])
    state, obs2, rewards, done = task.step(state, out)
    assert obs2.shape == (2, 16) and rewards.shape == (2,) and not done.any()
    assert not np.allclose(obs, obs2)  # the car moved: a new frame, a new code
    task.close(state)
    twice = carracing.CarRacingTask(max_steps=20, action_repeat=4)
    assert twice.max_steps == 5  # decisions; each holds its action for 4 frames
    s4, _ = twice.reset([1])
    for _ in range(5):
        s4, _, _, d4 = twice.step(s4, out[:1])
    assert d4.all() and s4.envs[0].t == pytest.approx(21 / 50)  # reset steps once, then 20 frames at 50 a second
    twice.close(s4)


def test_the_authors_racer_drives_through_the_one_episode_loop(tmp_path, monkeypatch):
    listed = weights.params_to_authors_list(encoder_params(1))
    assert len(listed) == 12  # an encoder-only authors' file
    path = tmp_path / "vae_16.json"
    path.write_text(json.dumps(listed))
    monkeypatch.setenv(carracing.VAE_ENV, str(path))
    task = registry.make_task("carracing", max_steps=30)
    assert task.pipeline == "authors"
    racer = load_genome("saved_genomes/carracing-authors.json")
    a = rollout(racer, task, [4], weight=1.0, record=False, engine="batch")
    b = rollout(racer, task, [4], weight=1.0, record=False, engine="batch")
    assert np.array_equal(np.asarray(a.returns), np.asarray(b.returns))  # the same seed, the same episode


def test_a_missing_vae_file_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv(carracing.VAE_ENV, str(tmp_path / "gone.npz"))
    reason = registry.unavailable_reason("carracing")
    assert "gone.npz" in reason and "does not exist" in reason


def test_a_racer_is_noted_when_the_installed_vae_is_not_the_one_it_reads(vae_file, tmp_path, monkeypatch):
    authors_racer = load_genome("saved_genomes/carracing-authors.json")
    note = registry.genome_note(authors_racer)
    assert "authors' VAE" in note and "WANN_VAE" in note  # this project's VAE is installed
    digest = carracing.vae_identity(vae_file)["sha256"]
    ours = authors_racer.with_changes(extra={"vae": {"file": "vae.npz", "sha256": digest}})
    assert registry.genome_note(ours) is None
    other = authors_racer.with_changes(extra={"vae": {"file": "old.npz", "sha256": "0" * 64}})
    assert "old.npz" in registry.genome_note(other) and "vae.npz" in registry.genome_note(other)
    # With the authors' format installed, the authors' racer is the one that drives.
    path = tmp_path / "vae_16.json"
    path.write_text(json.dumps(weights.params_to_authors_list(encoder_params(1))))
    monkeypatch.setenv(carracing.VAE_ENV, str(path))
    assert registry.genome_note(authors_racer) is None and "vae.npz" in registry.genome_note(ours)
    assert registry.genome_note(load_genome("saved_genomes/swingup-authors.json")) is None


def test_stored_results_are_keyed_by_the_installed_vae(tmp_path, monkeypatch):
    from wann_viz import reproduce
    from wann_viz.ui import analysis

    racer = load_genome("saved_genomes/carracing-evolved.json")
    settings = analysis.ProfileSettings(weights=(-1.5, 1.5), n_episodes=2, seed=0)
    keys = []
    for seed in (0, 1):
        path = weights.save_vae(encoder_params(seed), tmp_path / f"vae{seed}.npz", {"pipeline": "wann"})
        monkeypatch.setenv(carracing.VAE_ENV, str(path))
        got = registry.results_key("carracing")
        assert got == (carracing.vae_identity(path)["sha256"],)
        keys.append((analysis.profile_key(racer, settings), analysis.conditions_key(racer, 20, 0),
                     reproduce._key(racer, "carracing", 20, 0)))
    assert all(a != b for a, b in zip(*keys))  # another VAE: nothing measured with the first is reused
    assert registry.results_key("swingup") == ()  # a task fixed by its code keeps its old keys
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"not a VAE")
    monkeypatch.setenv(carracing.VAE_ENV, str(broken))
    assert registry.results_key("carracing") == (None,)  # a lookup never fails on an unreadable file
