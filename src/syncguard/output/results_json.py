"""The results JSON contract (schema_version 2), with personal values masked by default.

Version 2 (the sync plan became a plan): ``comparison.plan`` partitions the rows read into
what the import does with each (its old keys ``new``, ``changed``, ``newly_archived``,
``skipped_duplicates`` and ``changed_by_field`` are gone), and the document names the duplicate
groups and what ``syncguard fix`` repairs.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

from syncguard.masking import Masker
from syncguard.model import (
    DuplicateGroup,
    Finding,
    Outcome,
    PlanCategory,
    RunResult,
    Severity,
    Status,
    SyncPlan,
    Tuning,
)
from syncguard.output.base import Limits, RunOutput, example_columns, write_atomic
from syncguard.output.worklist import cut, cut_json

FILENAME = "results.json"

SCHEMA_VERSION = 2


def finding_json(
    finding: Finding,
    masker: Masker,
    status: Status | None = None,
    rows: int | None = None,
    repairs: int = 0,
) -> dict[str, Any]:
    """One finding as the JSON contract spells it; values by their column's data class.

    ``rows``: list at most this many of its rows (``failed_rows`` stays the whole count).
    ``repairs``: how many of its cells ``syncguard fix`` repairs (``fix_repairs``, when any).
    """
    columns = example_columns(finding)
    examples = [masker.exact(v, c) for v, c in zip(finding.examples, columns, strict=False)]
    shown = [masker.show(v, c) for v, c in zip(finding.examples, columns, strict=False)]
    out: dict[str, Any] = {
        "id": finding_id(finding),
        "rule": finding.rule,
        "severity": finding.severity.value,
        "engine": finding.engine.value,
        "column": finding.column,
        "message": finding.message,
        "failed_rows": finding.failed_count,
        "rows": list(finding.rows[:rows]),
        "examples": examples,
    }
    if shown != examples:  # invisible characters in a public value: marked for people
        out["shown"] = shown
    if finding.cells:
        out["cells"] = [
            [_cell(c, v, masker) for c, v in zip(finding.columns, cells, strict=False)]
            for cells in finding.cells
        ]
    out["columns"] = list(finding.columns)  # one spelling, however many columns
    if finding.location:
        out["location"] = finding.location
    if finding.suggestion:
        out["suggestion"] = finding.suggestion
    if finding.suggestions:
        out["suggestions"] = list(finding.suggestions)  # listed values: not personal
    if finding.previous_rows:
        out["previous_rows"] = list(finding.previous_rows)
    summary = value_summary(finding, masker)
    if summary:
        out["summary"] = summary
    if finding.also:
        out["also"] = list(finding.also)
    if finding.consequence is not None:
        out["consequence"] = {
            "kind": finding.consequence.value,
            "plain": finding.consequence.plain,
        }
    if status is not None:
        out["status"] = status.value
    if repairs:
        out["fix_repairs"] = repairs
    return out


def finding_id(finding: Finding) -> str:
    """A finding's id in the JSON: its rule, and its columns after an ``@``."""
    return finding.rule + ("@" + ",".join(finding.columns) if finding.columns else "")


SUMMARY_MOST = 10
"""Entries of a summary over several columns (each column lists its own most frequent)."""


def value_summary(finding: Finding, masker: Masker) -> list[dict[str, Any]]:
    """The most frequent failing values with counts, by data class: a public column's values
    (exact, with ``shown`` where marks make them differ), a masked column's shapes as
    :meth:`Masker.show` shows its values. Of a finding over several columns, each entry names
    its ``column``. Every count is of the finding's rows in one column."""
    if finding.summaries:
        entries = [
            {**entry, "column": s.column}
            for s in finding.summaries
            for entry in _summary(s.top_values, s.top_shapes, s.column, masker)
        ]
        entries.sort(key=lambda e: -int(e["rows"]))  # stable: columns in order within a count
        return entries[:SUMMARY_MOST]
    if len(finding.columns) > 1:
        return []  # made before summaries were kept per column: whose values is unknown
    return _summary(finding.top_values, finding.top_shapes, finding.column, masker)


def _summary(
    values: Sequence[tuple[str, int]],
    shapes: Sequence[tuple[str, int]],
    column: str | None,
    masker: Masker,
) -> list[dict[str, Any]]:
    if not masker.hides(column):
        return [_value(v, n, column, masker) for v, n in values]
    merged: dict[str, int] = {}  # two private domains are both •••: one shape
    for text, n in shapes:
        shown = masker.show_shape(text, column)
        merged[shown] = merged.get(shown, 0) + n
    ranked = sorted(merged.items(), key=lambda e: (-e[1], e[0]))
    return [{"shape": s, "rows": n} for s, n in ranked]


def _value(value: str, rows: int, column: str | None, masker: Masker) -> dict[str, Any]:
    out: dict[str, Any] = {"value": masker.exact(value, column), "rows": rows}
    shown = masker.show(value, column)
    if shown != out["value"]:
        out["shown"] = shown
    return out


def _cell(column: str, value: str, masker: Masker) -> dict[str, str]:
    out = {"column": column, "value": masker.exact(value, column)}
    shown = masker.show(value, column)
    if shown != out["value"]:
        out["shown"] = shown
    return out


def comparison_json(result: RunResult) -> dict[str, Any] | None:
    """The comparison with last week: where it came from and the sync plan."""
    comparison = result.comparison
    if comparison is None:
        return None
    plan = comparison.plan
    base = comparison.baseline
    return {
        "previous": {"source": comparison.source, "rows": comparison.previous_rows},
        "baseline": {
            "mode": base.mode.value,
            "run": base.run,
            "started_at": base.started_at,
            "export": base.export_name,
            "outcome": base.outcome.value if base.outcome else None,
            "accepted": base.accepted,
            "path": base.path,
            "rows": base.rows,
        },
        "plan": plan_json(plan),
    }


def plan_json(plan: SyncPlan) -> dict[str, Any]:
    """The sync plan: rows read, the rows of each category (they add up to the rows read), the
    baseline's students not in this export, and the counts per column."""
    return {
        "rows_read": plan.rows_read,
        **{c.value: plan.count(c) for c in PlanCategory},
        "vanished": len(plan.vanished),
        "updated_by_column": (
            dict(plan.updated_by_column) if plan.updated_by_column is not None else None
        ),
        "rejected_by_column": dict(plan.rejected_by_column),
        "reasons": {
            c.value: {check: list(rows) for check, rows in by_check.items()}
            for c, by_check in plan.reasons.items()
        },
        "label_additions": plan.label_additions,
        "label_removals": plan.label_removals,
        "left_unchanged": dict(plan.left_unchanged),
        "rows": {
            **{c.value: list(plan.rows(c)) for c in PlanCategory if plan.rows(c)},
            "vanished": list(plan.vanished),
            "username_changed": list(plan.username_changed),
            "username_and_email_changed": list(plan.username_and_email_changed),
        },
        "stored_end_dates": {str(k): v for k, v in plan.stored_end_dates.items()},
    }


def group_json(group: DuplicateGroup) -> dict[str, Any]:
    """A duplicate group: its label, rule, column and rows, which to keep and which to check
    (never the value they share)."""
    return {
        "label": group.label,
        "rule": group.rule,
        "column": group.column,
        "rows": list(group.rows),
        "compared": group.compared,
        "keep": list(group.keep),
        "check": list(group.to_check) if group.compared else [],
        "summary": group.summary(),
    }


def contract_json(result: RunResult) -> dict[str, Any] | None:
    """Where the contract came from; ``note`` says so when it is not the packaged one."""
    origin = result.contract
    if origin is None:
        return None
    return {
        "path": origin.path,
        "sha256": origin.sha256,
        "packaged": origin.packaged,
        "packaged_suite": origin.packaged_suite,
        "packaged_version": origin.packaged_version,
        "note": origin.note,
    }


def gate_json(result: RunResult) -> dict[str, Any]:
    """How the verdict was reached: the policy, which checks ran and which did not, and why
    the outcome is what it is when the counts alone do not say it."""
    gate = result.gate
    return {
        "fail_on": gate.fail_on.value,
        "complete": not gate.partial,
        "selected": list(gate.only) if gate.only is not None else None,
        "ran": [c.id for c in result.checks],
        "not_run": [c.id for c in gate.not_run],
        "reason": result.reason,
    }


def tuning_json(tuning: Tuning) -> dict[str, Any]:
    """A check switched off or re-graded, with the override's place and reason."""
    out: dict[str, Any] = {
        "id": tuning.check.id,
        "title": tuning.check.title,
        "declared": tuning.declared.value,
        "location": tuning.location,
        "reason": tuning.reason,
    }
    if tuning.enabled:
        out["severity"] = tuning.check.severity.value
    return out


def institution_domains(result: RunResult) -> tuple[str, ...]:
    """The domains whose addresses keep their domain when masked: the institution's own."""
    return result.email_domains.domains if result.email_domains is not None else ()


def fair_share(sizes: Sequence[int], budget: int) -> int | None:
    """The most items each list may keep so that all keep at most ``budget`` in all, each as
    many as it has up to that share (None: all fit)."""
    if sum(sizes) <= budget:
        return None
    left = budget
    ordered = sorted(sizes)
    for i, n in enumerate(ordered):
        others = len(ordered) - i
        if n * others > left:
            return left // others
        left -= n
    return None  # not reached: the sizes exceed the budget


def results_json(
    result: RunResult, masker: Masker | None = None, limits: Limits | None = None
) -> dict[str, Any]:
    """The whole results document of a run, within ``limits`` (the defaults when None)."""
    masker = masker or Masker(domains=institution_domains(result))
    limits = limits or Limits()
    share = fair_share([len(f.rows) for f in result.findings], limits.json_rows)
    cut_short = [f for f in result.findings if share is not None and len(f.rows) > share]
    fix = result.repairable
    return {
        "schema_version": SCHEMA_VERSION,
        "suite": result.suite,
        "suite_version": result.suite_version,
        "started_at": result.started_at,
        "as_of": result.as_of,
        "settings": dict(result.settings),
        "sources": {"config": result.config, "rule_files": list(result.rule_files)},
        "contract": contract_json(result),
        "duration_s": result.duration_s,
        "export": {
            "path": result.export.path,
            "sha256": result.export.sha256,
            "rows": result.export.rows,
            "bytes": result.export.bytes,
            "encoding": result.export.encoding,
            "delimiter": result.export.delimiter,
        },
        "outcome": result.outcome.value,
        "gate": gate_json(result),
        "disabled": [tuning_json(t) for t in result.gate.disabled],
        "regraded": [tuning_json(t) for t in result.gate.regraded],
        "counts": {s.value: result.count(s) for s in Severity},
        "findings": [
            finding_json(
                f, masker, result.status.get(f.key), share, fix.of(f) if fix is not None else 0
            )
            for f in result.findings
        ],
        "fix": (
            {"cells": fix.cells, "file_changes": fix.file_changes} if fix is not None else None
        ),
        "duplicate_groups": [group_json(g) for g in result.duplicates],
        "resolved": [
            {
                "rule": c.rule,
                "column": c.column or None,
                "failed_rows": c.failed_rows,
                "status": Status.RESOLVED.value,
            }
            for c in result.resolved
        ],
        "comparison": comparison_json(result),
        "email_domains": (
            {
                "domains": list(result.email_domains.domains),
                "inferred": result.email_domains.inferred,
                "reason": result.email_domains.reason,
            }
            if result.email_domains is not None
            else None
        ),
        "notes": list(result.notes),
        "accounting": {
            "rows_read": result.accounting.rows_read,
            "rows_clean": result.accounting.rows_clean,
            "rows_with_errors": result.accounting.rows_with_errors,
        },
        "truncated": {
            "rows_per_finding": share,
            "findings": [finding_id(f) for f in cut_short],
            "failing_rows_csv": cut_json(cut(result.findings, limits)),
        },
    }


def dumps(document: dict[str, Any]) -> str:
    """A results document as indented UTF-8 JSON (orjson: a million row numbers in 0.1 s; the
    standard library's indenting encoder is pure Python and takes seconds)."""
    return _encoded(document).decode()


def _encoded(document: dict[str, Any]) -> bytes:
    return orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)


def write_json(path: Path, document: dict[str, Any], private: bool = False) -> None:
    """Write a results document as indented UTF-8 JSON, atomically (``private``: raw values,
    so the file is ``0o600``)."""
    write_atomic(path, _encoded(document), private)


def write(run: RunOutput, folder: Path) -> Path:
    """The writer of ``results.json`` in the run folder (naming the run's other files)."""
    path = folder / FILENAME
    document = results_json(run.result, run.masker, run.limits)
    document["files"] = {
        "folder": str(folder),
        "results": str(path),
        "report": str(folder / "report.html"),
        "failing_rows": str(folder / "failing_rows.csv"),
    }
    write_json(path, document, run.masker.show_values)
    return path


def not_run_json(
    outcome: Outcome, message: str, export: str | None, started_at: str
) -> dict[str, Any]:
    """The results document of a run that checked nothing (exit 3 or 4), for schedulers."""
    return {
        "schema_version": SCHEMA_VERSION,
        "suite": "not loaded",
        "suite_version": "",
        "started_at": started_at,
        "as_of": None,
        "duration_s": 0.0,
        "export": {
            "path": export or "",
            "sha256": "",
            "rows": 0,
            "bytes": 0,
            "encoding": "",
            "delimiter": "",
        },
        "outcome": outcome.value,
        "counts": {Severity.ERROR.value: 0, Severity.WARNING.value: 0},
        "findings": [],
        "resolved": [],
        "comparison": None,
        "email_domains": None,
        "notes": [message],
        "accounting": {"rows_read": 0, "rows_clean": 0, "rows_with_errors": 0},
    }
