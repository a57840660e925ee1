"""``python -m wann_viz``: the command line (see :mod:`wann_viz.cli`)."""

from .cli import main

raise SystemExit(main())
