"""Constants the server and the browser share, defined once here.

The page carries :func:`client_config` as JSON in the ``data-wann-config``
attribute of ``<body>`` (see :func:`wann_viz.ui.create_app`); the scripts in
``assets/`` read them from there instead of keeping copies.
"""

from __future__ import annotations

import json

from ..activations import ACTIVATIONS
from ..tasks.specs import DIGITS_PANEL, EPISODE_PANEL

WEIGHT_MIN, WEIGHT_MAX = -10.0, 10.0  # accepted anywhere (URL, number input, per-connection)
SLIDER_MIN, SLIDER_MAX = -2.0, 2.0
WEIGHT_DECIMALS = 4
SEED_MAX = 2**31 - 1
MAX_SCHEDULE = 256  # weight changes kept in one episode's schedule
FRAME_MS = 20  # the player's frame period: 50 fps at most
# Colours: signs of weights and node values (ColorBrewer RdBu's ends: safe for the common colour blindnesses).
POSITIVE = "#2166ac"  # blue: positive weight / value
NEGATIVE = "#b2182b"  # red: negative weight / value
ZERO = "#9e9e9e"
HALO_MIN, HALO_GAIN = 14.0, 24.0  # halo diameter = HALO_MIN + HALO_GAIN * tanh(|value|)
EMBED_PATH = "/embed"
UPLOAD_PREFIX = "upload-"
# Link parameters, in the order the link writes them.
URL_KEYS = ("genome", "weight", "seed", "panel", "schedule", "base", "edits", "off", "digit", "image", "share",
            "hide", "mode", "view")
LINK_MAX_CHARS = 2000  # longer views get a short link (servers refuse request lines past ~4 KB)
# ?hide=... flags: what an embed or a lesson leaves out -> the page parts they hide.
HIDE_FLAGS = {
    "header": (".app-header",),
    "sidebar": (".sidebar",),
    "tabs": (".panel-tabs-parent",),
    "network": ("#network-card",),
    "slider": (".weight-control",),
    "playback": (".playback-buttons", ".scrub-row"),
    "seed": (".seed-row",),
    "return": (".returns",),
    "notes": ("#notices", ".app-footer"),
}
MODES = ("projector",)  # ?mode=projector: larger type and heavier lines (the palette is colour-blind safe always)


def client_config() -> dict:
    """What the browser's scripts need, as one JSON-able dict."""
    return {
        "weight_min": WEIGHT_MIN, "weight_max": WEIGHT_MAX, "slider_min": SLIDER_MIN, "slider_max": SLIDER_MAX,
        "weight_decimals": WEIGHT_DECIMALS, "seed_max": SEED_MAX, "max_schedule": MAX_SCHEDULE,
        "frame_ms": FRAME_MS, "colours": {"positive": POSITIVE, "negative": NEGATIVE, "zero": ZERO},
        "halo": {"min": HALO_MIN, "gain": HALO_GAIN}, "embed_path": EMBED_PATH, "upload_prefix": UPLOAD_PREFIX,
        "url_keys": list(URL_KEYS), "panels": {"episode": EPISODE_PANEL, "digits": DIGITS_PANEL},
        "hide_flags": sorted(HIDE_FLAGS), "link_max_chars": LINK_MAX_CHARS,
        "activations": {a.id: {"name": a.name, "formula": a.formula} for a in ACTIVATIONS.values()},
    }


def hide_css() -> str:
    """CSS of the hide flags: ``.hide-network #network-card {display: none}`` and so on."""
    rules = [f".hide-{flag} {sel}" for flag, sels in HIDE_FLAGS.items() for sel in sels]
    return ", ".join(rules) + " { display: none !important; }"


def client_config_json() -> str:
    return json.dumps(client_config(), separators=(",", ":"), sort_keys=True)
