"""Developer sessions: tests, lint, typecheck, and the demo (the main job on sample_data/)."""

from __future__ import annotations

import nox

nox.options.sessions = ["lint", "typecheck", "tests"]
nox.options.default_venv_backend = "venv"


@nox.session
def tests(session: nox.Session) -> None:
    """The test suite, on two workers."""
    session.install("-e", ".[test]")
    session.run("pytest", "-n", "2", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff lint and format check, and the import-linter layer contracts (pyproject.toml)."""
    session.install("-e", ".", "ruff", "import-linter")
    session.run("ruff", "check", "src", "tests", "sample_data", "benchmarks", "noxfile.py")
    session.run(
        "ruff", "format", "--check", "src", "tests", "sample_data", "benchmarks", "noxfile.py"
    )
    session.run("lint-imports")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy strict on src/."""
    session.install("-e", ".", "mypy", "types-PyYAML")
    session.run("mypy")


@nox.session
def demo(session: nox.Session) -> None:
    """The README's main job: three weekly sample exports checked in order, then the history."""
    session.install(".")
    for week, status in (("2026-11-15", 0), ("2026-11-22", 1), ("2026-11-29", 1)):
        export = f"sample_data/weekly/{week}.csv"
        session.run("syncguard", "check", export, "--as-of", week, success_codes=[status])
    session.run("syncguard", "history")


@nox.session
def browser(session: nox.Session) -> None:
    """The real-browser test: installs Debian's chromium and npm (as root), opens the pages
    headless and checks their accessibility with axe-core (the test installs it with npm)."""
    if not session.run("sh", "-c", "command -v chromium", external=True, success_codes=[0, 1]):
        session.run("apt-get", "update", external=True)
        session.run("apt-get", "install", "-y", "chromium", external=True)
    if not session.run("sh", "-c", "command -v npm", external=True, success_codes=[0, 1]):
        session.run("apt-get", "update", external=True)
        session.run("apt-get", "install", "-y", "nodejs", "npm", external=True)
    session.install("-e", ".[test]")
    session.run("pytest", "tests/output/test_browser.py", *session.posargs)


@nox.session
def fuzz(session: nox.Session) -> None:
    """The long fuzzing run of intake and rule files (CI runs the short one with the tests)."""
    session.install("-e", ".[test]")
    session.env["SYNCGUARD_FUZZ_EXAMPLES"] = session.posargs[0] if session.posargs else "5000"
    session.run(
        "pytest",
        "-q",
        "tests/intake/test_fuzz.py",
        "tests/suite/test_fuzz_rules.py",
        "-p",
        "no:randomly",
    )


@nox.session
def bench(session: nox.Session) -> None:
    """The benchmark: syncguard vs the floor, Pandera and the GX / Pointblank yardsticks."""
    session.install("-e", ".[bench]")
    default = ["--rows", "10000", "100000", "--repeat", "3"]
    session.run("python", "benchmarks/run.py", *(session.posargs or default))
