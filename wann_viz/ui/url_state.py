"""Shareable view state in the URL: parse and format, with no dash import.

A view is ``genome`` (a saved genome's key), ``weight`` (shared weight),
``seed`` (episode seed) and ``panel`` (the task panel), and what makes the
episode what it is:

* ``schedule``: mid-episode weight changes, ``0:-1.5,134:0.8`` (step:weight from step 0; the
  last weight is ``weight``);
* ``base=tuned``: the genome's tuned weights; ``edits``: connections given their own weight,
  ``3:0.5,7:-1``; ``off``: knocked-out connections, ``3,7``;

on the MNIST panel also ``digit`` (``0`` .. ``9`` or ``all``, the digit
selector) and ``image`` (the test image shown, 0 .. 9999); and how the page
looks: ``hide`` (``network,seed,...``: parts left out, for an embed or a
lesson) and ``mode=projector``. ``view=TOKEN`` is a short link to a stored
view (:mod:`wann_viz.ui.short_links`). ``/`` shows the full explorer and
``/embed`` one panel without page chrome. Any parameter that is unknown,
malformed or out of range falls back to its default, and the parser returns a
sentence saying so for the page.
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
    EMBED_PATH, HIDE_FLAGS, MAX_SCHEDULE, MODES, SEED_MAX, SLIDER_MAX, SLIDER_MIN, URL_KEYS, WEIGHT_DECIMALS,
    WEIGHT_MAX, WEIGHT_MIN,
)

DEFAULT_WEIGHT = 1.0  # for genomes without a best shared weight
DEFAULT_SEED = 0
MAX_QUERY_CHARS = 64_000  # a stored short-link view may be long; a typed link stays under LINK_MAX_CHARS
PARAMS = URL_KEYS
DIGITS = ("all",) + tuple(str(d) for d in range(10))  # the MNIST digit selector's values
IMAGE_MAX = 9_999  # MNIST test images are 0 .. 9999
_SEED_RE = re.compile(r"^\s*\+?\d{1,10}\s*$")
_SHARE_RE = re.compile(r"^[A-Za-z0-9_\-]{8,64}$")
_PAIR_RE = re.compile(r"^\s*(\d{1,9})\s*:\s*([^:,]{1,40})\s*$")


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
        schedule: ``((0, w0), (step, w1), ...)`` mid-episode weight changes, or ``None``.
        base: ``"shared"`` or ``"tuned"`` (the genome's tuned weights).
        edits: ``((connection, weight), ...)`` connections with their own weight, sorted.
        off: knocked-out connections, sorted.
        hide: hide flags (keys of ``HIDE_FLAGS``), sorted.
        mode: ``"projector"`` or ``None``.
    """

    genome: str | None
    weight: float
    seed: int
    panel: str
    digit: str | None = None
    image: int | None = None
    share: str | None = None
    schedule: tuple[tuple[int, float], ...] | None = None
    base: str = "shared"
    edits: tuple[tuple[int, float], ...] = ()
    off: tuple[int, ...] = ()
    hide: tuple[str, ...] = ()
    mode: str | None = None


def _short(text: str, n: int = 40) -> str:
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text if len(text) <= n else text[: n - 1] + "…"


def round_weight(w: float) -> float:
    """Weights are kept to ``WEIGHT_DECIMALS`` so that links round-trip exactly."""
    return round(float(w), WEIGHT_DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0


def format_weight(w: float) -> str:
    """Short text of a weight: ``-1.5``, ``0.25``, ``2``; ``"?"`` for what is not a finite number
    (a browser store may hold anything: an integer too large for a float, a string)."""
    try:
        w = float(w)
    except (TypeError, ValueError, OverflowError):
        return "?"
    if not math.isfinite(w):
        return "?"
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


def parse_pairs(text: str) -> tuple[tuple[int, float], ...] | None:
    """``"134:0.8,300:-1"`` -> ``((134, 0.8), (300, -1.0))`` (weights checked and rounded), else ``None``."""
    pairs = []
    for part in text.split(","):
        match = _PAIR_RE.match(part)
        w = parse_weight(match.group(2)) if match else None
        if w is None:
            return None
        pairs.append((int(match.group(1)), w))
    return tuple(pairs)


def format_pairs(pairs) -> str:
    return ",".join(f"{int(k)}:{format_weight(w)}" for k, w in pairs)


def parse_indices(text: str) -> tuple[int, ...] | None:
    """``"3,7"`` -> ``(3, 7)`` (sorted, unique), else ``None``."""
    out = set()
    for part in text.split(","):
        part = part.strip()
        if not part.isdigit() or len(part) > 9:
            return None
        out.add(int(part))
    return tuple(sorted(out))


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
    pairs = parse_qsl(text.lstrip("?"), keep_blank_values=True)
    token = next((v for k, v in pairs if k == "view"), None)
    if token is not None:  # a short link: the stored view replaces the query (views hold no view=)
        stored = catalog.views.get(token)
        if stored is None:
            notices.append("This short link is unknown to the server (mistyped, or forgotten); showing the "
                           "default view.")
            pairs = []
        else:
            pairs = [(k, v) for k, v in parse_qsl(stored.lstrip("?"), keep_blank_values=True) if k != "view"]
    for name, value in pairs:
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
    episode = _episode_params(params, spec, weight, notices)
    return ViewState(genome, episode.pop("weight"), seed, panel, digit, image, share, **episode,
                     **_page_params(params, notices)), notices


def _episode_params(params: dict, spec, weight: float, notices: list[str]) -> dict:
    """``schedule``, ``base``, ``edits``, ``off`` of a link, checked (indices are checked against the genome
    when it is loaded), and the weight the schedule ends with."""
    out: dict = {"weight": weight, "schedule": None, "base": "shared", "edits": (), "off": ()}
    if "base" in params:
        if params["base"] in ("shared", "tuned"):
            out["base"] = params["base"]
        else:
            notices.append(f"The weights {_short(params['base'])!r} are neither 'shared' nor 'tuned'; using the "
                           "shared weight.")
    if params.get("edits"):
        edits = parse_pairs(params["edits"])
        if edits is None:
            notices.append("Ignored the link's connection weights: they must read like 3:0.5,7:-1 with weights "
                           f"from {format_weight(WEIGHT_MIN)} to {format_weight(WEIGHT_MAX)}.")
        else:
            out["edits"] = tuple(sorted(dict(edits).items()))
    if params.get("off"):
        off = parse_indices(params["off"])
        if off is None:
            notices.append("Ignored the link's knocked-out connections: they must read like 3,7.")
        else:
            out["off"] = off
    if params.get("schedule"):
        schedule = parse_pairs(params["schedule"])
        limit = spec.max_steps if spec is not None else 1
        steps = [k for k, _ in schedule or ()]
        if (schedule is None or not 1 <= len(schedule) <= MAX_SCHEDULE or steps[0] != 0
                or any(b <= a for a, b in zip(steps, steps[1:])) or steps[-1] >= limit):
            notices.append("Ignored the link's weight schedule: it must read like 0:-1.5,134:0.8, from step 0, "
                           f"with rising steps below {limit} and at most {MAX_SCHEDULE} changes.")
        elif out["base"] != "shared" or out["edits"] or out["off"]:
            notices.append("Ignored the link's weight schedule: connections with their own weights cannot "
                           "change mid-episode.")
        else:
            if "weight" in params and schedule[-1][1] != weight:
                notices.append(f"The link's weight {format_weight(weight)} is not where its schedule ends; "
                               f"using the schedule's {format_weight(schedule[-1][1])}.")
            out["weight"] = schedule[-1][1]
            out["schedule"] = schedule if len(schedule) > 1 else None
    return out


def _page_params(params: dict, notices: list[str]) -> dict:
    hide: tuple[str, ...] = ()
    if params.get("hide"):
        flags = [f.strip() for f in params["hide"].split(",") if f.strip()]
        unknown = [f for f in flags if f not in HIDE_FLAGS]
        if unknown:
            notices.append(f"Ignored the unknown hide flag {_short(unknown[0])!r}; flags are "
                           f"{', '.join(sorted(HIDE_FLAGS))}.")
        hide = tuple(sorted({f for f in flags if f in HIDE_FLAGS}))
    mode = params.get("mode") or None
    if mode is not None and mode not in MODES:
        notices.append(f"Unknown mode {_short(mode)!r}; the only mode is {', '.join(MODES)}.")
        mode = None
    return {"hide": hide, "mode": mode}


def format_query(state: ViewState) -> str:
    """The query string (with ``?``) that :func:`parse_view` reads back to ``state``.

    ``genome`` is left out when it is ``None`` (uploads cannot be linked).
    """
    params = []
    if state.genome is not None:
        params.append(("genome", state.genome))
    params += [("weight", format_weight(state.weight)), ("seed", str(int(state.seed))), ("panel", state.panel)]
    if state.schedule:
        params.append(("schedule", format_pairs(state.schedule)))
    if state.base != "shared":
        params.append(("base", state.base))
    if state.edits:
        params.append(("edits", format_pairs(state.edits)))
    if state.off:
        params.append(("off", ",".join(str(int(k)) for k in state.off)))
    if state.digit is not None:
        params.append(("digit", state.digit))
    if state.image is not None:
        params.append(("image", str(int(state.image))))
    if state.share is not None:
        params.append(("share", state.share))
    if state.hide:
        params.append(("hide", ",".join(state.hide)))
    if state.mode is not None:
        params.append(("mode", state.mode))
    return "?" + urlencode(params, safe=",:")
