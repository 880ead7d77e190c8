"""Run a function in several fresh processes released at the same moment: two replicas, really.

Each process opens its own database engine from a URL, so nothing is shared but the
database itself (threads on one engine would share a connection pool and the GIL).
"""

from __future__ import annotations

import multiprocessing
import sys
import types
from collections.abc import Callable, Sequence
from typing import Any


def _released(args: tuple[Any, ...]) -> Any:
    barrier, fn, fn_args = args
    barrier.wait(timeout=60)
    return fn(*fn_args)


def at_once(fn: Callable[..., Any], calls: Sequence[tuple[Any, ...]]) -> list[Any]:
    """``fn(*args)`` for each args, each in its own process, all started together; results in order.

    ``fn`` must be importable (a module-level function) and return something picklable.
    """
    ctx = multiprocessing.get_context("spawn")
    # A spawned child re-runs the parent's __main__ file; after an AppTest.from_function that is a
    # Streamlit temp script, so the children get a plain __main__ instead.
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        with ctx.Manager() as manager:
            barrier = manager.Barrier(len(calls))
            with ctx.Pool(len(calls)) as pool:
                return pool.map(_released, [(barrier, fn, args) for args in calls])
    finally:
        sys.modules["__main__"] = main
