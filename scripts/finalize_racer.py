"""Ship a CarRacing WANN evolved against this project's VAE: measure it, write saved_genomes/carracing-evolved.json.

Usage: python scripts/finalize_racer.py RUN_DIR [OUT] [--episodes 20] [--choice-episodes 4] [--only FILES]

Candidates are the run's champion.json (when the run has one) and its three
latest saved generation champions. Each is profiled over the shared weights
-2, -1.5, ..., 2 on *choice* episodes (seeds 1000, 1001, ...); the candidate
and weight with the best mean are kept. Only then is the genome measured on
the report's episodes (seeds 0, 1, ...), full 1,000-frame episodes with a
decision every frame (the paper's setting): the best shared weight, a random
shared weight U(-2, 2) per episode, and the weight profile. The metadata gets
the VAE the racer reads (file name and sha256), the run's settings and the
settings changes of its curriculum, and the measured returns.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from wann_viz import load_genome, save_genome
from wann_viz.cli import ProgressBar
from wann_viz.evaluate import run_episodes, weight_profile
from wann_viz.search.runs import open_run
from wann_viz.tasks.carracing import vae_identity, vae_path

GRID = [-2.0, -1.5, -1.0, -0.5, 0.5, 1.0, 1.5, 2.0]
CHOICE_SEED = 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("run", type=Path)
    ap.add_argument("out", type=Path, nargs="?", default=Path("saved_genomes/carracing-evolved.json"))
    ap.add_argument("--episodes", type=int, default=20, help="report episodes per condition (20)")
    ap.add_argument("--choice-episodes", type=int, default=4, help="choice episodes per weight and candidate (4)")
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--only", metavar="FILES",
                    help="the candidates instead, comma-separated file names in the run (e.g. champion.json,gen-000512.json)")
    args = ap.parse_args()

    run = open_run(args.run)
    paths = ([args.run / "champion.json"] if (args.run / "champion.json").is_file() else []) + \
        sorted((args.run / "generations").glob("gen-*.json"))[-3:]
    if args.only:
        paths = [args.run / name if name == "champion.json" else args.run / "generations" / name
                 for name in args.only.split(",")]
    best = None
    for path in paths:
        g = load_genome(path)
        means = np.array([p["mean"] for p in weight_profile(
            g, GRID, args.choice_episodes, CHOICE_SEED, task_name="carracing", processes=args.processes,
            progress=ProgressBar(f"choosing: {path.name}"))])
        i = int(np.argmax(means))
        print(f"{path.name}: best w = {GRID[i]:+.1f}, mean {means[i]:.1f} on choice episodes "
              f"(profile {np.round(means, 0).tolist()})")
        if best is None or means[i] > best[0]:
            best = (float(means[i]), path, g, GRID[i])
    _, path, genome, weight = best

    seeds = np.arange(args.episodes)
    rng = np.random.default_rng(0)
    random_w = rng.uniform(-2.0, 2.0, len(seeds))
    # The best weight and the random weights in one job (one process pool), then the profile.
    both = run_episodes(genome, "carracing", np.tile(seeds, 2), weights=np.concatenate([np.full(len(seeds), weight),
                        random_w]), processes=args.processes, progress=ProgressBar("report: best and random weight"))
    at_best, at_random = both[: len(seeds)], both[len(seeds):]
    n_profile = max(1, args.episodes // 2)
    grid = weight_profile(genome, GRID, n_profile, 0, task_name="carracing", processes=args.processes,
                          progress=ProgressBar("report: profile"))

    vae = vae_path()
    identity = vae_identity(vae)
    digest = identity["sha256"]
    changes = args.run / "changes.json"
    score = {
        "episodes": int(len(seeds)), "seeds": f"0..{len(seeds) - 1}", "frames": 1000, "action_repeat": 1,
        "best_shared_weight": {"weight": weight, "mean": float(np.mean(at_best)), "sd": float(np.std(at_best)),
                               "returns": [round(float(r), 2) for r in at_best]},
        "random_shared_weight": {"mean": float(np.mean(at_random)), "sd": float(np.std(at_random)),
                                 "weights": [round(float(v), 4) for v in random_w]},
        "profile": [{**p, "episodes": n_profile} for p in grid],
        "chosen_on": f"{args.choice_episodes} episodes per weight, seeds {CHOICE_SEED}.., candidates "
                     + ", ".join(p.name for p in paths),
        "command": "python scripts/finalize_racer.py " + str(args.run),
    }
    extra = dict(genome.extra)
    extra["score"] = score
    extra["best_shared_weight_measured"] = {  # what the explorer's genome card quotes
        "weight": weight, "mean": round(score["best_shared_weight"]["mean"], 2),
        "sd": round(score["best_shared_weight"]["sd"], 2), "episodes": int(len(seeds)),
        "seeds": score["seeds"], "weights": GRID, "command": score["command"]}
    extra["vae"] = {"file": identity["file"], "sha256": digest}
    extra["chosen_from"] = path.name
    if changes.is_file():
        extra["curriculum"] = json.loads(changes.read_text("utf-8"))["changes"]
    s = run.settings
    genome = genome.with_changes(
        name="CarRacing WANN evolved by WANN Explorer",
        source=(f"WANN Explorer's own search (python -m wann_viz search --task carracing), run {args.run.name}: "
                f"{run.generation} generations of {s.get('population')} genomes, weights {s.get('weights')}, "
                f"{s.get('max_steps')} frames, action_repeat {s.get('action_repeat')}, against this project's "
                f"VAE ({Path(vae).name})"),
        licence="Genome: evolved by WANN Explorer's own search (same licence as the project).",
        notes=(f"Reads the 16 latent means of this project's VAE (data/vae/, sha256 {digest[:12]}...): it drives "
               f"with that VAE, not with the authors' vae_16.json. Over {len(seeds)} full episodes: "
               f"{score['best_shared_weight']['mean']:.0f} +- {score['best_shared_weight']['sd']:.0f} at w = "
               f"{weight:+.1f}, {score['random_shared_weight']['mean']:.0f} +- "
               f"{score['random_shared_weight']['sd']:.0f} at a random shared weight. Paper (authors' VAE, "
               "CarRacing-v0): 608 +- 161 and 375 +- 177."),
        best_shared_weight=weight,
        extra=extra,
    )
    save_genome(genome, args.out)
    print(json.dumps({k: score[k] for k in ("best_shared_weight", "random_shared_weight")}, indent=1)[:800])
    print(f"-> {args.out}")


if __name__ == "__main__":
    main()
