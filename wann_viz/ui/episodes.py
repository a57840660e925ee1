"""Episode requests from the browser -> validated rollouts -> compact payloads.

Pure Python (no dash/plotly). The browser sends a *request* (genome key,
seed, weights); the server runs the episode once with
:func:`wann_viz.rollout.rollout` and answers with a *payload* that the
clientside player animates without further round trips.

Request (JSON object)::

    {"genome": key, "seed": int, "weight": float,
     "schedule": [[0, w0], [step, w1], ...] | null,   # mid-episode weight changes
     "base": "shared" | "tuned", "edits": {"<conn index>": weight, ...},
     "off": [conn index, ...],                          # knocked-out connections (weight 0)
     "start_frame": int, "autoplay": bool, "nonce": int}

Payload arrays are little-endian float32, base64-encoded (decoded in the
browser into typed arrays). With T steps and N nodes:

* ``cum_return`` (T,): return after step t (so the return shown at frame k is ``cum_return[k-1]``);
* ``nodes`` (T, N) row-major: node values computed from the observation at frame t;
* ``actions`` (T, n_out): the actions the task received;
* ``frames``: ``{field: (T+1, k)}`` row-major, packed by the task's ``pack_frames``
  (swing-up ``x``, ``theta`` with k = 1; biped ``bodies``, k = 15: x, y, angle
  per body), with ``frame_widths`` ``{field: k}``.

With a task that has a browser copy (``TaskSpec.preview``: swing-up) and
shared-weight requests, the payload also carries ``preview``:
``{"name", "start", "constants", "program"}`` (see :meth:`Task.preview_setup`
and :func:`wann_viz.nn.program_json`), with which the browser replays the
episode for any weight while the slider is dragged.

``renderer`` names the player's drawing for the task (``TaskSpec.renderer``);
a task without one is drawn by the generic renderer, which plots its
observations (the input nodes' values) and actions over time.

Long episodes (``TaskSpec.first_chunk``: the biped) come in two parts so the first frame shows fast:
a first payload with ``complete: false`` covering the first steps, then a
*tail* payload of the same ``id`` with ``step_offset`` > 0 holding the rest
(frames from ``step_offset + 1``). Both are re-simulated from the seed, so they
join exactly.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..cache import results
from ..genome import Genome, GenomeError
from ..nn import program_json
from ..rollout import Rollout, rollout
from ..tasks.registry import find_spec, make_task
from .catalog import MAX_KEY_CHARS, Catalog, is_live, not_live_note, resolve_genome
from .constants import MAX_SCHEDULE, SEED_MAX, WEIGHT_MAX, WEIGHT_MIN
from .limits import MAX_PAYLOAD_BYTES, live_refusal, payload_bytes
from .url_state import round_weight

NOT_LIVE = "This genome has no task that can run here."


class RequestError(ValueError):
    """A malformed episode request; the message is safe to show."""


def clear_cache() -> None:
    """Forget cached episodes (tests and benchmarks)."""
    results.clear("episode")


# ----- validation ------------------------------------------------------------------

def _number(value, what: str, lo: float = WEIGHT_MIN, hi: float = WEIGHT_MAX) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RequestError(f"{what} must be a finite number")
    if isinstance(value, int) and not -1e300 < value < 1e300:  # float() of a 400-digit int overflows
        raise RequestError(f"{what} must be between {lo:g} and {hi:g}")
    if not math.isfinite(value):
        raise RequestError(f"{what} must be a finite number")
    if not lo <= value <= hi:
        raise RequestError(f"{what} must be between {lo:g} and {hi:g}")
    return float(value)


def _int(value, what: str, lo: int, hi: int) -> int:
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise RequestError(f"{what} must be a whole number from {lo} to {hi}")
    return value


def normalize_request(request: Any, catalog: Catalog, uploads: Any) -> tuple[dict, Genome]:
    """Check a request and resolve its genome.

    Returns:
        ``(request, genome)`` where the request holds only known, checked fields:
        ``genome, seed, weight, schedule (list | None), base, edits ({int: float}),
        off (sorted list of int), start_frame, autoplay, nonce``.

    Raises:
        RequestError: malformed request (message for the page).
        GenomeError: the genome cannot be found or parsed.
    """
    if not isinstance(request, dict):
        raise RequestError("the episode request must be an object")
    key = request.get("genome")
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_CHARS:
        raise RequestError("the request names no genome")
    genome = resolve_genome(catalog, key, uploads)
    out: dict[str, Any] = {"genome": key}
    out["seed"] = _int(request.get("seed"), "the seed", 0, SEED_MAX)
    out["weight"] = round_weight(_number(request.get("weight"), "the shared weight"))
    base = request.get("base", "shared")
    if base not in ("shared", "tuned"):
        raise RequestError("base must be 'shared' or 'tuned'")
    if base == "tuned" and genome.tuned_weights is None:
        raise RequestError("this genome has no tuned weights")
    out["base"] = base
    edits = request.get("edits") or {}
    if not isinstance(edits, dict) or len(edits) > genome.n_connections:
        raise RequestError("edits must map connection indices to weights")
    clean_edits = {}
    for k, v in edits.items():
        if not isinstance(k, str) or not k.isdigit() or len(k) > 9:
            raise RequestError("edits must map connection indices to weights")
        idx = int(k)
        if idx >= genome.n_connections:
            raise RequestError(f"connection {idx} does not exist (the genome has {genome.n_connections})")
        clean_edits[idx] = round_weight(_number(v, f"the weight of connection {idx}"))
    out["edits"] = dict(sorted(clean_edits.items()))
    off = request.get("off") or []
    if not isinstance(off, list) or len(off) > genome.n_connections:
        raise RequestError("knocked-out connections must be a list of connection indices")
    out["off"] = sorted({_int(k, "a knocked-out connection", 0, genome.n_connections - 1) for k in off})
    limit = _max_steps(genome.task)
    schedule = request.get("schedule")
    if schedule is not None:
        if not isinstance(schedule, list) or not 1 <= len(schedule) <= MAX_SCHEDULE:
            raise RequestError(f"the weight schedule must be a list of 1 to {MAX_SCHEDULE} [step, weight] pairs")
        pairs = []
        for item in schedule:
            if not isinstance(item, list) or len(item) != 2:
                raise RequestError("the weight schedule must hold [step, weight] pairs")
            pairs.append((_int(item[0], "a schedule step", 0, max(limit - 1, 0)),
                          round_weight(_number(item[1], "a schedule weight"))))
        steps = [k for k, _ in pairs]
        if steps[0] != 0 or any(b <= a for a, b in zip(steps, steps[1:])):
            raise RequestError("schedule steps must start at 0 and increase")
        # The latest weight is the one the schedule ends with.
        out["weight"] = pairs[-1][1]
        out["schedule"] = [list(p) for p in pairs] if len(pairs) > 1 else None
    else:
        out["schedule"] = None
    if per_connection(out):
        out["schedule"] = None  # per-connection weights cannot change mid-episode: restart
    out["start_frame"] = _int(request.get("start_frame", 0), "start_frame", 0, limit)
    if out["schedule"] is None:
        out["start_frame"] = 0
    else:
        out["start_frame"] = min(out["start_frame"], out["schedule"][-1][0])
    out["autoplay"] = bool(request.get("autoplay", True)) if isinstance(request.get("autoplay", True), bool) else True
    nonce = request.get("nonce", 0)
    out["nonce"] = nonce if isinstance(nonce, int) and not isinstance(nonce, bool) and 0 <= nonce < 2**53 else 0
    return out, genome


def _max_steps(task: str | None) -> int:
    spec = find_spec(task)
    return spec.max_steps if spec else 1


def per_connection(request: dict) -> bool:
    """Whether a checked request gives connections their own weights (tuned, edited or knocked out)."""
    return request["base"] != "shared" or bool(request["edits"]) or bool(request.get("off"))


def connection_weights(genome: Genome, request: dict) -> np.ndarray | None:
    """(C,) per-connection weights of a checked request, or ``None`` in shared-weight mode."""
    if not per_connection(request):
        return None
    if request["base"] == "tuned":
        cw = np.array(genome.tuned_weights, dtype=float)
    else:
        cw = np.full(genome.n_connections, float(request["weight"]))
    for idx, w in request["edits"].items():
        cw[idx] = w
    cw[list(request.get("off") or [])] = 0.0  # a knocked-out connection carries nothing
    return cw


def episode_id(request: dict) -> str:
    """Content key of the episode a checked request describes (not its playback fields)."""
    if not per_connection(request):
        weights: Any = request["schedule"] or request["weight"]
    else:
        # With tuned weights as the base, the shared weight plays no part.
        w = None if request["base"] == "tuned" else request["weight"]
        weights = {"base": request["base"], "w": w, "edits": {str(k): v for k, v in request["edits"].items()}}
        if request.get("off"):
            weights["off"] = request["off"]
    text = json.dumps([request["genome"], request["seed"], weights], sort_keys=True, separators=(",", ":"))
    return hashlib.sha1(text.encode()).hexdigest()[:16]


# ----- running -----------------------------------------------------------------------

@dataclass
class _Arrays:
    """One episode, compact (what the cache keeps and the payloads are cut from).

    Attributes:
        task: task name.
        steps: T, steps run.
        total: the return.
        cum: (T,) float64, return after each step.
        nodes: (T, N) float32 node values.
        actions: (T, n_out) float32, the actions the task received.
        frames: ``{field: (T+1, k) float32}`` from the task's ``pack_frames``.
        scene: the task's constant drawing data.
    """

    task: str
    steps: int
    total: float
    cum: np.ndarray
    nodes: np.ndarray
    actions: np.ndarray
    frames: dict
    scene: dict


def _run(genome: Genome, request: dict, max_steps: int | None) -> _Arrays:
    cw = connection_weights(genome, request)
    kwargs: dict[str, Any]
    if cw is not None:
        kwargs = {"connection_weights": cw}
    elif request["schedule"]:
        kwargs = {"schedule": [tuple(p) for p in request["schedule"]]}
    else:
        kwargs = {"weight": request["weight"]}
    task = make_task(genome.task)
    r = rollout(genome, task, [request["seed"]], max_steps=max_steps,
                record=True, record_nodes=True, record_frames=True, **kwargs)
    return _arrays(r, task)


def _arrays(r: Rollout, task) -> _Arrays:
    n = int(r.lengths[0])
    with np.errstate(all="ignore"):
        cum = np.cumsum(r.rewards[:n, 0].astype(float))
    packed = {k: np.ascontiguousarray(v, np.float32) for k, v in task.pack_frames(r.frames[0]).items()}
    return _Arrays(r.task, n, float(r.returns[0]), cum, np.ascontiguousarray(r.node_values[:n, 0], np.float32),
                   np.ascontiguousarray(r.actions[:n, 0], np.float32), packed, r.scenes[0])


def _b64(a: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(a, dtype="<f4").tobytes()).decode("ascii")


def _finite_or_none(x: float) -> float | None:
    return round(float(x), 4) if math.isfinite(x) else None


def _pack(e: _Arrays, complete: bool, step_offset: int = 0) -> dict:
    """Payload arrays of an episode from ``step_offset`` on (see module doc)."""
    first_frame = step_offset + 1 if step_offset else 0  # frame k follows step k - 1
    frames = {k: _b64(v[first_frame:]) for k, v in e.frames.items()}
    return {
        "step_offset": step_offset,
        "steps": e.steps,
        "complete": complete,
        "length": e.steps if complete else None,
        "final_return": _finite_or_none(e.total) if complete else None,
        "cum_return": _b64(e.cum[step_offset:]),
        "nodes": _b64(e.nodes[step_offset:]),
        "actions": _b64(e.actions[step_offset:]),
        "frames": frames,
        "frame_widths": {k: int(v.shape[1]) for k, v in e.frames.items()},
        "scene": e.scene if not step_offset else None,
    }


def run_request(request: Any, catalog: Catalog, uploads: Any = None, whole: bool = False) -> dict:
    """Answer an episode request with a payload (never raises for bad input).

    ``whole`` sends the whole episode at once (the compare panel), never a first part.

    Returns:
        The payload dict; ``{"error": message, ...}`` for a bad request or
        genome, ``{"unsupported": True, "message": ...}`` for tasks without a
        live view (``TaskSpec.live`` False: CarRacing, MNIST).
    """
    nonce = request.get("nonce") if isinstance(request, dict) else None
    nonce = nonce if isinstance(nonce, int) and not isinstance(nonce, bool) else 0
    try:
        req, genome = normalize_request(request, catalog, uploads)
    except (RequestError, GenomeError) as exc:
        return {"error": str(exc), "nonce": nonce}
    head = {
        "id": episode_id(req),
        "nonce": req["nonce"],
        "task": genome.task,
        "genome": req["genome"],
        "seed": req["seed"],
        "request": {k: req[k] for k in ("genome", "seed", "weight", "schedule", "base", "off")}
        | {"edits": {str(k): v for k, v in req["edits"].items()}},
        "start_frame": req["start_frame"],
        "autoplay": req["autoplay"],
        "n_nodes": genome.n_nodes,
        "n_in": genome.n_in,
        "n_out": genome.n_out,
        "max_steps": _max_steps(genome.task),
    }
    spec = find_spec(genome.task)
    if spec is None or not is_live(spec.name):
        return head | {"unsupported": True, "message": not_live_note(genome.task) or NOT_LIVE}
    refusal = live_refusal(genome)
    if refusal is None and payload_bytes(spec.max_steps, genome.n_nodes, genome.n_out) > MAX_PAYLOAD_BYTES:
        refusal = (f"An episode of this genome would send {genome.n_nodes} node values for each of "
                   f"{spec.max_steps} steps, more than a page should load; its network can still be drawn.")
    if refusal is not None:
        return head | {"unsupported": True, "message": refusal}
    head |= {"renderer": spec.renderer, "input_labels": list(spec.input_labels),
             "output_labels": list(spec.output_labels)}
    if spec.preview and not per_connection(req):
        setup = make_task(genome.task).preview_setup(req["seed"])
        if setup is not None:
            head["preview"] = {"name": spec.preview, **setup, "program": program_json(genome)}
    whole = results.get(("episode", head["id"], None))
    if whole is not None:  # the whole episode is known already (a tail computed it)
        return head | _pack(*whole)
    chunk = None if whole else spec.first_chunk
    max_steps = None if chunk is None or req["start_frame"] + chunk >= spec.max_steps else req["start_frame"] + chunk
    try:
        r, complete = _episode(genome, req, head["id"], max_steps)
    except ValueError as exc:  # e.g. a genome that does not fit the task
        return {"error": f"cannot run this episode: {exc}", "nonce": req["nonce"]}
    return head | _pack(r, complete)


def _episode(genome: Genome, req: dict, eid: str, max_steps: int | None) -> tuple[_Arrays, bool]:
    """The episode cut at ``max_steps`` (``None``: whole), and whether it ended there.

    Kept in the one result cache, keyed by content: identical requests arriving together
    (a class on the same link) are computed once.
    """
    def compute():
        r = _run(genome, req, max_steps)
        return r, max_steps is None or r.steps < max_steps

    return results.get_or_compute(("episode", eid, max_steps), compute)


def whole_episode(request: Any, catalog: Catalog, uploads: Any = None) -> tuple[_Arrays, Genome, dict]:
    """The whole episode of a request as arrays, for exports.

    Raises:
        RequestError: a bad request, a genome that cannot be found, or a task with no episodes here.
    """
    try:
        req, genome = normalize_request(request, catalog, uploads)
    except GenomeError as exc:
        raise RequestError(str(exc)) from None
    spec = find_spec(genome.task)
    if spec is None or not is_live(spec.name):
        raise RequestError(not_live_note(genome.task) or NOT_LIVE)
    refusal = live_refusal(genome)
    if refusal is not None:
        raise RequestError(refusal)
    try:
        r, _ = _episode(genome, req, episode_id(req), None)
    except ValueError as exc:
        raise RequestError(f"cannot run this episode: {exc}") from None
    return r, genome, req


def run_tail(episode: Any, catalog: Catalog, uploads: Any = None) -> dict | None:
    """The rest of a partial episode payload (same ``id``), or ``None`` if it is complete.

    Re-simulates the whole episode from its seed (the task cannot be resumed
    across requests) and sends the steps the browser does not have yet.
    """
    if not isinstance(episode, dict) or episode.get("complete", True) or "request" not in episode:
        return None
    steps = episode.get("steps")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        return {"error": "the partial episode is malformed", "id": episode.get("id")}
    if not isinstance(episode["request"], dict):
        return {"error": "the partial episode is malformed", "id": None}
    request = dict(episode["request"]) | {"start_frame": 0, "nonce": 0}
    try:
        req, genome = normalize_request(request, catalog, uploads)
    except (RequestError, GenomeError) as exc:
        return {"error": str(exc), "id": episode.get("id")}
    eid = episode_id(req)
    refusal = live_refusal(genome)
    if refusal is not None:
        return {"error": refusal, "id": eid}
    spec = find_spec(genome.task)
    if eid != episode.get("id") or spec is None or not is_live(spec.name):
        return {"error": "the partial episode does not match its request", "id": episode.get("id")}
    try:
        r, _ = _episode(genome, req, eid, None)
    except ValueError as exc:
        return {"error": f"cannot run this episode: {exc}", "id": eid}
    if r.steps < steps:
        return {"error": "the episode did not repeat (non-deterministic task)", "id": eid}
    return {"id": eid} | _pack(r, True, step_offset=steps)
