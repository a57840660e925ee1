"""The one result cache: bounded by bytes, thread-safe, computes a missing value once."""

import threading
import time

import numpy as np

from wann_viz.cache import ResultCache, approximate_bytes


def test_bounded_by_the_bytes_of_its_values():
    cache = ResultCache(max_bytes=10_000)
    for i in range(10):
        cache.put(("a", i), np.zeros(250))  # 2,000 bytes of data each
    assert cache.current_bytes <= 10_000
    assert cache.get(("a", 0)) is None and cache.get(("a", 9)) is not None  # oldest out first
    cache.put(("big",), np.zeros(5000))  # larger than the whole cache: simply not kept
    assert cache.get(("big",)) is None and cache.get(("a", 9)) is not None


def test_least_recently_used_goes_first():
    cache = ResultCache(max_bytes=3 * approximate_bytes(np.zeros(100)))
    for k in "abc":
        cache.put(k, np.zeros(100))
    cache.get("a")
    cache.put("d", np.zeros(100))
    assert cache.get("b") is None and cache.get("a") is not None


def test_get_or_compute_computes_once_under_concurrent_requests():
    cache = ResultCache()
    calls = []

    def slow():
        calls.append(1)
        time.sleep(0.05)
        return 42

    results = []
    threads = [threading.Thread(target=lambda: results.append(cache.get_or_compute(("k",), slow))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [42] * 8 and len(calls) == 1


def test_a_computation_may_use_the_cache_even_on_its_own_lock_stripe():
    cache = ResultCache(1_000_000)
    # 1 and 33 share a stripe of the 32 compute locks: the inner call must not wait on the outer.
    done = threading.Event()

    def outer():
        assert cache.get_or_compute(1, lambda: cache.get_or_compute(33, lambda: 5) + 1) == 6
        done.set()

    t = threading.Thread(target=outer, daemon=True)
    t.start()
    assert done.wait(10), "a nested get_or_compute deadlocked"
    assert cache.get(33) == 5 and hash(1) % 32 == hash(33) % 32


def test_clear_one_namespace():
    cache = ResultCache()
    cache.put(("episode", 1), 1)
    cache.put(("mnist-masks", 1), 2)
    cache.clear("episode")
    assert cache.get(("episode", 1)) is None and cache.get(("mnist-masks", 1)) == 2
