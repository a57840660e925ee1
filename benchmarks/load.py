"""A class on the explorer: N simulated students over loopback, against the real server.

Usage::

    python benchmarks/load.py                       # 30 users, 60 s, dev server then gunicorn (2 workers)
    python benchmarks/load.py --users 60 --seconds 30 --servers gunicorn
    python benchmarks/load.py --heavy               # one more user who keeps asking for a huge genome
    python benchmarks/load.py --root OTHER_CHECKOUT --servers dev   # the same load on another version

Each user drags the shared weight on swing-up, biped or MNIST (a 50/30/20 mix): a drag is 2 to 4
changes 0.1 to 0.2 s apart, then the student watches for 2 to 6 s. Every change posts the
callbacks a browser posts (the episode, then the network figure and the link; MNIST: its readout
and profile instead of an episode; the biped's second part as a tail request). It prints p50/p95/p99 per callback and per interaction (first request to the
last response of the group), errors, 429s and the servers' peak memory; under gunicorn one worker
is killed half-way and the requests that failed are counted. Bounded: at most 100 users and
300 s; it stops by itself. Latencies are of this machine and this run (compare them within a run).
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from wann_viz.ui.testing import ROOT, callback_body, free_port, start_app, stop

SCENARIOS = (("swingup", "swingup-authors", 0.5), ("biped", "biped-authors", 0.3), ("mnist", "mnist-evolved", 0.2))
WEIGHTS = [round(-2 + 0.1 * i, 1) for i in range(41)]


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.calls: dict[str, list[float]] = {}
        self.groups: dict[str, list[float]] = {}
        self.errors: list[tuple[float, str]] = []
        self.limited = 0
        self.retried = 0  # requests sent again on a fresh connection (an idle keep-alive closed, or a worker died)
        self.in_flight: dict[int, float] = {}

    def call(self, name: str, ms: float) -> None:
        with self.lock:
            self.calls.setdefault(name, []).append(ms)

    def group(self, name: str, ms: float) -> None:
        with self.lock:
            self.groups.setdefault(name, []).append(ms)

    def error(self, what: str) -> None:
        with self.lock:
            self.errors.append((time.monotonic(), what))


class Client:
    """Posts callbacks like a browser (one keep-alive connection, re-opened when it breaks)."""

    def __init__(self, port: int, cookie: str, rec: Recorder, keys: dict, callback_map: dict):
        self.port, self.cookie, self.rec, self.keys, self.map = port, cookie, rec, keys, callback_map
        self.conn = None

    def post(self, name: str, values: dict, changed: str | None = None) -> dict | None:
        key = self.keys.get(name)
        if key is None:  # a version of the app without this callback (the link was written in JS once)
            return {}
        body = json.dumps(callback_body(key, self.map[key], values, changed))
        t0 = time.perf_counter()
        token = id(threading.current_thread()) ^ int(t0 * 1e6)
        self.rec.in_flight[token] = time.monotonic()
        try:
            for attempt in (0, 1):
                try:
                    if self.conn is None:
                        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                    self.conn.request("POST", "/_dash-update-component", body=body, headers={
                        "Content-Type": "application/json", "Cookie": f"wann_client={self.cookie}",
                        "Accept-Encoding": "gzip"})
                    resp = self.conn.getresponse()
                    data = resp.read()
                    if resp.getheader("Connection", "").lower() == "close":
                        self.conn.close()
                        self.conn = None
                    break
                except (ConnectionError, http.client.HTTPException, OSError):
                    reused = self.conn is not None and attempt == 0
                    self.conn = None
                    if not reused:
                        raise
                    with self.rec.lock:  # a dropped keep-alive connection: browsers send it again
                        self.rec.retried += 1
        except Exception as exc:
            self.rec.error(f"{name}: {type(exc).__name__}")
            return None
        finally:
            self.rec.in_flight.pop(token, None)
        ms = (time.perf_counter() - t0) * 1e3
        if resp.status == 429:
            with self.rec.lock:
                self.rec.limited += 1
            return None
        if resp.status not in (200, 204):
            self.rec.error(f"{name}: HTTP {resp.status}")
            return None
        self.rec.call(name, ms)
        if resp.getheader("Content-Encoding") == "gzip":
            import gzip

            data = gzip.decompress(data)
        return json.loads(data) if data else {}


def _meta(task: str, key: str) -> dict:
    return {"key": key, "task": task, "name": key, "n_nodes": 0, "n_connections": 0, "has_tuned": False,
            "best_shared_weight": None, "live": task != "mnist"}


def user(port: int, rec: Recorder, keys: dict, callback_map: dict, stop_at: float, rng: random.Random,
         heavy_key: str | None = None) -> None:
    client = Client(port, f"user{rng.getrandbits(48):012x}", rec, keys, callback_map)
    task, genome, _ = rng.choices(SCENARIOS, weights=[w for *_, w in SCENARIOS])[0]
    if heavy_key is not None:
        task, genome = "swingup", heavy_key
    seed, nonce, burst = rng.randrange(5), 0, 0
    while time.monotonic() < stop_at:
        nonce += 1
        request = {"genome": genome, "seed": seed, "weight": rng.choice(WEIGHTS), "base": "shared", "edits": {},
                   "schedule": None, "start_frame": 0, "autoplay": True, "nonce": nonce}
        values = {"request-store.data": request, "uploads-store.data": {}, "figure-request.data": request,
                  "selected-edge.data": None, "mnist-digit.value": "all", "panel-tabs.value": task,
                  "genome-meta.data": _meta(task, genome), "mnist-index.data": 0, "url.pathname": "/"}
        if heavy_key is not None:
            values["uploads-store.data"] = {heavy_key: {"secret": HEAVY_SECRET[0]}}
        t0 = time.perf_counter()
        tail = None
        if task == "mnist":
            ok = client.post("mnist-readout", values) is not None and client.post("mnist-profile", values) is not None
        else:
            answer = client.post("episode", values)
            ok = answer is not None
            if ok:
                tail = (answer.get("response", {}).get("tail-request") or {}).get("data")
        ok = ok and client.post("figure", values) is not None and client.post("link", values) is not None
        if ok:
            rec.group(task if heavy_key is None else "heavy", (time.perf_counter() - t0) * 1e3)
        if isinstance(tail, dict):
            client.post("tail", {"tail-request.data": tail, "uploads-store.data": {}})
            rec.group("biped incl. tail", (time.perf_counter() - t0) * 1e3)
        if burst <= 0:
            burst = rng.randint(2, 4)
            time.sleep(rng.uniform(2.0, 6.0))  # watching the episode
        else:
            burst -= 1
            time.sleep(rng.uniform(0.1, 0.2))  # still dragging


HEAVY_SECRET = [""]


def upload_heavy(port: int, keys: dict, callback_map: dict) -> str:
    """Upload a valid 19,997-node swing-up genome (the loader allows 20,000) through the page's upload callback."""
    import numpy as np

    from wann_viz.genome import Genome, genome_to_json

    n_hidden = 19_990
    n = 1 + 5 + n_hidden + 1
    conns = np.array([(1, 6)] + [(6 + i, 7 + i) for i in range(n_hidden)])
    g = Genome(activations=np.ones(n, int), connections=conns, n_in=5, n_out=1, task="swingup", name="huge")
    raw = genome_to_json(g).encode()
    rec = Recorder()
    client = Client(port, "heavy-uploader", rec, keys, callback_map)
    values = {"upload.contents": "data:application/json;base64," + base64.b64encode(raw).decode(),
              "upload.filename": "huge.json", "upload-task.value": "auto", "uploads-store.data": {},
              "url.pathname": "/", "url.search": ""}
    answer = client.post("select", values, changed="upload.contents") or {}
    stored = answer.get("response", {}).get("uploads-store", {}).get("data") or {}
    if not stored:
        raise RuntimeError(f"the heavy upload failed: {rec.errors or answer}")
    key = next(iter(stored))
    HEAVY_SECRET[0] = stored[key]["secret"]
    return key


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (MB)."""
    total = 0
    pids = [pid]
    for p in list(pids):
        try:
            for child in Path(f"/proc/{p}/task/{p}/children").read_text().split():
                pids.append(int(child))
        except OSError:
            pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def callback_map_of(root: Path) -> dict:
    """The server callbacks of the app in ``root`` (another checkout may have other ones)."""
    code = ("import json; from wann_viz.ui import create_app; "
            "m = create_app().callback_map; print(json.dumps({k: {'inputs': v['inputs'], "
            "'state': v.get('state', []), 'callback': bool(v.get('callback'))} for k, v in m.items()}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True,
                         timeout=120, env=dict(os.environ, PYTHONPATH=str(root)))
    if out.returncode:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(server: str, users: int, seconds: float, heavy: bool, kill: bool, root: Path = ROOT) -> dict:
    port = free_port()
    env_dir = tempfile.mkdtemp(prefix="wann-load-uploads-")
    os.environ["WANN_UPLOAD_DIR"] = env_dir
    env = dict(os.environ, PYTHONPATH=str(root))
    if server == "gunicorn":
        cmd = [sys.executable, "-m", "gunicorn", "app:server", "--workers", "2", "--worker-class", "gthread",
               "--threads", "8", "--timeout", "60", "--bind", f"127.0.0.1:{port}"]
    else:
        cmd = [sys.executable, "app.py", "--host", "127.0.0.1", "--port", str(port)]
    proc, _ = start_app(port, cmd, cwd=root, env=env)
    callback_map = callback_map_of(root)
    names = {"episode": "episode-store", "tail": "tail-store.data", "figure": "network-graph.figure",
             "link": "url-sink", "mnist-readout": "mnist-readout", "mnist-profile": "mnist-profile",
             "select": "genome-picker.value"}
    keys = {n: next((k for k, v in callback_map.items() if v.get("callback") and frag in k), None)
            for n, frag in names.items()}
    keys = {n: k for n, k in keys.items() if k is not None}
    rec = Recorder()
    peak = [rss_mb(proc.pid)]
    killed = {}
    try:
        heavy_key = upload_heavy(port, keys, callback_map) if heavy else None
        stop_at = time.monotonic() + seconds
        threads = [threading.Thread(target=user, args=(port, rec, keys, callback_map, stop_at, random.Random(i)),
                                    daemon=True) for i in range(users)]
        if heavy_key:
            threads.append(threading.Thread(target=user, args=(port, rec, keys, callback_map, stop_at,
                                                               random.Random(999), heavy_key), daemon=True))
        for th in threads:
            th.start()
        while any(th.is_alive() for th in threads):
            time.sleep(0.25)
            peak[0] = max(peak[0], rss_mb(proc.pid))
            if kill and server == "gunicorn" and not killed and time.monotonic() > stop_at - seconds / 2:
                workers = children(proc.pid)
                if workers:
                    killed["at"] = time.monotonic()
                    killed["in_flight"] = len(rec.in_flight)
                    killed["errors_before"] = len(rec.errors)
                    os.kill(workers[0], signal.SIGKILL)
            if time.monotonic() > stop_at + 60:
                break
    finally:
        stop(proc)
    if killed:
        after = [t for t, _ in rec.errors if t >= killed["at"]]
        killed["failed_after"] = len(after)
    label = server if root == ROOT else f"{server} ({root.name})"
    return {"server": label, "rec": rec, "peak_mb": peak[0], "killed": killed}


def report(results: list[dict], users: int, seconds: float) -> None:
    print(f"\n{users} users for {seconds:.0f} s over loopback; latencies in ms (this machine, this run)\n")
    for res in results:
        rec = res["rec"]
        print(f"== {res['server']}: peak memory of the server processes {res['peak_mb']:.0f} MB; "
              f"errors {len(rec.errors)}; rate-limited (429) {rec.limited}; "
              f"re-sent on a fresh connection {rec.retried}")
        print(f"{'callback':<22}{'n':>7}{'p50':>9}{'p95':>9}{'p99':>9}")
        for name, ms in sorted(rec.calls.items()):
            print(f"{name:<22}{len(ms):>7}{pct(ms, 50):>9.0f}{pct(ms, 95):>9.0f}{pct(ms, 99):>9.0f}")
        print(f"{'interaction':<22}{'n':>7}{'p50':>9}{'p95':>9}{'p99':>9}")
        for name, ms in sorted(rec.groups.items()):
            print(f"{name:<22}{len(ms):>7}{pct(ms, 50):>9.0f}{pct(ms, 95):>9.0f}{pct(ms, 99):>9.0f}")
        if res["killed"]:
            k = res["killed"]
            print(f"worker killed half-way: {k['in_flight']} requests in flight, {k['failed_after']} failed after it")
        if rec.errors:
            kinds = statistics.multimode([e for _, e in rec.errors])
            print("errors, most common:", ", ".join(kinds[:3]))
        print()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--users", type=int, default=30, help="simulated students (at most 100)")
    ap.add_argument("--seconds", type=float, default=60.0, help="length of each run (at most 300)")
    ap.add_argument("--servers", default="dev,gunicorn", help="dev, gunicorn or both (comma-separated)")
    ap.add_argument("--heavy", action="store_true", help="add a user who keeps asking for a 20,000-node genome (too large to run live)")
    ap.add_argument("--no-kill", action="store_true", help="do not kill a gunicorn worker half-way")
    ap.add_argument("--root", type=Path, default=ROOT, help="the checkout whose app.py to serve (default: this one)")
    args = ap.parse_args(argv)
    users = max(1, min(100, args.users))
    seconds = max(5.0, min(300.0, args.seconds))
    os.chdir(ROOT)
    root = args.root.resolve()
    results = [run(s.strip(), users, seconds, args.heavy, not args.no_kill, root)
               for s in args.servers.split(",") if s.strip()]
    report(results, users, seconds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
