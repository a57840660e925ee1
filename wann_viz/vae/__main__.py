"""``python -m wann_viz.vae collect|train``: frames for the CarRacing VAE, and its training."""

from __future__ import annotations

import argparse
import sys

from ..cli import ProgressBar


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m wann_viz.vae", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="command", metavar="COMMAND", required=True)
    c = sub.add_parser("collect", help="record frames from random and steering-heuristic drives")
    c.add_argument("--out", required=True, help="folder for episode-SSSS.npz files (resumes)")
    c.add_argument("--episodes", type=int, default=60)
    c.add_argument("--frames", type=int, default=300, help="frames per drive (at most)")
    c.add_argument("--seed", type=int, default=0, help="first drive's seed")
    t = sub.add_parser("train", help="train the VAE with torch (optional extra)")
    t.add_argument("--frames", required=True, help="folder written by collect")
    t.add_argument("--out", required=True, help="encoder file, e.g. data/vae/carracing-vae16.npz")
    t.add_argument("--epochs", type=int)
    t.add_argument("--batch", type=int)
    t.add_argument("--lr", type=float)
    t.add_argument("--seed", type=int)
    t.add_argument("--resume", action="store_true", help="continue from the checkpoint beside --out")
    args = ap.parse_args(argv)
    if args.command == "collect":
        from .collect import collect

        if args.episodes < 1 or args.frames < 1:
            ap.error("--episodes and --frames must be at least 1")
        bar = ProgressBar("collect")
        bar.unit = "drives"
        files = collect(args.out, args.episodes, args.frames, args.seed, progress=bar)
        print(f"{len(files)} drives in {args.out}")
        return 0
    from .collect import load_frames
    from .train import train

    try:
        frames = load_frames(args.frames)
    except FileNotFoundError as exc:
        print(exc, file=sys.stderr)
        return 2
    settings = {k: getattr(args, k) for k in ("epochs", "batch", "lr", "seed") if getattr(args, k) is not None}
    bar = ProgressBar("train")
    bar.unit = "batches"
    result = train(frames, args.out, settings, resume=args.resume, progress=bar)
    print(f"trained {result['epochs']} epochs in {result['seconds']} s: validation loss "
          f"{result['validation_loss']:.1f}; wrote {', '.join(result['files'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
