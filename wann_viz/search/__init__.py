"""The WANN topology search (Gaier & Ha 2019) and its run folders.

Modules:

* :mod:`.config`: per-task settings files and validation;
* :mod:`.genes`: the search's genome representation and variation operators;
* :mod:`.ranking`: non-dominated sorting and tournaments;
* :mod:`.block`: many genomes in one batched forward pass;
* :mod:`.engine`: evaluation in-process, on a process pool or on Dask;
* :mod:`.algorithm`: the generation loop and its state;
* :mod:`.runner`: run folders, checkpoints, resume, the champion;
* :mod:`.runs`: read-only run-folder API for the app (``list_runs``, ``open_run``);
* :mod:`.cli`: ``python -m wann_viz search``.

Only :mod:`.runs` is imported here, so that the app can list runs cheaply.
"""

from .runs import RunInfo, RunSummary, list_runs, open_run

__all__ = ["RunInfo", "RunSummary", "list_runs", "open_run"]
