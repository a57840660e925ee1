"""What a task declares about itself: :class:`TaskSpec`, and the specs of the built-in tasks.

Kept free of heavy imports (gymnasium, pillow) so that the genome loader can
label an authors' ``.out`` file without starting a physics engine. Callers
outside :mod:`wann_viz.tasks` read these facts instead of testing a task's
name: whether it runs live, how the player draws it, its default weights and
search settings, the paper's figures.

The built-in tasks are listed here (:data:`BUILTIN_SPECS`) and imported on
first use through their ``entry_point``; the registry
(:mod:`wann_viz.tasks.registry`) holds them with the tasks that
:func:`wann_viz.tasks.register` and installed packages add.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

# Panel kinds of the explorer: a live episode player, or MNIST's digit panel.
EPISODE_PANEL = "episode"
DIGITS_PANEL = "digits"
PANEL_KINDS = (EPISODE_PANEL, DIGITS_PANEL)
SCORES = ("return", "accuracy")  # what a task's profile measures (TaskSpec.score)
# The default sweep of the shared weight for tasks that name none.
DEFAULT_WEIGHTS = (-2.0, -1.5, -1.0, -0.5, 0.5, 1.0, 1.5, 2.0)
FINE_WEIGHTS = tuple(float(round(-2.0 + 0.1 * i, 10)) for i in range(41))  # -2 .. 2 by 0.1


def _frozen(mapping: Mapping | None) -> Mapping:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True, eq=False)
class TaskSpec:
    """Static facts about a task.

    Attributes:
        name: registry key, e.g. ``"swingup"``.
        title: human-readable name.
        input_labels: one label per network input, length ``n_in``.
        output_labels: one label per network output, length ``n_out``.
        max_steps: episode length limit (1 for MNIST).
        entry_point: ``"module:Class"`` of the task class, imported on first use
            (``None`` for a class registered directly).
        panel_title: the explorer's tab label (default: ``title``).
        live: episodes can be run and animated in the explorer.
        vectorized: the physics is numpy over the batch: evaluation runs every
            episode in one process, with no lock-step cap and no process pool.
        renderer: name of the browser renderer in ``assets/wann_player.js``
            (``None``: the generic one, which plots observations and actions over time).
        panel: the explorer's panel kind, :data:`EPISODE_PANEL` or :data:`DIGITS_PANEL`.
        preview: name of the browser's own copy of the task in ``assets/wann_preview.js``
            (``None``: none). With one, the explorer replays the episode in the browser
            while the weight slider is dragged (see :meth:`Task.preview_setup`).
        first_chunk: steps in the first part of a long episode sent to the
            browser (the rest follows); ``None`` sends whole episodes.
        default_weights: the shared-weight sweep of ``evaluate`` and the weight profile.
        search_settings: defaults of the search (over ``settings/common.json``
            and ``settings/NAME.json`` when that file exists).
        search_options: setting keys only this task takes (MNIST's ``batch_size``).
        task_settings: those of them the search hands to the task's constructor
            (CarRacing's ``action_repeat``); the others go to ``population_fitness``.
        paper_results: the paper's table, condition -> (mean, sd or None).
        paper_note: one line printed under the table (units, version differences).
        live_note: what the explorer says instead of an episode when ``live`` is False.
        unavailable_note: why the task may be missing from an installation.
        file_hints: words in an authors' ``.out`` file name that mean this task.
        listed: the explorer gives the task a panel (a variant of another task may not need one).
        score: what a profile and the conditions measure: ``"return"`` (episode return) or
            ``"accuracy"`` (a fraction in [0, 1], shown in percent).
        code_results: figures measured with the authors' own code on their champion,
            condition -> text (quoted by ``python -m wann_viz reproduce``; not re-run here).
        variant_of: the task this one is a variant of (``biped-v2`` of ``biped``): the
            reproduction report measures a genome of that task on its variants too.
        report_episodes: episodes per condition in the reproduction report when its command is
            not given ``--episodes`` (``None``: 100, the paper's count).
    """

    name: str
    title: str
    input_labels: tuple[str, ...]
    output_labels: tuple[str, ...]
    max_steps: int
    entry_point: str | None = None
    panel_title: str = ""
    live: bool = True
    vectorized: bool = False
    renderer: str | None = None
    preview: str | None = None
    panel: str = EPISODE_PANEL
    first_chunk: int | None = None
    default_weights: tuple[float, ...] = DEFAULT_WEIGHTS
    search_settings: Mapping = field(default_factory=dict)
    search_options: tuple[str, ...] = ()
    task_settings: tuple[str, ...] = ()
    paper_results: Mapping = field(default_factory=dict)
    paper_note: str = ""
    live_note: str = ""
    unavailable_note: str = ""
    file_hints: tuple[str, ...] = ()
    listed: bool = True
    score: str = "return"
    code_results: Mapping = field(default_factory=dict)
    variant_of: str | None = None
    report_episodes: int | None = None

    def __post_init__(self):
        if not self.name or not self.name.replace("_", "").replace("-", "").isalnum():
            raise ValueError(f"a task name uses letters, digits, _ and - only, got {self.name!r}")
        if not self.input_labels or not self.output_labels:
            raise ValueError(f"task {self.name!r}: give at least one input and one output label")
        if int(self.max_steps) < 1:
            raise ValueError(f"task {self.name!r}: max_steps must be at least 1")
        if self.score not in SCORES:
            raise ValueError(f"task {self.name!r}: score must be one of {', '.join(SCORES)}")
        if self.panel not in PANEL_KINDS:
            raise ValueError(f"task {self.name!r}: panel must be one of {', '.join(PANEL_KINDS)}")
        if not self.default_weights or not all(math.isfinite(w) for w in self.default_weights):
            raise ValueError(f"task {self.name!r}: default_weights must be finite numbers")
        object.__setattr__(self, "input_labels", tuple(self.input_labels))
        object.__setattr__(self, "output_labels", tuple(self.output_labels))
        object.__setattr__(self, "default_weights", tuple(float(w) for w in self.default_weights))
        object.__setattr__(self, "search_settings", _frozen(self.search_settings))
        object.__setattr__(self, "paper_results", _frozen(self.paper_results))
        object.__setattr__(self, "code_results", _frozen(self.code_results))
        if not self.panel_title:
            object.__setattr__(self, "panel_title", self.title)

    @property
    def n_in(self) -> int:
        return len(self.input_labels)

    @property
    def n_out(self) -> int:
        return len(self.output_labels)


_BIPED_INPUTS = (
    "hull_angle", "hull_vel_angle", "vel_x", "vel_y",
    "hip1_angle", "hip1_speed", "knee1_angle", "knee1_speed", "leg1_contact",
    "hip2_angle", "hip2_speed", "knee2_angle", "knee2_speed", "leg2_contact",
) + tuple(f"lidar_{i}" for i in range(10))

BUILTIN_SPECS: tuple[TaskSpec, ...] = (
    TaskSpec(
        "swingup", "CartPoleSwingUp",
        ("x", "x_dot", "cos(theta)", "sin(theta)", "theta_dot"), ("force",), 1000,
        entry_point="wann_viz.tasks.swingup:SwingUpTask", panel_title="Swing-up",
        vectorized=True, renderer="swingup", preview="swingup", default_weights=FINE_WEIGHTS,
        paper_results={"random_weights": (57, 121), "random_shared_weight": (515, 58),
                       "tuned_shared_weight": (723, 16), "tuned_weights": (932, 6)},
        file_hints=("swing", "cartpole"),
        code_results={"random_shared_weight": "519 ± 241 (100 episodes)",
                      "tuned_shared_weight": "630 ± 147 at w = −1.5 (100 episodes); 727 at w = −1 (20 episodes)",
                      "tuned_weights": "932 ± 6 (their tuned weights)"},
    ),
    TaskSpec(
        "biped", "BipedalWalker", _BIPED_INPUTS, ("hip_1", "knee_1", "hip_2", "knee_2"), 1600,
        entry_point="wann_viz.tasks.biped:BipedTask", panel_title="Biped walker",
        renderer="biped", first_chunk=200,  # ~0.1 s of simulation, several seconds of playback
        paper_results={"random_weights": (-46, 54), "random_shared_weight": (51, 108),
                       "tuned_shared_weight": (261, 58), "tuned_weights": (332, 1)},
        paper_note="(paper: BipedalWalker-v2; this run: Gymnasium BipedalWalker-v3)",
        file_hints=("biped", "walker"),
        code_results={"tuned_shared_weight": "284 at w = −2, 272 at w = −1.5 (Gymnasium v3, 8 episodes each)",
                      "tuned_weights": "332 ± 1 (their tuned weights)"},
    ),
    TaskSpec(
        "biped-v2", "BipedalWalker (gym v2 lidar)", _BIPED_INPUTS, ("hip_1", "knee_1", "hip_2", "knee_2"), 1600,
        entry_point="wann_viz.tasks.biped:BipedV2LidarTask", panel_title="Biped (v2 lidar)", listed=False,
        renderer="biped", first_chunk=200,
        paper_results={"random_weights": (-46, 54), "random_shared_weight": (51, 108),
                       "tuned_shared_weight": (261, 58), "tuned_weights": (332, 1)},
        paper_note="(paper: BipedalWalker-v2; this run: Gymnasium BipedalWalker-v3 with v2's lidar)",
        variant_of="biped",
        code_results={"tuned_weights": "332 ± 1 (their tuned weights)"},
    ),
    TaskSpec(
        "carracing", "CarRacing", tuple(f"latent{i:02d}" for i in range(1, 17)), ("steer", "gas", "brakes"), 1000,
        entry_point="wann_viz.tasks.carracing:CarRacingTask", panel_title="Car racing",
        renderer="carracing", first_chunk=200,
        search_options=("action_repeat",), task_settings=("action_repeat",),
        # 100 episodes x 4 conditions is about 40 min of CPU per genome here; the targets use 20.
        report_episodes=20,
        paper_results={"random_weights": (-69, 31), "random_shared_weight": (375, 177),
                       "tuned_shared_weight": (608, 161), "tuned_weights": (893, 74)},
        unavailable_note=(
            "CarRacing genomes read the 16-number latent code (mu) of a VAE that encodes each camera "
            "frame. The authors published theirs (vae_16.json in google/brain-tokyo-workshop, "
            "WANNRelease/vae/); it does not ship here. Without a VAE file the racer can be drawn and "
            "inspected but not driven."
        ),
        file_hints=("racer", "racing"),
    ),
    TaskSpec(
        "mnist", "MNIST (16x16)", tuple(f"pixel {i}" for i in range(256)), tuple(f"digit {d}" for d in range(10)), 1,
        entry_point="wann_viz.tasks.mnist:MnistTask", panel_title="MNIST", live=False, vectorized=True,
        panel=DIGITS_PANEL, default_weights=FINE_WEIGHTS, search_options=("batch_size",), score="accuracy",
        # Test accuracy in percent; the paper gives no random-weights figure.
        paper_results={"random_shared_weight": (82.0, 18.7), "tuned_shared_weight": (91.9, None),
                       "tuned_weights": (94.2, None), "ensemble": (91.6, None)},
        paper_note="(paper figures are test accuracy in percent)",
        live_note=(
            "A classifier has no episode to animate: the MNIST panel shows which pixels reach each digit, the "
            "accuracy at each weight and single test images."
        ),
        file_hints=("mnist",),
    ),
)
