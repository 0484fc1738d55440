"""The run report: one self-contained HTML page rendered with Jinja2 (autoescape on).

It answers, in order: can this file be uploaded; what to fix, worst harm first, with the most
frequent failing values; the worklist of failing rows, each with all its problems and fixes;
what the import will do (the sync plan, with its rows); and every check that ran, with its
basis and parameters. Capped per section by the run's :class:`~syncguard.output.base.Limits`
(problems and checks described in full, rows per problem, worklist rows and problems per row),
each cap said where it cuts, so a huge export or thousands of failing rules stay a small page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from syncguard.findings import blocks_whole_upload
from syncguard.model import (
    Check,
    DuplicateGroup,
    Engine,
    Finding,
    PlanCategory,
    RunResult,
    Severity,
    Status,
    SyncPlan,
)
from syncguard.output.base import Limits, RunOutput, shown_examples, write_atomic
from syncguard.output.failing_csv import FILENAME as CSV_NAME
from syncguard.output.results_json import fair_share, value_summary
from syncguard.output.templating import anchor, environment, share
from syncguard.output.worklist import MORE, cut, worklist

FILENAME = "report.html"
ROWS_SHOWN = Limits().rows_per_problem
"""Failing rows shown per finding (by default)."""
WORKLIST_ROWS = Limits().worklist_rows
"""Rows in the report's worklist (by default; the CSV has them all)."""
PLAN_ROWS = 50
"""Rows listed per sync-plan category."""


@dataclass
class Problem:
    """One finding as the report shows it."""

    finding: Finding
    check: Check | None
    status: Status | None
    rows: list[tuple[int, str, str, str]]
    """The first rows: row, column, value (masked by class), did you mean."""
    summary: list[dict[str, Any]]
    whole_file: bool
    repairs: int = 0
    """How many of its cells ``syncguard fix`` repairs."""
    groups: list[DuplicateGroup] = field(default_factory=list)
    """Its duplicate groups (a ``unique`` rule's finding)."""
    more_groups: int = 0
    """Its groups not listed (over the rows shown per problem)."""
    group_of: dict[int, str] = field(default_factory=dict)
    """Per row shown, the label of its duplicate group."""

    @property
    def title(self) -> str:
        return self.check.title if self.check is not None else self.finding.rule


@dataclass
class Entry:
    """A worklist row: the row and every problem in it."""

    row: int
    problems: list[dict[str, str]] = field(default_factory=list)
    more: int = 0
    """Problems of the row not listed (over the limit per row)."""


def problems(run: RunOutput, most: int | None = None) -> list[Problem]:
    """The first ``most`` findings (all when None) with what the page shows of each, in the
    result's (harm) order."""
    out = []
    shown = run.limits.rows_per_problem
    fix = run.result.repairable
    groups: dict[str, list[DuplicateGroup]] = {}
    for group in run.result.duplicates:
        groups.setdefault(group.rule, []).append(group)
    for f in run.result.findings[:most]:
        examples = shown_examples(f, run.masker)
        meant = f.suggestions
        rows = [
            (
                row,
                examples[i][1] if i < len(examples) else "",
                examples[i][2] if i < len(examples) else "",
                meant[i] if i < len(meant) else "",
            )
            for i, row in enumerate(f.rows[:shown])
        ]
        out.append(
            Problem(
                f,
                run.check(f.rule),
                run.result.status.get(f.key),
                rows,
                value_summary(f, run.masker),
                blocks_whole_upload(f),
                fix.of(f) if fix is not None else 0,
                groups.get(f.rule, [])[:shown],
                max(0, len(groups.get(f.rule, [])) - shown),
                {r: g.label for g in groups.get(f.rule, []) for r in g.rows},
            )
        )
    return out


def entries(run: RunOutput) -> tuple[list[Entry], int]:
    """The first failing rows with their first problems (the run's limits); and how many
    failing rows in all."""
    limits = run.limits
    table = worklist(run, limit=limits.worklist_rows, per_row=limits.worklist_problems)
    by_row: dict[int, Entry] = {}
    for item in table.iter_rows(named=True):
        entry = by_row.setdefault(int(item["row"]), Entry(int(item["row"])))
        entry.problems.append({k: str(v or "") for k, v in item.items() if k not in ("row", MORE)})
        entry.more += int(item[MORE])
    every = {r for f in run.result.findings for r in f.rows}
    return [by_row[r] for r in sorted(by_row)], len(every)


def _checks(result: RunResult, failed: Mapping[str, Finding]) -> list[dict[str, Any]]:
    """The catalogue of the checks that ran: failed ones first, each with its basis (the page
    describes the first ones in full and lists the others)."""
    rank = {Severity.ERROR: 0, Severity.WARNING: 1}
    resolved = {c.rule for c in result.resolved}
    listed = sorted(result.checks, key=lambda c: (c.id not in failed, rank[c.severity], c.id))
    return [
        {
            "check": c,
            "failed": c.id in failed,
            "resolved": c.id in resolved,
            "params": {k: v for k, v in c.params.items()},
        }
        for c in listed
    ]


def fixable(result: RunResult) -> tuple[int, int]:
    """What ``syncguard fix`` would change, as the check's dry run of it found: cells, and
    changes to the file itself and its header row (together, the lines of its change log)."""
    fix = result.repairable
    return (fix.cells, fix.file_changes) if fix is not None else (0, 0)


def render(run: RunOutput) -> str:
    """The report page of a run, as HTML text."""
    result, limits = run.result, run.limits
    found = problems(run, limits.problems_in_full)
    failed = {f.rule: f for f in result.findings}
    rest = result.findings[limits.problems_in_full :]
    checks = _checks(result, failed)
    work, every = entries(run)
    left = cut(result.findings, limits)
    share_of_rows = fair_share([len(f.rows) for f in result.findings], limits.json_rows)
    plan = result.comparison.plan if result.comparison is not None else None
    total = result.accounting.rows_read
    return (
        environment()
        .get_template("report.html.j2")
        .render(
            result=result,
            problems=found,
            blocking=[p for p in found if p.whole_file],
            blocking_count=sum(1 for f in result.findings if blocks_whole_upload(f)),
            errors_list=[
                p for p in found if not p.whole_file and p.finding.severity is Severity.ERROR
            ],
            warnings_list=[p for p in found if p.finding.severity is Severity.WARNING],
            more_problems=rest[: limits.listed],
            unlisted_problems=max(0, len(rest) - limits.listed),
            worklist=work,
            worklist_total=every,
            worklist_problems=limits.worklist_problems,
            checks=checks[: limits.checks_in_full],
            more_checks=checks[limits.checks_in_full : limits.checks_in_full + limits.listed],
            unlisted_checks=max(0, len(checks) - limits.checks_in_full - limits.listed),
            checks_total=len(checks),
            checks_listed=limits.listed,
            checks_failed=sum(1 for c in checks if c["failed"]),
            csv_cut=left,
            json_rows=share_of_rows,
            json_cut=sum(
                1
                for f in result.findings
                if share_of_rows is not None and len(f.rows) > share_of_rows
            ),
            intake=[f for f in result.findings if f.engine is Engine.INTAKE],
            errors=result.count(Severity.ERROR),
            warnings=result.count(Severity.WARNING),
            rows_shown=limits.rows_per_problem,
            plan_rows=PLAN_ROWS,
            show_values=run.masker.show_values,
            plan=plan,
            plan_categories=plan_categories(plan) if plan is not None else [],
            comparison=result.comparison,
            csv_name=CSV_NAME,
            share=lambda n: share(n, total),
            fixable=fixable(result),
            anchor=anchor,
        )
    )


PLAN_ORDER = tuple(PlanCategory)
"""The categories in reading order (the enum's): what goes as meant, then what goes wrong."""
SHOWN_ALWAYS = frozenset(PLAN_ORDER[:7]) | {PlanCategory.LABELS_WIPED}
"""Categories listed even when empty (the others only when some row is in them)."""


def plan_categories(plan: SyncPlan) -> list[dict[str, Any]]:
    """Each category as the page shows it: its name, what the import does, its rows, and for
    those findings put rows in, the checks with their rows."""
    return [
        {
            "category": c,
            "title": c.label,
            "plain": c.plain.split(": ", 1)[1],
            "rows": plan.rows(c),
            "reasons": sorted(plan.reasons.get(c, {}).items(), key=lambda kv: (-len(kv[1]), kv[0])),
        }
        for c in PLAN_ORDER
        if c in SHOWN_ALWAYS or plan.rows(c)
    ]


def write(run: RunOutput, folder: Path) -> Path:
    """The writer of ``report.html`` in the run folder (linking the failing-rows CSV beside it)."""
    path = folder / FILENAME
    write_atomic(path, render(run), run.masker.show_values)
    return path
