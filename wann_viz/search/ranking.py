"""Non-dominated sorting and selection.

All objectives are maximized. The population is ordered by front (NSGA-II
non-dominated sorting), then by crowding distance inside a front (spread-out
solutions first), then by the first objective, then by index (ties are
broken deterministically).
"""

from __future__ import annotations

import numpy as np


def nondominated_fronts(objectives: np.ndarray) -> np.ndarray:
    """Front number of each point (0 = not dominated by anyone).

    Args:
        objectives: (P, M) finite values, all maximized.

    Returns:
        (P,) int64 front index.
    """
    f = np.asarray(objectives, float)
    p = f.shape[0]
    ge = (f[:, None, :] >= f[None, :, :]).all(axis=2)
    gt = (f[:, None, :] > f[None, :, :]).any(axis=2)
    dominates = ge & gt  # [i, j]: i dominates j
    n_dominators = dominates.sum(axis=0)
    front = np.full(p, -1, np.int64)
    current = np.flatnonzero(n_dominators == 0)
    k = 0
    while current.size:
        front[current] = k
        n_dominators = n_dominators - dominates[current].sum(axis=0)
        n_dominators[front >= 0] = -1
        current = np.flatnonzero(n_dominators == 0)
        k += 1
    return front


def crowding_distance(objectives: np.ndarray) -> np.ndarray:
    """NSGA-II crowding distance inside one front.

    Args:
        objectives: (P, M).

    Returns:
        (P,) float; boundary points get ``inf``.
    """
    f = np.asarray(objectives, float)
    p, m = f.shape
    dist = np.zeros(p)
    if p <= 2:
        return np.full(p, np.inf)
    for j in range(m):
        order = np.argsort(f[:, j], kind="stable")
        col = f[order, j]
        span = col[-1] - col[0]
        dist[order[0]] = dist[order[-1]] = np.inf
        if span > 0:
            dist[order[1:-1]] += (col[2:] - col[:-2]) / span
    return dist


def rank_order(objectives: np.ndarray) -> np.ndarray:
    """(P,) indices from best to worst (front, crowding, first objective, index)."""
    f = np.asarray(objectives, float)
    front = nondominated_fronts(f)
    crowd = np.zeros(f.shape[0])
    for k in np.unique(front):
        members = np.flatnonzero(front == k)
        crowd[members] = crowding_distance(f[members])
    idx = np.arange(f.shape[0])
    # lexsort: last key is primary.
    return np.lexsort((idx, -f[:, 0], -crowd, front))


def tournament(rank_of: np.ndarray, pool: np.ndarray, size: int, rng: np.random.Generator) -> int:
    """Winner of one tournament: ``size`` entrants drawn with replacement from ``pool``.

    Args:
        rank_of: (P,) rank position of each individual (0 = best).
        pool: indices allowed to enter (the population without the culled).

    Returns:
        index of the entrant with the best rank.
    """
    entrants = pool[rng.integers(pool.size, size=size)]
    return int(entrants[np.argmin(rank_of[entrants])])
