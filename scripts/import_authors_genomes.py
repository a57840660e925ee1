"""Convert the authors' champions (.out + .wann.json) into native genomes.

Usage: python scripts/import_authors_genomes.py SOURCE_DIR [OUT_DIR]

SOURCE_DIR holds swing.out, biped.out, racer.out and their tuned-weight files
from google/brain-tokyo-workshop (WANNRelease). Run once by a maintainer; the
app and tests only read the results in saved_genomes/.
"""

from __future__ import annotations

import sys
from pathlib import Path


from wann_viz.genome import attach_tuned_weights, load_genome, save_genome

LICENCE = ("Apache License 2.0, Copyright Google LLC. From google/brain-tokyo-workshop "
           "(WANNRelease); see NOTICE in this project.")

CHAMPIONS = [
    # out file, tuned-weight file, task, shared weight (bias of the tuned file), native name, title, paper notes
    ("swing.out", "cartpole_swingup.wann.json", "swingup", -1.5, "swingup-authors",
     "CartPoleSwingUp champion (Gaier & Ha)",
     "Paper: random weights 57 +- 121, random shared weight 515 +- 58, tuned shared weight 723 +- 16, "
     "tuned weights 932 +- 6."),
    ("biped.out", "biped.wann.json", "biped", -1.87, "biped-authors",
     "BipedalWalker champion (Gaier & Ha)",
     "Paper (BipedalWalker-v2): random weights -46 +- 54, random shared weight 51 +- 108, tuned shared "
     "weight 261 +- 58, tuned weights 332 +- 1. Runs on Gymnasium's BipedalWalker-v3 here."),
    ("racer.out", "vae_racing.wann.json", "carracing", -0.7, "carracing-authors",
     "CarRacing champion (Gaier & Ha)",
     "Paper (CarRacing-v0): random weights -69 +- 31, random shared weight 375 +- 177, tuned shared "
     "weight 608 +- 161, tuned weights 893 +- 74. Reads 16 latent numbers of the authors' VAE (vae_16.json, "
     "published in google/brain-tokyo-workshop but not shipped here), so it drives the real game only with "
     "that VAE."),
]


def main(src: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for out_file, tuned_file, task, shared, name, title, notes in CHAMPIONS:
        genome = load_genome(src / out_file, task=task)
        genome = attach_tuned_weights(genome, src / tuned_file, shared)
        genome = genome.with_changes(
            name=title,
            source=f"google/brain-tokyo-workshop WANNRelease: {out_file} and {tuned_file}",
            licence=LICENCE,
            notes=notes,
        )
        # best_shared_weight stays unset: measure it with `python -m wann_viz evaluate FILE --record FILE`.
        save_genome(genome, out / f"{name}.json")
        print(f"wrote {out / (name + '.json')}: {genome}")


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    main(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) == 3 else Path("saved_genomes"))
