"""Worker processes: a Python module run with ``-m`` that answers pickled requests on its pipes.

Only the standard library is imported here, so a check starts its worker first thing: the
Great Expectations worker imports GE for seconds, on the other core, while this process loads
the rules and reads the export. A request is a pickled header followed by an Arrow IPC stream
(a polars frame); the answer is one pickled object. Requests go one at a time per worker.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import IO, Any, Protocol


@dataclass(frozen=True)
class Program:
    """A worker program: the module run with ``python -m``, and its environment."""

    module: str
    env: Mapping[str, str] = field(default_factory=dict)


GREAT_EXPECTATIONS = Program("syncguard.engines.gx_worker", {"GX_ANALYTICS_ENABLED": "False"})
"""The Great Expectations worker (``engines/gx_worker.py``)."""


class Frame(Protocol):
    """What a request carries: a polars DataFrame (only its IPC writer is used here)."""

    def write_ipc_stream(self, file: IO[bytes]) -> object: ...


class WorkerStopped(Exception):
    """The worker gave no answer; the message says how it ended (exit code or signal)."""


class Worker:
    """One worker process (``python -m MODULE``) and its pipes."""

    def __init__(self, program: Program) -> None:
        self.program = program
        self.log = tempfile.TemporaryFile()  # noqa: SIM115  (its stderr; closed with it)
        self.process = subprocess.Popen(
            # -P: the working folder is not on its path (a great_expectations.py there would
            # be imported instead of the library)
            [sys.executable, "-P", "-m", program.module],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            env={**os.environ, **program.env},
        )
        self.busy = False
        self.thread = threading.get_ident()
        """The thread that started it (the API ends the workers its call started)."""

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def _pipes(self) -> tuple[IO[bytes], IO[bytes]]:
        assert self.process.stdin is not None and self.process.stdout is not None
        return self.process.stdin, self.process.stdout

    def send(self, header: object, frame: Frame) -> Callable[[], str | None]:
        """Write a request from a thread (it waits while the worker starts); returns a join
        that says why the request could not be written, if that was not the worker's end."""
        problem: list[str] = []

        def feed() -> None:
            stdin, _ = self._pipes()
            try:
                pickle.dump(header, stdin, protocol=pickle.HIGHEST_PROTOCOL)
                frame.write_ipc_stream(stdin)
                stdin.flush()
            except (OSError, ValueError):
                pass  # the worker has gone: receive() says how it ended
            except BaseException as exc:  # half a request: end the worker, say why
                problem.append(f"{type(exc).__name__}: {exc}")
                self.process.kill()

        feeder = threading.Thread(target=feed, name=f"feed-{self.program.module}", daemon=True)
        feeder.start()

        def sent() -> str | None:
            feeder.join()
            return problem[0] if problem else None

        return sent

    def receive(self) -> Any:
        """The answer to the request sent.

        Raises:
            WorkerStopped: the worker ended (or wrote something that is not an answer).
        """
        _, stdout = self._pipes()
        try:
            return pickle.load(stdout)
        except (EOFError, OSError, pickle.UnpicklingError):
            raise WorkerStopped(self._stopped()) from None

    def _stopped(self) -> str:
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        how = f"signal {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"
        hint = " (out of memory?)" if code == -signal.SIGKILL else ""
        return f"stopped with {how}{hint}"

    def close(self) -> None:
        """End the worker at once and release its pipes.

        It holds nothing to save, and waiting would cost seconds when it is still importing
        (it reads its input only then) or working on a request nobody will collect.
        """
        stdin, stdout = self._pipes()
        with contextlib.suppress(OSError):  # it may have gone already
            self.process.kill()
        self.process.wait()
        for pipe in (stdin, stdout):
            with contextlib.suppress(OSError, ValueError):  # a feeder's write ends with EPIPE
                pipe.close()
        self.log.close()


_workers: list[Worker] = []
_lock = threading.Lock()


def idle(program: Program) -> Worker:
    """An idle, live worker of the program: one already started, or a new one."""
    with _lock:
        for worker in list(_workers):
            if not worker.alive:
                _workers.remove(worker)
                worker.close()
            elif worker.program == program and not worker.busy:
                return worker
        worker = Worker(program)
        _workers.append(worker)
        return worker


def preload(program: Program) -> None:
    """Have an idle worker of the program started now, so its imports overlap the caller's own
    work; when none can start, the request made later says so (this never fails)."""
    with contextlib.suppress(OSError):
        idle(program)


def workers() -> list[Worker]:
    """The workers started (live or not yet found dead)."""
    return list(_workers)


def close(ended: list[Worker]) -> None:
    """End these workers (and forget them): a caller that started them is done with them."""
    with _lock:
        for worker in ended:
            worker.close()
            if worker in _workers:
                _workers.remove(worker)


@atexit.register
def close_all() -> None:
    """End every worker (at exit; tests call it too)."""
    with _lock:
        for worker in _workers:
            worker.close()
        _workers.clear()
