"""Bounds on the work one request may cost, so that one heavy genome cannot stall a class.

Any valid genome can be uploaded (the loader caps files at 1 MB), but live episodes and the
MNIST panel run only networks of classroom size, and the network view draws only what a
browser can show. Each refusal is a sentence for the page.
"""

from __future__ import annotations

import threading
import time

from cachetools import TTLCache

from ..genome import Genome

MAX_LIVE_NODES = 1000          # episodes and MNIST evaluation
MAX_LIVE_CONNECTIONS = 10_000
MAX_DRAW_NODES = 3000          # the network view
MAX_DRAW_CONNECTIONS = 20_000
MAX_PAYLOAD_BYTES = 6 * 1024 * 1024  # one episode payload (node values of every step)
# Requests that compute (episodes, MNIST views, figures): a burst, then a steady rate per browser.
HEAVY_BURST = 60
HEAVY_PER_SECOND = 15.0
# The same per network address (a classroom behind one address, or a client that drops its cookie).
ADDRESS_BURST = 600
ADDRESS_PER_SECOND = 150.0
# Callbacks that compute, by the outputs they write.
HEAVY_OUTPUTS = ("episode-store", "tail-store", "network-graph", "mnist-")


def live_refusal(genome: Genome) -> str | None:
    """``None`` when ``genome`` may run live, else why not."""
    if genome.n_nodes > MAX_LIVE_NODES or genome.n_connections > MAX_LIVE_CONNECTIONS:
        return (f"This genome is too large to run live here ({genome.n_nodes} nodes, {genome.n_connections} "
                f"connections; the limit is {MAX_LIVE_NODES} nodes and {MAX_LIVE_CONNECTIONS} connections). "
                "Its network can still be drawn, and python -m wann_viz evaluate runs it on your own machine.")
    return None


def draw_refusal(genome: Genome) -> str | None:
    """``None`` when the network view may draw ``genome``, else why not."""
    if genome.n_nodes > MAX_DRAW_NODES or genome.n_connections > MAX_DRAW_CONNECTIONS:
        return (f"This genome is too large to draw here ({genome.n_nodes} nodes, {genome.n_connections} "
                f"connections; the limit is {MAX_DRAW_NODES} nodes and {MAX_DRAW_CONNECTIONS} connections).")
    return None


def payload_bytes(steps: int, n_nodes: int, n_out: int) -> int:
    """Bytes of an episode payload's arrays (float32, base64)."""
    return int((steps * (n_nodes + n_out + 1) + (steps + 1) * 16) * 4 * 4 / 3)


class RateLimiter:
    """Token buckets per client, in a bounded, thread-safe cache (a client unseen for 10 minutes is forgotten).

    Args:
        burst: requests a client may make at once.
        per_second: the steady rate after that.
    """

    def __init__(self, burst: int = HEAVY_BURST, per_second: float = HEAVY_PER_SECOND, clients: int = 10_000):
        self.burst, self.rate = float(burst), float(per_second)
        self._buckets: TTLCache = TTLCache(maxsize=clients, ttl=600)
        self._lock = threading.Lock()

    def allow(self, client: str, now: float | None = None) -> bool:
        """Take one token of ``client``'s bucket; False when it is empty."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.get(client, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            allowed = tokens >= 1.0
            self._buckets[client] = (tokens - 1.0 if allowed else tokens, now)
        return allowed
