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


def test_a_genome_tuned_in_stages_says_how_each_stage_ran():
    row = next(r for r in reproduce.rows() if r.genome == "biped-authors-retuned.json")
    line = reproduce._tuning_line(row)
    assert line.startswith("Tuned weights made here: 2 stages: (1) pycma CMA-ES (separable), from the shared "
                           "weight -1.5; 125 generations, 8 training episodes per candidate (seeds from 1,000,000")
    assert ("then (2) pycma CMA-ES (separable), fresh episodes each generation, the distribution mean handed back, "
            "from the tuned weights of the stage before; 40 generations") in line
    assert "new ones every generation, seeds from 10,000,000" in line
    assert line.endswith("(2) `python -m wann_viz tune STAGE1 --out OUT --generations 40 --episodes 8 --popsize 16 "
                         "--sigma 0.1 --seed 1 --fresh-episodes --from-tuned`.")
    one = reproduce._tuning_line(next(r for r in reproduce.rows() if r.genome == "swingup-evolved.json"))
    assert one.startswith("Tuned weights made here: pycma CMA-ES, fresh episodes each generation")
    assert "from the shared weight 1.0; 1500 generations, 4 training episodes" in one and "population 128" in one
    assert one.endswith("Command: `python -m wann_viz tune GENOME --out OUT --generations 1500 --episodes 4 "
                        "--popsize 128 --sigma 0.3 --seed 0 --fresh-episodes --start-weight 1`.")


def test_each_cma_stage_command_parses_back_to_the_settings_that_stage_recorded():
    import re
    import shlex

    from wann_viz.cli import build_parser
    from wann_viz.genome import load_genome

    checked = 0
    for row in reproduce.rows():
        stages = reproduce.tuning_stages(load_genome(reproduce.SAVED / row.genome).extra.get("tuning"))
        if not stages or "steps" in stages[0]["settings"]:
            continue
        commands = re.findall(r"`(python -m wann_viz tune [^`]+)`", reproduce._tuning_line(row))
        assert len(commands) == len(stages), row.genome
        for command, stage in zip(commands, stages):
            s = stage["settings"]
            args = build_parser().parse_args(shlex.split(command)[3:])
            assert (args.generations, args.episodes, args.seed, args.popsize, args.sigma) == (
                len(stage["history"]["generation"]), s["episodes"], s["seed"], s["popsize"], s["sigma0"])
            assert args.fresh_episodes == bool(s.get("fresh_episodes"))
            assert args.from_tuned == bool(s.get("start_tuned"))
            if not s.get("start_tuned"):
                assert args.start_weight == s["start_weight"]
            checked += 1
    assert checked >= 3  # the swing-up's one stage and the biped's two


def test_the_mnist_row_gives_the_exact_tuning_command_of_its_shipped_weights():
    line = reproduce._tuning_line(next(r for r in reproduce.rows() if r.genome == "mnist-evolved.json"))
    assert "surrogate gradient (sigmoid, tau 8)" in line and "cosine-decayed step size" in line
    assert ("`python -m wann_viz tune GENOME --out OUT --steps 12000 --batch 500 --lr 0.02 --seed 0 "
            "--step-surrogate 8`") in line


def test_carracing_rows_take_their_own_episode_count_unless_one_is_given():
    rows = reproduce.rows()
    racer = next(r for r in rows if r.task == "carracing")
    swing = next(r for r in rows if r.task == "swingup")
    assert (reproduce.row_episodes(racer, None), reproduce.row_episodes(swing, None)) == (20, 100)
    assert (reproduce.row_episodes(racer, 7), reproduce.row_episodes(swing, 7)) == (7, 7)
    text = reproduce.report([(swing, "x"), (racer, "y")], None, 0)
    assert "Each condition: 100 episodes (20 for carracing, where each episode costs more)" in text
    assert f"{racer.genome} --task carracing --episodes 20 --seed 0`" in text
    assert "Each condition: 7 episodes, episode i" in reproduce.report([(swing, "x"), (racer, "y")], 7, 0)


def test_a_row_measured_where_the_genome_cannot_behave_as_it_did_says_so():
    racer = next(r for r in reproduce.rows() if r.genome == "carracing-authors.json")
    result = {"conditions": {"tuned_weights": {"mean": -60.0, "sd": 7.0}}, "seconds": 3.0,
              "note": "This racer reads the latent code of the authors' VAE"}
    text = reproduce.report([(racer, result)], None, 0)
    assert "Measured in 3 s on this machine.\n\n**Note:** This racer reads the latent code of the authors' VAE" in text
    assert "**Note:**" not in reproduce.report([(racer, {**result, "note": None})], None, 0)


def test_a_gradient_stage_cut_short_gets_no_command():
    # its cosine step size spanned the steps asked for, so no --steps value would replay it
    done = {"settings": {"steps": 12000, "schedule": "cosine", "batch": 500, "lr": 0.02, "seed": 0,
                         "step_surrogate": 8.0}, "steps_done": 12000}
    assert reproduce._stage_command(done).endswith("--steps 12000 --batch 500 --lr 0.02 --seed 0 --step-surrogate 8")
    assert reproduce._stage_command(done | {"steps_done": 4000}) is None
