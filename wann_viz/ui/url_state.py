"""Shareable view state in the URL: parse and format, with no dash import.

A view is ``genome`` (a saved genome's key), ``weight`` (shared weight),
``seed`` (episode seed) and ``panel`` (the task panel); on the MNIST panel
also ``digit`` (``0`` .. ``9`` or ``all``, the digit selector) and ``image``
(the test image shown, 0 .. 9999). ``/`` shows the full
explorer and ``/embed`` one panel without page chrome. Any parameter that is
unknown, malformed or out of range falls back to its default, and the parser
returns a sentence saying so for the page.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from ..tasks.registry import find_spec
from ..tasks.specs import DIGITS_PANEL
from .catalog import Catalog, panel_title, panels
from .uploads import is_upload_key
from .constants import (  # noqa: F401  (re-exported: the URL's ranges)
    EMBED_PATH, SEED_MAX, SLIDER_MAX, SLIDER_MIN, URL_KEYS, WEIGHT_DECIMALS, WEIGHT_MAX, WEIGHT_MIN,
)

DEFAULT_WEIGHT = 1.0  # for genomes without a best shared weight
DEFAULT_SEED = 0
MAX_QUERY_CHARS = 2000
PARAMS = URL_KEYS
DIGITS = ("all",) + tuple(str(d) for d in range(10))  # the MNIST digit selector's values
IMAGE_MAX = 9_999  # MNIST test images are 0 .. 9999
_SEED_RE = re.compile(r"^\s*\+?\d{1,10}\s*$")
_SHARE_RE = re.compile(r"^[A-Za-z0-9_\-]{8,64}$")


@dataclass(frozen=True)
class ViewState:
    """What a link reopens.

    Attributes:
        genome: saved genome key, or ``None`` when there is no genome at all.
        weight: shared weight, rounded to ``WEIGHT_DECIMALS``.
        seed: episode seed in ``[0, SEED_MAX]``.
        panel: a task name (one panel per registered task).
        digit: MNIST panel only: one of ``DIGITS``, or ``None`` (the default, all digits).
        image: MNIST panel only: test image number, or ``None`` (the default, image 0).
        share: the share token of an uploaded genome (``genome`` is then its ``upload-`` key).
    """

    genome: str | None
    weight: float
    seed: int
    panel: str
    digit: str | None = None
    image: int | None = None
    share: str | None = None


def _short(text: str, n: int = 40) -> str:
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text if len(text) <= n else text[: n - 1] + "…"


def round_weight(w: float) -> float:
    """Weights are kept to ``WEIGHT_DECIMALS`` so that links round-trip exactly."""
    return round(float(w), WEIGHT_DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0


def format_weight(w: float) -> str:
    """Short text of a weight: ``-1.5``, ``0.25``, ``2``."""
    text = f"{round_weight(w):.{WEIGHT_DECIMALS}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def parse_weight(value, lo: float = WEIGHT_MIN, hi: float = WEIGHT_MAX) -> float | None:
    """A finite number in ``[lo, hi]`` (rounded), else ``None``. Accepts numbers or text."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        if len(value) > 40:
            return None
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if not isinstance(value, (int, float)):
        return None
    if isinstance(value, int) and not -1e300 < value < 1e300:  # float() of a huge int overflows
        return None
    w = float(value)
    if not math.isfinite(w) or not lo <= w <= hi:
        return None
    return round_weight(w)


def parse_seed(value) -> int | None:
    """A whole number in ``[0, SEED_MAX]``, else ``None``. Accepts ints, integral floats or digit text."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        if not _SEED_RE.match(value):
            return None
        value = int(value)
    if isinstance(value, float):
        if not math.isfinite(value) or value != int(value):
            return None
        value = int(value)
    if not isinstance(value, int) or not 0 <= value <= SEED_MAX:
        return None
    return value


def default_weight(catalog: Catalog, key: str | None) -> float:
    """The genome's best shared weight, else ``DEFAULT_WEIGHT``."""
    if key in catalog and catalog[key].genome.best_shared_weight is not None:
        w = parse_weight(catalog[key].genome.best_shared_weight)
        if w is not None:
            return w
    return DEFAULT_WEIGHT


def page_kind(pathname) -> tuple[str, list[str]]:
    """``("embed", [])`` for ``/embed``, else ``("main", notices)``."""
    if not isinstance(pathname, str) or pathname in ("", "/"):
        return "main", []
    path = pathname.rstrip("/") or "/"
    if path == EMBED_PATH:
        return "embed", []
    return "main", [f"There is no page {_short(pathname)!r}; showing the explorer."]


def parse_view(search, catalog: Catalog) -> tuple[ViewState, list[str]]:
    """Read a view from a query string (``"?genome=...&weight=..."``).

    Args:
        search: ``location.search`` (with or without the leading ``?``), or ``None``.
        catalog: the saved genomes (the only ones a link can name).

    Returns:
        ``(state, notices)``: notices say, in words, which parameters were
        ignored or replaced by defaults. An empty query gives the default view
        and no notices.
    """
    notices: list[str] = []
    params: dict[str, str] = {}
    text = search if isinstance(search, str) else ""
    if len(text) > MAX_QUERY_CHARS:
        notices.append("The link's parameters are too long and were ignored; showing the default view.")
        text = ""
    for name, value in parse_qsl(text.lstrip("?"), keep_blank_values=True):
        if name not in PARAMS:
            notices.append(f"Ignored the unknown link parameter {_short(name)!r}.")
        elif name in params:
            notices.append(f"The link gives {name!r} twice; using the first.")
        else:
            params[name] = value

    all_panels = panels()
    panel = params.get("panel")
    if panel is not None and panel not in all_panels:
        notices.append(
            f"Unknown panel {_short(panel)!r}; panels are {', '.join(all_panels)}."
        )
        panel = None

    genome = params.get("genome")
    share = params.get("share")
    if share is not None and not (is_upload_key(genome) and _SHARE_RE.match(share)):
        notices.append("Ignored the link's share token: it belongs to no uploaded genome.")
        share = None
    if share is not None:  # an uploaded genome, opened with its share link (checked when it is loaded)
        panel = panel or all_panels[0]
    elif genome is not None and genome not in catalog:
        fallback = (catalog.first_of_task(panel) if panel else None) or catalog.default_key()
        shown = catalog[fallback].label if fallback else "no genome"
        notices.append(f"Unknown genome {_short(genome)!r}; showing {shown} instead.")
        genome = None

    if share is None and genome is not None:
        task = catalog[genome].task
        if panel is not None and task in all_panels and panel != task:
            notices.append(
                f"The {panel_title(panel)} panel does not fit {catalog[genome].label} "
                f"(a {panel_title(task)} network); showing the {panel_title(task)} panel."
            )
        panel = task if task in all_panels else (panel or all_panels[0])
    elif share is None:
        genome = (catalog.first_of_task(panel) if panel else None) or catalog.default_key()
        if panel is None:
            task = catalog[genome].task if genome else None
            panel = task if task in all_panels else all_panels[0]

    weight = default_weight(catalog, genome)
    if "weight" in params:
        w = parse_weight(params["weight"])
        if w is None:
            notices.append(
                f"The weight {_short(params['weight'])!r} is not a number from {format_weight(WEIGHT_MIN)} "
                f"to {format_weight(WEIGHT_MAX)}; using {format_weight(weight)}."
            )
        else:
            weight = w

    seed = DEFAULT_SEED
    if "seed" in params:
        s = parse_seed(params["seed"])
        if s is None:
            notices.append(
                f"The seed {_short(params['seed'])!r} is not a whole number from 0 to {SEED_MAX}; using {DEFAULT_SEED}."
            )
        else:
            seed = s

    digit = params.get("digit")
    if digit is not None and digit not in DIGITS:
        notices.append(f"The digit {_short(digit)!r} is not 0 to 9 or 'all'; showing all digits.")
        digit = None
    image = None
    if "image" in params:
        image = parse_seed(params["image"])
        if image is None or image > IMAGE_MAX:
            notices.append(f"The image {_short(params['image'])!r} is not a whole number from 0 to {IMAGE_MAX}; "
                           "showing image 0.")
            image = None
    spec = find_spec(panel)
    if spec is None or spec.panel != DIGITS_PANEL:  # only the digits panel has digits and test images
        digit = image = None
    return ViewState(genome, weight, seed, panel, digit, image, share), notices


def format_query(state: ViewState) -> str:
    """The query string (with ``?``) that :func:`parse_view` reads back to ``state``.

    ``genome`` is left out when it is ``None`` (uploads cannot be linked).
    """
    params = []
    if state.genome is not None:
        params.append(("genome", state.genome))
    params += [("weight", format_weight(state.weight)), ("seed", str(int(state.seed))), ("panel", state.panel)]
    if state.digit is not None:
        params.append(("digit", state.digit))
    if state.image is not None:
        params.append(("image", str(int(state.image))))
    if state.share is not None:
        params.append(("share", state.share))
    return "?" + urlencode(params)
