"""The Great Expectations worker process: ``python -m syncguard.engines.gx_worker``.

Started by the GE backend when a check begins, it imports Great Expectations at once (seconds,
on the second core), then answers requests on its standard input until that closes: a pickled
header (the suite's name and the jobs), then the boundary frame as an Arrow IPC stream; the
answer on standard output is the pickled list of verdicts, or one sentence when GE cannot be
loaded at all. Nothing else is written to standard output.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import pickle
import sys
import time
from typing import IO, Any


def _answer(stdout: IO[bytes], answer: Any) -> None:
    pickle.dump(answer, stdout, protocol=pickle.HIGHEST_PROTOCOL)
    stdout.flush()


def _give_back_memory(pa: Any) -> None:
    """Return the request's memory to the system while the check goes on (freed memory stays
    with the process otherwise, and counts against the machine until the check ends)."""
    gc.collect()
    pa.default_memory_pool().release_unused()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: given back at exit
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def main() -> int:
    """Serve requests until standard input closes."""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a print anywhere must not corrupt the answers
    unavailable = None
    started = time.perf_counter()
    try:
        import great_expectations  # noqa: F401  (the import this process exists to overlap)
        import polars as pl
        import pyarrow as pa  # type: ignore[import-untyped]

        from syncguard.engines.gx_engine import Answer, validate_jobs
    except BaseException as exc:  # say why on the next request, then stop
        unavailable = f"Great Expectations cannot be loaded ({type(exc).__name__}: {exc})"
    imported = time.perf_counter() - started
    while True:
        try:
            suite, jobs = pickle.load(stdin)
        except EOFError:  # the check is over: leave at once (tearing GE down takes a second)
            os._exit(0)
        if unavailable is not None:
            _answer(stdout, unavailable)
            return 1
        table = pa.ipc.open_stream(stdin).read_all()
        began = time.perf_counter()
        frame = pl.from_arrow(table)
        del table
        assert isinstance(frame, pl.DataFrame)
        answer: Answer | str
        try:
            verdicts = tuple(validate_jobs(frame, jobs, suite))
            answer = Answer(verdicts, round(imported, 3), round(time.perf_counter() - began, 3))
        except Exception as exc:  # every rule gets it as its crash
            answer = f"Great Expectations failed ({type(exc).__name__}: {exc})"
        del frame
        _answer(stdout, answer)
        _give_back_memory(pa)


if __name__ == "__main__":
    sys.exit(main())
