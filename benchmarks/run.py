"""Performance harness: syncguard against its floor, Pandera alone and two yardsticks, side by side.

Usage::

    python benchmarks/run.py [--rows 10000 100000 1000000] [--repeat 3] [--clean] [--broken]
                             [--out benchmarks/RESULTS.md]

For each size it generates, once, a clean export and a broken one (every ``school_year_name``
lowercased: every row fails one rule) into ``benchmarks/data/`` (ignored by git) with
``sample_data/generate.py``. Then it times each program of ``PROGRAMS`` in a fresh process:
wall seconds, CPU seconds (user + sys of the child and its children, from ``os.wait4``) and
peak memory (resident, of the whole process tree, sampled every 20 ms), median of ``--repeat``
runs (peak: the largest), with each repetition's programs run round-robin so that a busy moment
of the machine does not hit one program only.

It prints a markdown table with the ratios (wall / CPU) to the floor and to each yardstick,
and writes it to ``--out`` with the machine's cores, the library versions and the date. The
measurements also go to ``RESULTS.json`` next to ``--out``: a later run replaces the sizes and
exports it measures again and keeps the others, so a 1M-row pass merges with a 10k/100k one.

Figures are of this machine at this time: compare ratios, not absolute seconds.
"""

from __future__ import annotations

import argparse
import atexit
import functools
import importlib.util
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
YARDSTICKS = HERE / "yardsticks"
AS_OF = "2026-11-29"  # the generator's "today": current students end after it, alumni before
BROKEN_COLUMN = "school_year_name"  # lowercased in every row of the broken export
LIBRARIES = (
    "syncguard", "polars", "polars_hash", "pandas", "pandera", "great_expectations", "pointblank"
)  # fmt: skip
RETRIES, RETRY_PAUSE = 2, 30.0  # a crashed run is tried again, after a pause
CHILD_ENV = {**os.environ, "GX_ANALYTICS_ENABLED": "False"}  # no network calls in any child


# ---------------------------------------------------------------------------------------------
# The programs
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Program:
    """One program to time: its command, and what must happen (untimed) before each run."""

    name: str
    about: str
    command: Callable[[Path, Path], list[str]]
    """(export, scratch folder) -> argv; the scratch folder is new for every run."""
    prepare: Callable[[Path, Path], None] | None = None
    """(clean export of the same size, scratch folder) -> None, untimed, before every run."""
    requires: str | None = None
    """A module the program needs; without it the program is skipped with a note."""
    checks: bool = True
    """True when it validates (exit 1 expected on the broken export); False: always exit 0."""


def _python(code: str) -> Callable[[Path, Path], list[str]]:
    return lambda export, _: [sys.executable, "-c", code.replace("PATH", repr(str(export)))]


def _script(path: Path) -> Callable[[Path, Path], list[str]]:
    return lambda export, _: [sys.executable, str(path), str(export), AS_OF]


def _syncguard(export: Path, scratch: Path) -> list[str]:
    """``syncguard check`` as a user runs it, with its reports and history in the scratch folder."""
    return [sys.executable, "-m", "syncguard", "check", str(export), "-q", "--progress",
            "--as-of", AS_OF, "--report-dir", str(scratch / "reports")]  # fmt: skip


@functools.cache
def _last_week(clean: Path) -> Path:
    """A report folder holding one uploaded run of ``clean``: the baseline of a weekly run.

    When that run fails the gate (at 1M rows: ``intake.file_size``, the importer's 50 MB limit),
    it is marked as uploaded with ``syncguard accept``, as a steward does, so that the weekly
    run still compares with it.
    """
    folder = Path(tempfile.mkdtemp(prefix="syncguard-week1-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    print(f"  seeding last week's history with {clean.name} ...", file=sys.stderr, flush=True)
    check = subprocess.run(_syncguard(clean, folder), env=CHILD_ENV, capture_output=True)
    if check.returncode == 1:
        history = str(folder / "reports" / "history.sqlite")
        accept = [sys.executable, "-m", "syncguard", "accept", "1", "--history", history]
        subprocess.run(accept, env=CHILD_ENV, capture_output=True, check=True)
    elif check.returncode != 0:
        raise RuntimeError(f"seeding the history failed:\n{check.stderr.decode()[-2000:]}")
    return folder


def _with_history(clean: Path, scratch: Path) -> None:
    shutil.copytree(_last_week(clean), scratch, dirs_exist_ok=True)


PROGRAMS: tuple[Program, ...] = (
    Program(
        "floor",
        "import Great Expectations + `polars.read_csv` of the file (all columns text)",
        _python("import great_expectations, polars as pl\npl.read_csv(PATH, infer_schema=False)"),
        checks=False,
    ),
    Program(
        "syncguard first run",
        "`syncguard check` with an empty history: intake, rules, report, failing-rows CSV, history",
        _syncguard,
    ),
    Program(
        "syncguard weekly run",
        "`syncguard check` after last week's (clean) run: the same plus the comparison",
        _syncguard,
        prepare=_with_history,
    ),
    Program(
        "pandera alone",
        "read + syncguard's compiled Pandera schema alone (no report, no GE)",
        _python(
            "from pathlib import Path\n"
            "from syncguard.defaults import default_rules\n"
            "from syncguard.suite.loader import load_suite\n"
            "from syncguard.pipeline import contract_of\n"
            "from syncguard.intake import read_export\n"
            "from syncguard.engines import validate\n"
            "from syncguard.model import Engine\n"
            f"suite = load_suite(default_rules(), {{'today': {AS_OF!r}}})\n"
            "frame = read_export(Path(PATH), contract_of(suite)).frame\n"
            "validate(frame, suite, Engine.PANDERA)\n"
        ),
        checks=False,
    ),
    Program(
        "GX suite",
        "yardstick `yardsticks/gx_suite.py`: the spec in built-in GE expectations, on pandas",
        _script(YARDSTICKS / "gx_suite.py"),
    ),
    Program(
        "Pointblank plan",
        "yardstick `yardsticks/pointblank_plan.py`: the spec in built-in Pointblank steps (polars)",
        _script(YARDSTICKS / "pointblank_plan.py"),
        requires="pointblank",
    ),
)
FLOOR = "floor"
YARDSTICK_NAMES = ("GX suite", "Pointblank plan")


# ---------------------------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """One run of one program in a fresh process."""

    wall: float  # seconds
    cpu: float  # user + sys seconds of the child
    peak_mb: float  # the process tree's peak resident memory (see tree_rss)
    code: int  # exit code


PAGE = os.sysconf("SC_PAGE_SIZE")
SAMPLE_EVERY_S = 0.02


def _tree(pid: int) -> list[int]:
    """A process and its descendants, from /proc (Linux)."""
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                todo += [int(c) for c in task.read_text().split()]
            except OSError:
                continue
    return out


def tree_rss(pid: int) -> int:
    """Bytes resident in a process and all its descendants together, now."""
    total = 0
    for member in _tree(pid):
        try:
            total += int(Path(f"/proc/{member}/statm").read_text().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            continue
    return total


def time_program(argv: list[str], scratch: Path) -> tuple[Sample, str]:
    """Run ``argv`` in a fresh process in ``scratch``; its sample and the tail of its output.

    Peak memory is of the whole process tree: syncguard runs Great Expectations in a worker
    process, and the largest single process (``ru_maxrss``) would hide the worker's memory. The
    tree's resident total is sampled every 20 ms; the peak is the larger of that and the
    largest single process seen by ``wait4`` (a spike between two samples).
    """
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(
            argv, cwd=scratch, env=CHILD_ENV, stdout=err, stderr=subprocess.STDOUT
        )
        peak = 0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.wait(SAMPLE_EVERY_S):
                peak = max(peak, tree_rss(child.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        done.set()
        sampler.join()
        child.returncode = code = os.waitstatus_to_exitcode(status)  # reaped by wait4
        err.seek(0)
        tail = err.read()[-8000:].decode(errors="replace")
    peak_mb = max(peak / 2**20, usage.ru_maxrss / 1024)
    sample = Sample(wall, usage.ru_utime + usage.ru_stime, peak_mb, code)
    return sample, tail


# ---------------------------------------------------------------------------------------------
# The exports
# ---------------------------------------------------------------------------------------------


@functools.cache
def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("generate", ROOT / "sample_data" / "generate.py")
    assert spec is not None and spec.loader is not None
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    return generate


def export(rows: int, broken: bool) -> Path:
    """The generated export of ``rows`` rows (cached in ``benchmarks/data/``)."""
    path = DATA / f"{'broken' if broken else 'clean'}_{rows}.csv"
    if not path.exists():
        generate = _generator()
        print(f"  generating {path.name} ...", file=sys.stderr, flush=True)
        records: Iterator[dict[str, str]] = generate.iter_rows(rows)
        if broken:
            records = ({**r, BROKEN_COLUMN: r[BROKEN_COLUMN].lower()} for r in records)
        DATA.mkdir(exist_ok=True)
        partial = path.with_suffix(".part")
        generate.write_csv(partial, generate.HEADERS, records)
        partial.replace(path)
    return path


# ---------------------------------------------------------------------------------------------
# Measuring and reporting
# ---------------------------------------------------------------------------------------------


@dataclass
class Result:
    """The median of one program on one export."""

    rows: int
    export: str  # "clean" or "broken"
    program: str
    wall: float | None = None
    cpu: float | None = None
    peak_mb: float | None = None
    codes: str = ""  # the exit codes seen, e.g. "0" or "1"
    repeat: int = 0
    note: str = ""  # why it was skipped, or what went wrong
    run: str = ""  # the date of the run that measured it
    stages: str = ""  # syncguard's --progress stages of the last run, with their seconds


ERROR = re.compile(r"^\s*error\s+([\w.:-]+):", re.MULTILINE)
"""An error line of syncguard's summary: ``  error   intake.file_size: ...``."""
STAGE = re.compile(r"^syncguard: \[\s*([0-9.]+) s\] (.*)$", re.MULTILINE)


def stages(stderr: str, wall: float) -> str:
    """``--progress`` lines as stage durations: "startup 1.2 · reading 0.3 · ..." (wall s)."""
    marks = [(float(t), what) for t, what in STAGE.findall(stderr)]
    if not marks:
        return ""
    names = ["startup", *(re.sub(r" /\S+$", "", what) for _, what in marks)]
    times = [0.0, *(t for t, _ in marks), wall]
    return " · ".join(
        f"{n} {b - a:.1f}" for n, a, b in zip(names, times[:-1], times[1:], strict=True)
    )


def run_once(program: Program, path: Path, clean: Path) -> tuple[Sample, str]:
    """One timed run of ``program`` on ``path`` in a new scratch folder."""
    with tempfile.TemporaryDirectory(prefix="syncguard-bench-") as tmp:
        scratch = Path(tmp)
        if program.prepare is not None:
            program.prepare(clean, scratch)
        return time_program(program.command(path, scratch), scratch)


def measure(
    rows: int, broken: bool, repeat: int, run: str, only: tuple[str, ...] = ()
) -> list[Result]:
    """Every program on one export, ``repeat`` rounds of round-robin runs.

    A run that crashes (exit code other than 0 or 1: say, the package mid-edit) is not timed;
    it is tried again up to ``RETRIES`` times, and the note says how often it crashed. A run
    whose verdict differs from the expected one (1 on a broken export, else 0) is timed, and the
    note names the errors syncguard printed.
    """
    path, clean = export(rows, broken), export(rows, False)
    kind = "broken" if broken else "clean"
    runnable = [p for p in PROGRAMS if p.requires is None or importlib.util.find_spec(p.requires)]
    if only:  # the floor always runs: every ratio is to it
        runnable = [p for p in runnable if p.name == FLOOR or p.name in only]
    samples: dict[str, list[Sample]] = {p.name: [] for p in runnable}
    crashes: dict[str, list[int]] = {p.name: [] for p in runnable}
    progress: dict[str, str] = {}
    verdicts: dict[str, str] = {}
    for round_ in range(1, repeat + 1):
        for program in runnable:
            expected = 1 if broken and program.checks else 0
            for _ in range(1 + RETRIES):
                sample, tail = run_once(program, path, clean)
                if sample.code in (0, 1):
                    break
                crashes[program.name].append(sample.code)
                print(f"  ! {program.name} crashed (exit {sample.code}):\n{tail}", file=sys.stderr)
                time.sleep(RETRY_PAUSE)
            else:
                continue  # every try crashed: no sample this round
            if sample.code != expected:
                errors = ", ".join(dict.fromkeys(ERROR.findall(tail))) or "see its output"
                verdicts[program.name] = f"expected {expected}: {errors}"
                print(f"  ! {program.name}: exit {sample.code}, {verdicts[program.name]}",
                      file=sys.stderr)  # fmt: skip
            samples[program.name].append(sample)
            progress[program.name] = stages(tail, sample.wall)
            print(f"  {rows:>9} {kind:<6} {program.name:<21} round {round_}: "
                  f"{sample.wall:7.2f} s wall {sample.cpu:7.2f} s CPU {sample.peak_mb:6.0f} MB",
                  file=sys.stderr, flush=True)  # fmt: skip
    results = []
    for program in PROGRAMS:
        if only and program.name != FLOOR and program.name not in only:
            continue  # not asked for: no row
        result = Result(rows, kind, program.name, repeat=repeat, run=run)
        results.append(result)
        if program.name not in samples:
            result.note = (
                f"skipped: {program.requires} is not installed (pip install {program.requires})"
            )
            continue
        got, crashed = samples[program.name], crashes[program.name]
        notes = [verdicts[program.name]] if program.name in verdicts else []
        if crashed:
            codes = ", ".join(sorted({str(c) for c in crashed}))
            notes.append(f"{len(crashed)} crashed run(s) not timed: exit {codes}")
        result.note = "; ".join(notes)
        if got:
            result.wall = statistics.median(s.wall for s in got)
            result.cpu = statistics.median(s.cpu for s in got)
            result.peak_mb = max(s.peak_mb for s in got)
            result.codes = ",".join(sorted({str(s.code) for s in got}))
            result.repeat = len(got)
            result.stages = progress.get(program.name, "")
    return results


def _ratio(result: Result, reference: Result | None) -> str:
    """``wall / CPU`` ratio of ``result`` to ``reference``."""
    if reference is None or reference.wall is None or reference.cpu is None:
        return "n/a"
    if result.wall is None or result.cpu is None:
        return ""
    return f"{result.wall / reference.wall:.2f} / {result.cpu / reference.cpu:.2f}"


def table(results: list[Result]) -> str:
    """The markdown table: one line per size, export and program, with the ratios."""
    head = ["rows", "export", "program", "exit", "wall s", "CPU s", "peak MB",
            "x floor (wall / CPU)", *(f"x {y} (wall / CPU)" for y in YARDSTICK_NAMES)]  # fmt: skip
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    order = {p.name: i for i, p in enumerate(PROGRAMS)}
    key = lambda r: (r.rows, r.export != "clean", order.get(r.program, 99))  # noqa: E731
    by_case = {(r.rows, r.export, r.program): r for r in results}
    for r in sorted(results, key=key):
        refs = [by_case.get((r.rows, r.export, name)) for name in (FLOOR, *YARDSTICK_NAMES)]
        if r.wall is None:
            cells = [r.note, "", "", "", "", *([""] * len(YARDSTICK_NAMES))]
        else:
            code = r.codes + (f" ({r.note})" if r.note else "")
            figures = [f"{r.wall:.2f}", f"{r.cpu:.2f}", f"{r.peak_mb:.0f}"]
            cells = [code, *figures, *(_ratio(r, ref) for ref in refs)]
        lines.append("| " + " | ".join([f"{r.rows:,}", r.export, r.program, *cells]) + " |")
    return "\n".join(lines)


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            out[name] = metadata.version(name.replace("_", "-"))
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def machine() -> str:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [ln.split(":", 1)[1].strip() for ln in cpuinfo.read_text().splitlines()
                 if ln.startswith("model name")]  # fmt: skip
        model = f", {names[0]}" if names else ""
    return f"{os.cpu_count()} cores{model}, {platform.system()} {platform.machine()}"


WEEKLY = "syncguard weekly run"
PEAK_TARGET_MB = 1500


def targets(results: list[Result]) -> list[str]:
    """The DESIGN targets (issue 13) against these results: a markdown table, met or not."""
    found = {(r.rows, r.export, r.program): r for r in results if r.wall is not None}

    def ratio(rows: int, export: str) -> float | None:
        weekly, floor = found.get((rows, export, WEEKLY)), found.get((rows, export, FLOOR))
        return weekly.wall / floor.wall if weekly and floor and floor.wall else None

    rows_ = ["| target | measured | met |", "|---|---|---|"]
    for rows, bound in ((100_000, 1.2), (1_000_000, 2.0)):
        for export in ("clean", "broken"):
            got = ratio(rows, export)
            if got is not None:
                rows_.append(
                    f"| {rows:,} rows, {export}: weekly run at most {bound}x the floor (wall) "
                    f"| {got:.2f}x | {'yes' if got <= bound else 'no'} |"
                )
    for export in ("clean", "broken"):
        weekly = found.get((1_000_000, export, WEEKLY))
        if weekly and weekly.peak_mb is not None:
            met = "yes" if weekly.peak_mb <= PEAK_TARGET_MB else "no"
            rows_.append(
                f"| 1,000,000 rows, {export}: peak memory at most {PEAK_TARGET_MB:,} MB (all "
                f"processes) | {weekly.peak_mb:,.0f} MB | {met} |"
            )
        small, big = found.get((100_000, export, WEEKLY)), found.get((1_000_000, export, WEEKLY))
        if small and big and small.wall:
            times = big.wall / small.wall
            rows_.append(
                f"| {export}: 1M rows cost at most 10x 100k rows (weekly run, wall) | "
                f"{times:.1f}x | {'yes' if times <= 10 else 'no'} |"
            )
    return rows_


def write_results(out: Path, runs: list[dict], results: list[Result]) -> None:
    """``out`` (markdown) and its ``RESULTS.json`` sidecar."""
    out.parent.mkdir(parents=True, exist_ok=True)
    sidecar = out.with_suffix(".json")
    sidecar.write_text(
        json.dumps({"runs": runs, "results": [asdict(r) for r in results]}, indent=1) + "\n",
        encoding="utf-8",
    )
    lines = [
        "# Benchmark results",
        "",
        f"Written by `python benchmarks/run.py` (see `benchmarks/README.md`). Machine: "
        f"{runs[-1]['machine']}. Figures are of this machine at that time, which other jobs "
        "shared (load average below): compare ratios, and CPU seconds before wall seconds.",
        "",
        "| run (UTC) | rows | exports | repeat | load avg before / after | versions |",
        "|---|---|---|---|---|---|",
    ]
    for run in runs:
        libs = ", ".join(f"{k} {v}" for k, v in run["versions"].items())
        lines.append(
            f"| {run['date']} | {' '.join(f'{n:,}' for n in run['rows'])} | "
            f"{' '.join(run['exports'])} | {run['repeat']} | {run['load']} | {libs} |"
        )
    lines += [
        "",
        f"Exports: `sample_data/generate.py` rows; *broken*: every `{BROKEN_COLUMN}` lowercased "
        f"(every row fails one rule). Today is {AS_OF}. Each cell: median of *repeat* fresh "
        "processes (peak MB: the largest, of all its processes together); *exit*: the exit "
        "codes seen (0 passed, 1 failed the gate). Ratios are wall / CPU seconds against the "
        "program of that column on the same export.",
        "",
        table(results),
        "",
        "Targets (`docs/design.md`, Performance; issue 13), from the table above. Where one is "
        "not met, `benchmarks/README.md` says where the time goes and what was tried:",
        "",
        *targets(results),
        "",
        "Programs:",
        "",
        *(f"- **{p.name}**: {p.about}" for p in PROGRAMS),
        "",
        "Where syncguard's time goes (`--progress` of the last timed run: wall seconds from one "
        "stage line to the next; *startup* is imports and loading the suite, the last stage "
        "runs to the process's exit):",
        "",
        "| rows | export | program | stages (wall s) |",
        "|---|---|---|---|",
        *(
            f"| {r.rows:,} | {r.export} | {r.program} | {r.stages} |"
            for r in sorted(results, key=lambda r: (r.rows, r.export != "clean", r.program))
            if r.stages
        ),
        "",
    ]
    out.write_text("\n".join(lines), encoding="utf-8")


def _load_earlier(out: Path) -> tuple[list[dict], list[Result]]:
    sidecar = out.with_suffix(".json")
    if not sidecar.exists():
        return [], []
    data = json.loads(sidecar.read_text(encoding="utf-8"))
    return data["runs"], [Result(**r) for r in data["results"]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3, help="runs per program (median)")
    parser.add_argument("--clean", action="store_true", help="the clean exports (default: both)")
    parser.add_argument("--broken", action="store_true", help="the broken exports (default: both)")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--fresh", action="store_true", help="drop the results of earlier runs")
    parser.add_argument(
        "--only", nargs="+", default=(), choices=[p.name for p in PROGRAMS], metavar="PROGRAM",
        help="time these programs (and the floor) only, e.g. --only 'syncguard weekly run'",
    )  # fmt: skip
    args = parser.parse_args()
    both = not (args.clean or args.broken)
    kinds = [broken for broken, on in ((False, args.clean), (True, args.broken)) if on or both]
    if importlib.util.find_spec("pointblank") is None:
        print("note: pointblank is not installed: the Pointblank yardstick is skipped "
              "(pip install pointblank, or the 'bench' extra)", file=sys.stderr)  # fmt: skip

    date = datetime.now(UTC).strftime("%Y-%m-%d %H:%M")
    load_before = os.getloadavg()[0]
    runs, earlier = ([], []) if args.fresh else _load_earlier(args.out)
    results: list[Result] = []
    for rows in args.rows:
        for broken in kinds:
            results += measure(rows, broken, args.repeat, date, tuple(args.only))
            # written after every export, so that an interrupted long run keeps what it measured
            run = {
                "date": date,
                "machine": machine(),
                "rows": args.rows,
                "exports": ["broken" if b else "clean" for b in kinds],
                "repeat": args.repeat,
                "load": f"{load_before:.1f} / {os.getloadavg()[0]:.1f}",
                "versions": versions(),
            }
            measured = {(r.rows, r.export) for r in results}
            kept = [r for r in earlier if (r.rows, r.export) not in measured]
            shown = [r for r in runs if any(k.run == r["date"] for k in kept)]
            write_results(args.out, [*shown, run], kept + results)
    print(table(results))
    print(f"\nwritten to {args.out} (all measurements: {args.out.with_suffix('.json')})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
