"""Light-weight task descriptions: names, labels and sizes.

Kept free of heavy imports (gymnasium, pillow) so that the genome loader can
label an authors' ``.out`` file without starting a physics engine.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TaskSpec:
    """Static facts about a task.

    Attributes:
        name: registry key, e.g. ``"swingup"``.
        title: human-readable name.
        input_labels: one label per network input, length ``n_in``.
        output_labels: one label per network output, length ``n_out``.
        max_steps: episode length limit (1 for MNIST).
        module: dotted module path that holds the task class.
    """

    name: str
    title: str
    input_labels: tuple[str, ...]
    output_labels: tuple[str, ...]
    max_steps: int
    module: str

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

TASK_SPECS: dict[str, TaskSpec] = {
    spec.name: spec
    for spec in (
        TaskSpec(
            "swingup", "CartPoleSwingUp",
            ("x", "x_dot", "cos(theta)", "sin(theta)", "theta_dot"), ("force",),
            1000, "wann_viz.tasks.swingup",
        ),
        TaskSpec(
            "biped", "BipedalWalker",
            _BIPED_INPUTS, ("hip_1", "knee_1", "hip_2", "knee_2"),
            1600, "wann_viz.tasks.biped",
        ),
        TaskSpec(
            "carracing", "CarRacing",
            tuple(f"latent{i:02d}" for i in range(1, 17)), ("steer", "gas", "brakes"),
            1000, "wann_viz.tasks.carracing",
        ),
        TaskSpec(
            "mnist", "MNIST (16x16)",
            tuple(f"pixel {i}" for i in range(256)), tuple(f"digit {d}" for d in range(10)),
            1, "wann_viz.tasks.mnist",
        ),
    )
}


def get_spec(name: str) -> TaskSpec:
    """Return the spec of a task by name; ``KeyError`` names the known tasks."""
    try:
        return TASK_SPECS[name]
    except KeyError:
        known = ", ".join(sorted(TASK_SPECS))
        raise KeyError(f"unknown task {name!r}; known tasks: {known}") from None
