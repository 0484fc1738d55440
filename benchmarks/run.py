"""Performance harness: syncguard against its floor and its engines alone, side by side.

Usage: ``python benchmarks/run.py [--rows 10000 100000 1000000] [--repeat 3]``

For each size it generates a clean export once (``benchmarks/data/``, ignored by git) with
``sample_data/generate.py``, then times, each in a fresh process (median of ``--repeat``):

- ``floor``: import Great Expectations + ``polars.read_csv`` of the file (all columns text);
- ``syncguard``: ``syncguard check`` with report, failing-rows CSV and history (second run of
  the week, so the comparison runs too);
- ``pandera``: read + syncguard's compiled Pandera schema alone;
- ``gx``: read + syncguard's compiled GE suite alone (with GE's import).

It prints seconds, peak memory (max RSS) and the ratio to the floor. Figures are of this
machine at this time: compare ratios, not absolute seconds.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"

PROGRAMS = {
    "floor": """
import great_expectations, polars as pl
pl.read_csv(PATH, infer_schema=False)
""",
    "pandera": """
from pathlib import Path
from syncguard.defaults import default_rules
from syncguard.suite.loader import load_suite
from syncguard.pipeline import contract_of
from syncguard.intake import read_export
from syncguard.engines import validate
from syncguard.model import Engine
suite = load_suite(default_rules(), {"today": "2026-11-29"})
validate(read_export(Path(PATH), contract_of(suite)).frame, suite, Engine.PANDERA)
""",
    "gx": """
from pathlib import Path
import great_expectations
from syncguard.defaults import default_rules
from syncguard.suite.loader import load_suite
from syncguard.pipeline import contract_of
from syncguard.intake import read_export
from syncguard.engines import validate
from syncguard.model import Engine
suite = load_suite(default_rules(), {"today": "2026-11-29"})
validate(read_export(Path(PATH), contract_of(suite)).frame, suite, Engine.GREAT_EXPECTATIONS)
""",
}


def _export(rows: int) -> Path:
    path = DATA / f"clean_{rows}.csv"
    if not path.exists():
        generator = ROOT / "sample_data" / "generate.py"
        spec = importlib.util.spec_from_file_location("generate", generator)
        assert spec is not None and spec.loader is not None
        generate = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(generate)
        DATA.mkdir(exist_ok=True)
        print(f"generating {path.name} ...", file=sys.stderr, flush=True)
        generate.write_csv(path, generate.HEADERS, generate.iter_rows(rows))
    return path


def _measure(argv: list[str]) -> tuple[float, float]:
    """Wall seconds and peak memory (MB, max RSS of that very process) of one child."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(child.pid, 0)
    child.returncode = 0  # reaped by wait4
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def _median_run(argv: list[str], repeat: int) -> tuple[float, float]:
    runs = [_measure(argv) for _ in range(repeat)]
    return statistics.median(s for s, _ in runs), max(m for _, m in runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print("rows       step        seconds  peak MB  x floor")
    for rows in args.rows:
        path = _export(rows)
        results: dict[str, tuple[float, float]] = {}
        for name, program in PROGRAMS.items():
            code = program.replace("PATH", repr(str(path)))
            results[name] = _median_run([sys.executable, "-c", code], args.repeat)
        with tempfile.TemporaryDirectory() as tmp:
            check = [sys.executable, "-m", "syncguard", "check", str(path), "-q"]
            check += ["--report-dir", tmp, "--as-of", "2026-11-29"]
            _measure(check)  # week 1: fills the history, so the timed runs compare too
            results["syncguard"] = _median_run(check, args.repeat)
        floor = results["floor"][0]
        for name in ("floor", "syncguard", "pandera", "gx"):
            seconds, peak = results[name]
            print(f"{rows:<10} {name:<10} {seconds:8.2f} {peak:8.0f} {seconds / floor:8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
