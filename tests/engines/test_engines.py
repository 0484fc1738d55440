"""Both engines, compiled from one suite: rows come back as spreadsheet rows; crashes are errors."""

from __future__ import annotations

import dataclasses
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import polars as pl
import pytest

from syncguard import workers
from syncguard.engines import gx_engine, pandera_engine, validate
from syncguard.errors import SourceLocation
from syncguard.model import Engine, Finding, Severity
from syncguard.suite.model import Rule, Suite
from syncguard.suite.registry import ExpectationSpec


def _rule(rule_id: str, kind: str, column: str, **params: object) -> Rule:
    return Rule(
        rule_id,
        kind,
        (column,),
        Severity.ERROR,
        f"{rule_id}.",
        SourceLocation(Path("r.yaml"), 3, 5),
        params,
    )


SUITE = Suite(
    "t",
    "1",
    ("email_address", "username"),
    (
        _rule("email.not_blank", "not_blank", "email_address"),
        _rule("email.unique", "unique", "email_address", ignore_case=True, strip=True),
        _rule("username.unique", "unique", "username"),
    ),
)
FRAME = pl.DataFrame(
    {
        "email_address": ["a@x.eu", " A@X.eu", None, "b@x.eu", "  "],
        "username": ["1", "2", "1", None, None],
        "__row__": pl.Series([2, 3, 5, 6, 9], dtype=pl.UInt32),
    }
)


def test_pandera_rows_are_spreadsheet_rows() -> None:
    (finding,) = validate(FRAME, SUITE, Engine.PANDERA)
    assert finding.rule == "email.not_blank"
    assert finding.engine is Engine.PANDERA
    assert finding.rows == (5, 9)
    assert finding.location == "r.yaml:3:5"


def test_gx_rows_are_spreadsheet_rows_and_blanks_are_not_duplicates() -> None:
    found = {f.rule: f for f in validate(FRAME, SUITE, Engine.GREAT_EXPECTATIONS)}
    assert found["email.unique"].rows == (2, 3)
    assert found["email.unique"].examples == ("a@x.eu", " A@X.eu")
    assert found["username.unique"].rows == (2, 5)
    assert all(f.engine is Engine.GREAT_EXPECTATIONS for f in found.values())


def test_gx_compiles_one_expectation_per_rule_with_the_rule_id() -> None:
    suite = gx_engine.compile_suite(SUITE)
    assert [e.meta["rule"] for e in suite.expectations] == ["email.unique", "username.unique"]


def test_mostly_lets_a_small_share_pass() -> None:
    # GE counts the share over non-blank values (1 of 3 usernames passes), Pandera over all rows
    # (3 of 5 emails are not blank).
    lenient = Suite(
        "t",
        "1",
        SUITE.known_headers,
        (
            Rule(
                "u",
                "unique",
                ("username",),
                Severity.ERROR,
                "u.",
                SourceLocation(Path("r"), 1, 1),
                {},
                mostly=0.3,
            ),
            Rule(
                "n",
                "not_blank",
                ("email_address",),
                Severity.ERROR,
                "n.",
                SourceLocation(Path("r"), 1, 1),
                {},
                mostly=0.5,
            ),
        ),
    )
    assert validate(FRAME, lenient, Engine.GREAT_EXPECTATIONS) == []
    assert validate(FRAME, lenient, Engine.PANDERA) == []


def test_a_pandera_crash_is_an_error_finding_never_a_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_: object, **__: object) -> object:
        raise RuntimeError("engine exploded")

    monkeypatch.setattr(pandera_engine, "compile_schema", boom)
    findings = validate(FRAME, SUITE, Engine.PANDERA)
    assert findings
    assert all(f.severity is Severity.ERROR and "engine exploded" in f.message for f in findings)


def test_a_rule_ge_cannot_build_is_its_own_error_and_the_others_still_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = gx_engine.job

    def broken(rule: Rule) -> gx_engine.Job:
        made = real(rule)
        if rule.id != "username.unique":
            return made
        return dataclasses.replace(made, spec=ExpectationSpec("ExpectNoSuchThing", {}))

    monkeypatch.setattr(gx_engine, "job", broken)
    found = {f.rule: f for f in validate(FRAME, SUITE, Engine.GREAT_EXPECTATIONS)}
    assert found["username.unique"].severity is Severity.ERROR
    assert "could not run" in found["username.unique"].message
    assert "ExpectNoSuchThing" in found["username.unique"].message
    assert found["email.unique"].rows == (2, 3)  # the other rule still ran in the worker


def test_a_ge_crash_inside_the_worker_is_an_error_for_every_rule_of_the_batch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def boom(*_: object, **__: object) -> object:
        raise RuntimeError("engine exploded")

    jobs, boundary, _ = gx_engine.crossing(FRAME, gx_engine.gx_rules(SUITE))
    monkeypatch.setattr(gx_engine, "_context", boom)
    with pytest.raises(RuntimeError):
        gx_engine.validate_jobs(boundary, jobs, "t")  # the worker answers with it, below
    monkeypatch.undo()
    verdicts = gx_engine.validate_jobs(boundary, jobs, "t")
    assert {v.rule: v.rows for v in verdicts} == {"email.unique": (2, 3), "username.unique": (2, 5)}


@pytest.fixture
def own_worker(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Workers of the test's own, closed after it (not the shared one)."""
    monkeypatch.setattr(workers, "_workers", [])
    yield
    workers.close_all()


@pytest.mark.parametrize(
    ("module", "said"),
    [
        ("syncguard_no_such_worker_module", "stopped with exit code 1"),
        ("this", "stopped with exit code 0"),  # prints the Zen of Python: not an answer
    ],
)
@pytest.mark.usefixtures("own_worker")
def test_a_worker_that_stops_makes_every_rule_an_error_never_a_pass(
    monkeypatch: pytest.MonkeyPatch, module: str, said: str
) -> None:
    monkeypatch.setattr(gx_engine, "WORKER", workers.Program(module))
    findings = validate(FRAME, SUITE, Engine.GREAT_EXPECTATIONS)
    assert {f.rule for f in findings} == {"email.unique", "username.unique"}
    assert all(f.severity is Severity.ERROR and said in f.message for f in findings)


@pytest.mark.usefixtures("own_worker")
def test_a_worker_killed_mid_request_is_an_error_and_the_next_check_gets_a_new_one() -> None:
    pending = gx_engine.GxBackend().start(FRAME, gx_engine.gx_rules(SUITE), "t")
    (killed,) = workers.workers()
    killed.process.send_signal(signal.SIGKILL)
    findings = pending.result()
    assert all("stopped with signal SIGKILL" in f.message for f in findings)
    again = {f.rule: f.rows for f in validate(FRAME, SUITE, Engine.GREAT_EXPECTATIONS)}
    assert again == {"email.unique": (2, 3), "username.unique": (2, 5)}
    assert len(workers.workers()) == 1 and workers.workers()[0] is not killed


@pytest.mark.usefixtures("own_worker")
def test_a_worker_that_cannot_start_makes_every_rule_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def cannot(*_: object) -> None:
        raise OSError("[Errno 12] Cannot allocate memory")

    monkeypatch.setattr(workers, "Worker", cannot)
    gx_engine.preload()  # says nothing: the check goes on
    findings = validate(FRAME, SUITE, Engine.GREAT_EXPECTATIONS)
    assert {f.rule for f in findings} == {"email.unique", "username.unique"}
    assert all("could not start" in f.message and "Cannot allocate" in f.message for f in findings)


@pytest.mark.usefixtures("own_worker")
def test_an_interrupted_wait_never_leaves_the_worker_for_the_next_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pending = gx_engine.GxBackend().start(FRAME, gx_engine.gx_rules(SUITE), "t")
    (interrupted,) = workers.workers()

    def interrupt(self: workers.Worker) -> object:
        raise KeyboardInterrupt

    with monkeypatch.context() as patched:
        patched.setattr(workers.Worker, "receive", interrupt)
        with pytest.raises(KeyboardInterrupt):
            pending.result()
    assert not interrupted.alive  # its answer would have been read by the next request
    again = {f.rule: f.rows for f in validate(FRAME, SUITE, Engine.GREAT_EXPECTATIONS)}
    assert again == {"email.unique": (2, 3), "username.unique": (2, 5)}


def test_a_kind_that_fails_to_describe_its_rule_is_that_rules_error_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = gx_engine.job

    def raising(rule: Rule) -> gx_engine.Job:
        if rule.id == "username.unique":
            raise KeyError("a project kind's bug")
        return real(rule)

    monkeypatch.setattr(gx_engine, "job", raising)
    found = {f.rule: f for f in validate(FRAME, SUITE, Engine.GREAT_EXPECTATIONS)}
    assert "a project kind's bug" in found["username.unique"].message
    assert found["username.unique"].severity is Severity.ERROR
    assert found["email.unique"].rows == (2, 3)


class _HalfWritten:
    """A boundary frame whose writing fails half-way (memory running out, say)."""

    def write_ipc_stream(self, file: IO[bytes]) -> None:
        file.write(b"\xff\xff\xff\xff" + b"x" * 4096)
        raise MemoryError("no memory left to write the frame")


@pytest.mark.usefixtures("own_worker")
def test_a_request_that_cannot_be_written_is_an_error_never_a_hang(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = gx_engine.crossing

    def half(frame: pl.DataFrame, rules: object) -> tuple[object, object, object]:
        jobs, _, failed = real(frame, rules)  # type: ignore[arg-type]
        return jobs, _HalfWritten(), failed

    monkeypatch.setattr(gx_engine, "crossing", half)
    pending = gx_engine.GxBackend().start(FRAME, gx_engine.gx_rules(SUITE), "t")
    done: list[list[Finding]] = []
    waiting = threading.Thread(target=lambda: done.append(pending.result()), daemon=True)
    waiting.start()
    waiting.join(timeout=120)
    assert done, "the check waited forever for a worker that never got its request"
    assert all("could not be sent" in f.message and "MemoryError" in f.message for f in done[0])


@pytest.mark.usefixtures("own_worker")
def test_a_module_in_the_working_folder_never_replaces_great_expectations(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "great_expectations.py").write_text("raise ImportError('the wrong module')\n")
    monkeypatch.chdir(tmp_path)
    found = {f.rule: f.rows for f in validate(FRAME, SUITE, Engine.GREAT_EXPECTATIONS)}
    assert found == {"email.unique": (2, 3), "username.unique": (2, 5)}


@pytest.mark.usefixtures("own_worker")
def test_closing_a_worker_still_importing_leaves_no_process_behind() -> None:
    gx_engine.preload()
    (started,) = workers.workers()
    workers.close_all()  # it is still importing GE (it reads its input only after): killed
    assert started.process.returncode == -signal.SIGKILL
    assert workers.workers() == []
