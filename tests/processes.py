"""Run a function in several fresh processes released at the same moment: two replicas, really.

Each process opens its own database engine from a URL, so nothing is shared but the
database itself (threads on one engine would share a connection pool and the GIL).
"""

from __future__ import annotations

import multiprocessing
import sys
import traceback
import types
from collections.abc import Callable, Sequence
from typing import Any


def _released(barrier: Any, results: Any, index: int, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    barrier.wait(timeout=60)
    try:
        results.put((index, True, fn(*args)))
    except BaseException:  # noqa: BLE001 - reported to the parent
        results.put((index, False, traceback.format_exc()))


def at_once(fn: Callable[..., Any], calls: Sequence[tuple[Any, ...]]) -> list[Any]:
    """``fn(*args)`` for each args, each in its own process, all released together; results in order.

    ``fn`` must be importable (a module-level function) and return something picklable.
    """
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(len(calls)), ctx.Queue()
    # A spawned child re-runs the parent's __main__ file; after an AppTest.from_function that is a
    # Streamlit temp script, so the children get a plain __main__ instead.
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        procs = [ctx.Process(target=_released, args=(barrier, results, i, fn, args)) for i, args in enumerate(calls)]
        for p in procs:
            p.start()
    finally:
        sys.modules["__main__"] = main
    got = dict((i, (ok, value)) for i, ok, value in (results.get(timeout=120) for _ in calls))
    for p in procs:
        p.join(timeout=30)
    failed = [value for ok, value in got.values() if not ok]
    assert not failed, "\n".join(failed)
    return [got[i][1] for i in range(len(calls))]
