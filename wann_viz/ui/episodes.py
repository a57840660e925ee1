"""Episode requests from the browser -> validated rollouts -> compact payloads.

Pure Python (no dash/plotly). The browser sends a *request* (genome key,
seed, weights); the server runs the episode once with
:func:`wann_viz.rollout.rollout` and answers with a *payload* that the
clientside player animates without further round trips.

Request (JSON object)::

    {"genome": key, "seed": int, "weight": float,
     "schedule": [[0, w0], [step, w1], ...] | null,   # mid-episode weight changes
     "base": "shared" | "tuned", "edits": {"<conn index>": weight, ...},
     "start_frame": int, "autoplay": bool, "nonce": int}

Payload arrays are little-endian float32, base64-encoded (decoded in the
browser into typed arrays). With T steps and N nodes:

* ``cum_return`` (T,): return after step t (so the return shown at frame k is ``cum_return[k-1]``);
* ``nodes`` (T, N) row-major: node values computed from the observation at frame t;
* ``frames``: swing-up ``x``, ``theta`` (T+1,); biped ``bodies`` (T+1, 5, 3) = x, y, angle per body.

Long episodes (the biped) come in two parts so the first frame shows fast:
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
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..genome import Genome, GenomeError
from ..rollout import Rollout, rollout
from ..tasks.registry import make_task
from .catalog import LIVE_TASKS, MAX_KEY_CHARS, Catalog, _LRU, resolve_genome
from .url_state import SEED_MAX, WEIGHT_MAX, WEIGHT_MIN, round_weight

MAX_SCHEDULE = 256
# Steps in the first part of a long episode: ~0.1 s of biped simulation, several seconds of playback.
FIRST_CHUNK = {"biped": 200}
UNSUPPORTED = {
    "carracing": (
        "CarRacing can't run live here: the racer reads 16 numbers from a VAE that encodes each camera "
        "frame, and the authors' VAE weights were never published. Its network view still works: explore "
        "the structure and move the weight to see edge signs flip."
    ),
    "mnist": (
        "A classifier has no episode to animate: the MNIST panel shows which pixels reach each digit, the "
        "accuracy at each weight and single test images. The authors published no MNIST champion genome."
    ),
}


class RequestError(ValueError):
    """A malformed episode request; the message is safe to show."""


_RESULTS = _LRU(48)  # episode id -> (_Arrays, complete); shared, keyed by content only
_POOL_SIZE = 4  # idle task objects kept per task (the biped's keep their environments)
_pool: dict[str, list] = {}
_pool_lock = threading.Lock()


@contextmanager
def _task(name: str):
    """A task object from a small pool (environments are costly to build; never shared at once)."""
    with _pool_lock:
        idle = _pool.setdefault(name, [])
        task = idle.pop() if idle else None
    if task is None:
        task = make_task(name)
    try:
        yield task
    finally:
        with _pool_lock:
            if len(_pool[name]) < _POOL_SIZE:
                _pool[name].append(task)


def clear_cache() -> None:
    """Forget cached episodes (tests and benchmarks)."""
    _RESULTS.clear()


# ----- validation ------------------------------------------------------------------

def _number(value, what: str, lo: float = WEIGHT_MIN, hi: float = WEIGHT_MAX) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
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
        start_frame, autoplay, nonce``.

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
    if out["base"] != "shared" or out["edits"]:
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
    from ..tasks.specs import TASK_SPECS

    return TASK_SPECS[task].max_steps if task in TASK_SPECS else 1


def connection_weights(genome: Genome, request: dict) -> np.ndarray | None:
    """(C,) per-connection weights of a checked request, or ``None`` in shared-weight mode."""
    if request["base"] == "shared" and not request["edits"]:
        return None
    if request["base"] == "tuned":
        cw = np.array(genome.tuned_weights, dtype=float)
    else:
        cw = np.full(genome.n_connections, float(request["weight"]))
    for idx, w in request["edits"].items():
        cw[idx] = w
    return cw


def episode_id(request: dict) -> str:
    """Content key of the episode a checked request describes (not its playback fields)."""
    if request["base"] == "shared" and not request["edits"]:
        weights: Any = request["schedule"] or request["weight"]
    else:
        # With tuned weights as the base, the shared weight plays no part.
        w = None if request["base"] == "tuned" else request["weight"]
        weights = {"base": request["base"], "w": w, "edits": {str(k): v for k, v in request["edits"].items()}}
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
        frames: swing-up ``x``, ``theta`` (T+1,); biped ``bodies`` (T+1, 3 * bodies), float32.
        scene: the task's constant drawing data.
    """

    task: str
    steps: int
    total: float
    cum: np.ndarray
    nodes: np.ndarray
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
    with _task(genome.task) as task:
        r = rollout(genome, task, [request["seed"]], max_steps=max_steps,
                    record=True, record_nodes=True, record_frames=True, **kwargs)
    return _arrays(r)


def _arrays(r: Rollout) -> _Arrays:
    n = int(r.lengths[0])
    with np.errstate(all="ignore"):
        cum = np.cumsum(r.rewards[:n, 0].astype(float))
    frames = r.frames[0]
    if r.task == "swingup":
        packed = {"x": np.array([f["x"] for f in frames], dtype=np.float32),
                  "theta": np.array([f["theta"] for f in frames], dtype=np.float32)}
    else:
        packed = {"bodies": np.array([f["bodies"] for f in frames], dtype=np.float32).reshape(len(frames), -1)}
    return _Arrays(r.task, n, float(r.returns[0]), cum, np.ascontiguousarray(r.node_values[:n, 0], np.float32),
                   packed, r.scenes[0])


def _b64(a: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(a, dtype="<f4").tobytes()).decode("ascii")


def _finite_or_none(x: float) -> float | None:
    return round(float(x), 4) if math.isfinite(x) else None


def _pack(e: _Arrays, complete: bool, step_offset: int = 0) -> dict:
    """Payload arrays of an episode from ``step_offset`` on (see module doc)."""
    first_frame = step_offset + 1 if step_offset else 0  # frame k follows step k - 1
    frames = {k: _b64(v[first_frame:]) for k, v in e.frames.items()}
    if "bodies" in e.frames:
        frames["n_bodies"] = int(e.frames["bodies"].shape[1] // 3)
    return {
        "step_offset": step_offset,
        "steps": e.steps,
        "complete": complete,
        "length": e.steps if complete else None,
        "final_return": _finite_or_none(e.total) if complete else None,
        "cum_return": _b64(e.cum[step_offset:]),
        "nodes": _b64(e.nodes[step_offset:]),
        "frames": frames,
        "scene": e.scene if not step_offset else None,
    }


def run_request(request: Any, catalog: Catalog, uploads: Any = None) -> dict:
    """Answer an episode request with a payload (never raises for bad input).

    Returns:
        The payload dict; ``{"error": message, ...}`` for a bad request or
        genome, ``{"unsupported": True, "message": ...}`` for tasks without a
        live view (CarRacing, MNIST).
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
        "request": {k: req[k] for k in ("genome", "seed", "weight", "schedule", "base")}
        | {"edits": {str(k): v for k, v in req["edits"].items()}},
        "start_frame": req["start_frame"],
        "autoplay": req["autoplay"],
        "n_nodes": genome.n_nodes,
        "max_steps": _max_steps(genome.task),
    }
    if genome.task not in LIVE_TASKS:
        return head | {"unsupported": True,
                       "message": UNSUPPORTED.get(genome.task, "This genome has no task that can run here.")}
    cached = _RESULTS.get(head["id"])
    if cached is not None and (cached[1] or cached[0].steps >= req["start_frame"] + 1):
        # A partial result is still useful; the browser asks for the rest as usual.
        return head | _pack(cached[0], cached[1])
    limit = _max_steps(genome.task)
    chunk = FIRST_CHUNK.get(genome.task)
    max_steps = None if chunk is None or req["start_frame"] + chunk >= limit else req["start_frame"] + chunk
    try:
        r = _run(genome, req, max_steps)
    except ValueError as exc:  # e.g. a genome that does not fit the task
        return {"error": f"cannot run this episode: {exc}", "nonce": req["nonce"]}
    complete = max_steps is None or r.steps < max_steps
    _RESULTS.put(head["id"], (r, complete))
    return head | _pack(r, complete)


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
    request = dict(episode["request"]) | {"start_frame": 0, "nonce": 0}
    try:
        req, genome = normalize_request(request, catalog, uploads)
    except (RequestError, GenomeError) as exc:
        return {"error": str(exc), "id": episode.get("id")}
    eid = episode_id(req)
    if eid != episode.get("id") or genome.task not in LIVE_TASKS:
        return {"error": "the partial episode does not match its request", "id": episode.get("id")}
    cached = _RESULTS.get(eid)
    if cached is not None and cached[1]:
        r = cached[0]
    else:
        try:
            r = _run(genome, req, None)
        except ValueError as exc:
            return {"error": f"cannot run this episode: {exc}", "id": eid}
        _RESULTS.put(eid, (r, True))
    if r.steps < steps:
        return {"error": "the episode did not repeat (non-deterministic task)", "id": eid}
    return {"id": eid} | _pack(r, True, step_offset=steps)
