"""One helper process per build, for the work that does not have to wait on the build's only thread.

MkDocs builds on one thread; the machines this site is built on have at least two cores. A cold
build forks one helper as soon as the content is loaded (it starts with everything imported and
loaded) and hands it work whose inputs are ready: cutting the search text (kb.segmenter) while
pages render, and half of the post-build script check (kb.inlinescripts). `run` without a helper
(a preview, whose server threads make forking unsafe; unit tests) does the work in place, so
each caller has one code path.
"""
from __future__ import annotations

import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Callable, TypeVar

T = TypeVar("T")


class Helper:
    def __init__(self) -> None:
        self.pool: ProcessPoolExecutor | None = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
        self.pool.submit(int)  # start it now, not at the first piece of work

    def run(self, fn: Callable[..., T], *args) -> "Future[T]":  # noqa: ANN002
        if self.pool is None:
            raise RuntimeError("the build's helper process has been shut down")  # a bug, not content
        return self.pool.submit(fn, *args)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


def run(helper: Helper | None, fn: Callable[..., T], *args) -> "Future[T]":  # noqa: ANN002
    """fn(*args) in the helper, after what it has been given so far; in place without one."""
    if helper is not None:
        return helper.run(fn, *args)
    done: Future = Future()
    try:
        done.set_result(fn(*args))
    except Exception as e:  # noqa: BLE001 - handed over as the helper would
        done.set_exception(e)
    return done
