"""Outputs for scheduled gates in CI: JUnit XML, GitHub annotations, a Markdown step summary.

Each function is pure: it takes a finished run and returns text; the caller writes it where
the CI system reads it (``junit.xml``, standard output, ``$GITHUB_STEP_SUMMARY``).

Cell values never leave raw: the JUnit XML and the Markdown show examples through
:meth:`Masker.show` (masked by their column's data class, invisible characters made visible,
as the report shows them to people); the GitHub annotations carry only syncguard's messages,
row numbers and counts, never a cell value.

Warnings do not fail the gate, and JUnit has no "passed with a warning": Jenkins, GitLab and
Azure DevOps count every ``<failure>`` as a failed test, whatever its ``type``. So a check that
found only warnings is a passing testcase whose ``<system-out>`` carries the warning; only
findings that fail the gate are ``<failure>`` elements (errors; warnings too under
``--fail-on warning``). A check that could not run (an engine crashed on it, or the project
module declaring its kind failed to load) has no verdict: it is an ``<error>``, as JUnit marks
a test that could not complete. A check that did not run (not selected with ``--only``, or
switched off by an override) is a ``<skipped>`` testcase saying why, never a passing one. The
XML validates against the Jenkins JUnit schema (``tests/fixtures/junit/jenkins-junit.xsd``).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePath
from typing import TextIO

from syncguard.masking import Masker
from syncguard.model import (
    SEVERITY_RANK,
    Check,
    Engine,
    Finding,
    Outcome,
    PlanCategory,
    RunResult,
    Severity,
    Source,
)
from syncguard.output.base import RunOutput, append, shown_examples, write_atomic
from syncguard.output.templating import share, thousands

JUNIT_FILENAME = "junit.xml"
"""The usual name of the JUnit file in CI."""
UNUSABLE_ID = "intake.unusable"
"""The check id of an export that cannot be read at all."""
FIRST_ROWS = 20
"""Rows listed per finding in the JUnit XML and the GitHub annotations."""
MD_ROWS = 10
"""Rows listed per finding in the Markdown table (a table cell stays readable)."""
MD_EXAMPLES = 3
"""Masked example values per finding in the Markdown table."""
MD_VALUE_CHARS = 40
"""Characters shown of an example value in the Markdown table (a course list can be long)."""
MD_FINDINGS = 50
"""Findings listed in the Markdown summary (the report lists them all)."""
GITHUB_FINDINGS = 50
"""Findings annotated for GitHub, worst first (it shows 10 of each kind); a notice counts
the rest."""

_XML_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&@$#])")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_SOURCE_OF_ENGINE = {Engine.INTAKE: Source.INTAKE, Engine.COMPARE: Source.COMPARE}
_COULD_NOT_RUN = re.compile(r"^\S+ could not run this rule \(")
"""The message an engine gives a rule it could not run (``engines.common.crashed``)."""
CHECK_MODULE_ID = "project.check_module"
"""The check id of a project check module that failed to load (its kinds' rules did not run)."""


def _ordered(findings: Iterable[Finding]) -> list[Finding]:
    """Worst first: errors, then most failed rows, then by check id (as the model orders)."""
    return sorted(findings, key=lambda f: (SEVERITY_RANK[f.severity], -f.failed_count, f.rule))


def _row_list(rows: Sequence[int], limit: int) -> str:
    """``216, 240, 251`` and, when more are left off, ``… (+12 more)``."""
    text = ", ".join(str(r) for r in rows[:limit])
    if len(rows) > limit:
        text += f", … (+{thousands(len(rows) - limit)} more)"
    return text


def _rows_line(finding: Finding, total: int = 0) -> str:
    """How many rows failed and the first of them: ``3 failed row(s): 5, 212, 290``.

    With ``total`` (rows read), the share too: ``3 failed row(s) (1.0% of 310): 5, 212, 290``.
    Empty for a finding about the whole file (no rows and no count).
    """
    count = finding.failed_count
    if not count:  # a finding about the file, placed at a row (an unusable export's row 1)
        return f"at row(s) {_row_list(finding.rows, FIRST_ROWS)}" if finding.rows else ""
    text = f"{thousands(count)} failed row(s)"
    if total:
        text += f" ({share(count, total)} of {thousands(total)})"
    if finding.rows:
        text += f": {_row_list(finding.rows, FIRST_ROWS)}"
    return text


def _examples(finding: Finding, masker: Masker) -> list[tuple[int | None, str, str]]:
    """Each example as (row, column, value shown by the column's class): as every output."""
    return shown_examples(finding, masker)


# --- JUnit XML ---------------------------------------------------------------------------


def _xml_text(text: str) -> str:
    """Text XML 1.0 can carry: a character it forbids (``\\x0b``, a lone surrogate) is spelled."""
    return _XML_ILLEGAL.sub(lambda m: f"\\x{{{ord(m.group(0)):x}}}", text)


def _detail(finding: Finding, masker: Masker) -> str:
    """A finding for the JUnit body: message, rows, masked examples."""
    lines = [finding.message]
    rows = _rows_line(finding)
    if rows:
        lines.append(rows)
    examples = _examples(finding, masker)
    if examples:
        lines.append("examples (masked by data class):")
        for row, column, value in examples:
            where = [f"row {row}"] if row is not None else []
            where += [column] if column else []
            lines.append(f'  {", ".join(where) or "value"}: "{value}"')
    if finding.also:
        lines.append("same rows, same cause: " + ", ".join(finding.also))
    return "\n".join(lines)


def _short(finding: Finding, total: int) -> str:
    """The one-line ``message`` attribute of a failure."""
    rows = _rows_line(finding, total)
    return f"{finding.rule}: {rows}" if rows else f"{finding.rule}: {finding.message}"


def could_not_run(finding: Finding) -> bool:
    """Whether the finding says a check could not run (no verdict), not that rows failed."""
    return finding.rule == CHECK_MODULE_ID or bool(_COULD_NOT_RUN.match(finding.message))


def _classname(check: Check | None, finding: Finding | None) -> str:
    """``syncguard.<source>``: where the check is declared (from its engine when unknown)."""
    if check is not None:
        source = check.source
    else:
        engine = finding.engine if finding is not None else Engine.PANDERA
        source = _SOURCE_OF_ENGINE.get(engine, Source.RULE_FILE)
    return f"syncguard.{source.value}"


def junit(result: RunResult, masker: Masker) -> str:
    """The run as JUnit XML: one testsuite named after the suite, one testcase per check.

    A check with an error finding is a failing testcase: its ``<failure type="error">`` has a
    one-line ``message`` (check id, failed rows and the first :data:`FIRST_ROWS` rows) and a
    body with syncguard's message, the rows and the masked example values. A check that could
    not run (:func:`could_not_run`) is an ``<error type="could_not_run">`` instead: it has no
    verdict. A check with only warnings passes, the warning in its ``<system-out>`` (see the
    module docstring). A check folded into another finding (``also``) passes with a pointer to
    it. An unusable export validated nothing: its run is one failing testcase,
    ``intake.unusable``. The repairs ``syncguard fix`` makes (``repair.*``) are listed by
    ``syncguard rules`` like checks, but a check run does not run them: they are no testcase.

    Args:
        result: The finished run.
        masker: How the run shows values (:attr:`syncguard.pipeline.Completed.masker`).

    Returns:
        The XML document (UTF-8 declared: write the text encoded as UTF-8), valid against the
        Jenkins JUnit schema.
    """
    total = result.accounting.rows_read
    repairs = {c.id for c in result.checks if c.source is Source.REPAIR}
    by_rule: dict[str, list[Finding]] = {}
    for f in _ordered(result.findings):
        if f.rule not in repairs:
            by_rule.setdefault(f.rule, []).append(f)
    folded = {other: f.rule for f in result.findings for other in f.also}
    checks = {c.id: c for c in result.checks if c.id not in repairs}
    if result.outcome is Outcome.UNUSABLE:
        ids = [r for r in by_rule if r == UNUSABLE_ID] or [UNUSABLE_ID]
    else:
        ids = [*by_rule, *(c for c in checks if c not in by_rule)]

    cases: list[ET.Element] = []
    failures = errored = 0
    gate = result.gate
    for check_id in ids:
        found = by_rule.get(check_id, [])
        if check_id == UNUSABLE_ID and result.outcome is Outcome.UNUSABLE and not found:
            found = [Finding(UNUSABLE_ID, Severity.ERROR, Engine.INTAKE, "the export is unusable")]
        case = ET.Element(
            "testcase",
            classname=_classname(checks.get(check_id), found[0] if found else None),
            name=_xml_text(check_id),
        )
        # the schema's order within a testcase: error, failure, system-out
        unknown = [f for f in found if could_not_run(f)]
        errors = [f for f in found if gate.fails(f) and f not in unknown]
        warnings = [f for f in found if not gate.fails(f) and f not in unknown]
        if unknown:
            errored += 1
            error = ET.SubElement(
                case, "error", message=_xml_text(_short(unknown[0], total)), type="could_not_run"
            )
            error.text = _xml_text("\n\n".join(_detail(f, masker) for f in unknown))
        if errors:
            failures += 1
            failure = ET.SubElement(
                case,
                "failure",
                message=_xml_text(_short(errors[0], total)),
                type=errors[0].severity.value,
            )
            failure.text = _xml_text("\n\n".join(_detail(f, masker) for f in errors))
            if any(f.severity is not Severity.ERROR for f in errors):
                failure.text += "\n\nwarnings count as errors here (--fail-on warning)"
        out = [f"warning: {_detail(f, masker)}" for f in warnings]
        if check_id in folded and not found:
            out.append(f"same rows and cause as {folded[check_id]}: reported there")
        if out:
            ET.SubElement(case, "system-out").text = _xml_text("\n\n".join(out))
        cases.append(case)
    skipped = _skipped(result)
    cases += skipped

    counts = {
        "tests": str(len(cases)),
        "failures": str(failures),
        "errors": str(errored),
        "time": f"{result.duration_s:.3f}",
    }
    # the schema allows "skipped" on a testsuite, not on testsuites
    root = ET.Element("testsuites", {"name": "syncguard", **counts})
    suite = ET.SubElement(
        root,
        "testsuite",
        {
            "name": _xml_text(result.suite),
            "timestamp": result.started_at[:19],
            **counts,
            "skipped": str(len(skipped)),
        },
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in (
        ("suite_version", result.suite_version),
        ("outcome", result.outcome.value),
        ("fail_on", result.gate.fail_on.value),
        ("complete", "false" if result.gate.partial else "true"),
        *((("verdict", result.reason),) if result.reason else ()),
        ("export", result.export.path),
        ("export_sha256", result.export.sha256),
        ("as_of", result.as_of or ""),
        ("rows_read", str(result.accounting.rows_read)),
        ("rows_with_errors", str(result.accounting.rows_with_errors)),
    ):
        ET.SubElement(properties, "property", name=name, value=_xml_text(value))
    suite.extend(cases)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def _skipped(result: RunResult) -> list[ET.Element]:
    """A ``<skipped>`` testcase per check that did not run: left out by ``--only``, or
    switched off by an override (its place and reason in the message)."""
    cases = []
    why = [(c, f"not run: this run was partial ({result.gate.scope})") for c in result.gate.not_run]
    for t in result.gate.disabled:
        reason = f": {t.reason}" if t.reason else ""
        why.append((t.check, f"switched off at {t.location}{reason}"))
    for check, message in why:
        case = ET.Element("testcase", classname=_classname(check, None), name=_xml_text(check.id))
        ET.SubElement(case, "skipped", message=_xml_text(message))
        cases.append(case)
    return cases


# --- GitHub Actions annotations ------------------------------------------------------------


def github_data(text: str) -> str:
    """Escape the message of a workflow command: ``%``, CR and LF."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github_property(text: str) -> str:
    """Escape a workflow command property value: as :func:`github_data`, and ``:`` and ``,``."""
    return github_data(text).replace(":", "%3A").replace(",", "%2C")


def github(result: RunResult) -> str:
    """GitHub Actions annotations: one ``::error`` or ``::warning`` line per finding.

    Each line names the export (``file=``, the path as the run was given it, so a relative
    path in the checkout links to the file) and, when the finding has rows, the first failing
    spreadsheet row (``line=``; header = row 1); it is titled with the check id. Its message is
    syncguard's message (it holds no cell value) and, on a second line, the failed rows with
    the first :data:`FIRST_ROWS`. No example value is added. GitHub shows at most 10
    annotations of each kind per step (worst first here), so the run report stays the full
    account.

    Args:
        result: The finished run.

    Returns:
        The lines, each ending with a newline, for standard output; empty when nothing failed.
    """
    lines = []
    ordered = _ordered(result.findings)
    where = f"file={github_property(result.export.path)}" if result.export.path else ""
    for f in ordered[:GITHUB_FINDINGS]:
        message = f.message
        rows = _rows_line(f)
        if rows:
            message += "\n" + rows
        command = "error" if f.severity is Severity.ERROR else "warning"
        properties = [where] if where else []
        if f.rows:
            properties.append(f"line={min(f.rows)}")
        properties.append(f"title={github_property(f.rule)}")
        lines.append(f"::{command} {','.join(properties)}::{github_data(message)}\n")
    if len(ordered) > GITHUB_FINDINGS:
        left = len(ordered) - GITHUB_FINDINGS
        lines.append(
            f"::notice title=syncguard::{thousands(left)} more finding(s) are not annotated "
            "here; the run report lists them all\n"
        )
    return "".join(lines)


# --- Markdown step summary -----------------------------------------------------------------


def md_escape(text: str) -> str:
    """Text safe in a Markdown table cell: one line, control characters spelled, specials escaped.

    ``a|b`` -> ``a\\|b``; a line break becomes a space; ``\\x0b`` becomes ``\\x{b}``.
    """
    text = _CONTROL.sub(lambda m: f"\\x{{{ord(m.group(0)):x}}}", _LINE_BREAK.sub(" ", text))
    return _MD_SPECIAL.sub(r"\\\1", text)


def _md_examples(finding: Finding, masker: Masker) -> str:
    """The first few examples, masked by class, each cut to :data:`MD_VALUE_CHARS`."""
    shown = [
        "(blank)" if not v else v if len(v) <= MD_VALUE_CHARS else v[:MD_VALUE_CHARS] + "…"
        for _, _, v in _examples(finding, masker)[:MD_EXAMPLES]
    ]
    more = len(finding.examples) > MD_EXAMPLES
    return md_escape(", ".join(shown) + (", …" if more else ""))


def summary_md(result: RunResult, masker: Masker) -> str:
    """A Markdown step summary: the verdict, the counts, and the findings worst first.

    The table lists at most :data:`MD_FINDINGS` findings (check, severity, failed rows, their
    share of the export, the first :data:`MD_ROWS` rows, a few masked example values). Every
    text from the run is escaped, so a check id or a value cannot change the table's shape.

    Args:
        result: The finished run.
        masker: How the run shows values (:attr:`syncguard.pipeline.Completed.masker`).

    Returns:
        The Markdown text (append it to ``$GITHUB_STEP_SUMMARY``).
    """
    verdict = {
        Outcome.PASSED: "✓ PASSED",
        Outcome.FAILED: "✗ FAILED",
        Outcome.PARTIAL: "◐ PARTIAL",
        Outcome.UNUSABLE: "✗ UNUSABLE",
    }[result.outcome]
    name = PurePath(result.export.path).name or result.export.path
    lines = [f"## {verdict}: {md_escape(name)} ({md_escape(result.suite)})", ""]
    acc = result.accounting
    errors, warnings = result.count(Severity.ERROR), result.count(Severity.WARNING)
    if result.outcome is Outcome.UNUSABLE:
        lines.append("The export cannot be read, so nothing else was checked.")
        lines += [f"> {md_escape(f.message)}" for f in result.findings if f.rule == UNUSABLE_ID]
    else:
        lines.append(
            f"**{thousands(errors)}** error(s), **{thousands(warnings)}** warning(s) in "
            f"**{thousands(acc.rows_read)}** row(s); **{thousands(acc.rows_with_errors)}** "
            f"with errors ({md_escape(share(acc.rows_with_errors, acc.rows_read) or '0%')}), "
            f"**{thousands(acc.rows_clean)}** clean."
        )
    if result.reason:
        lines += ["", f"**{md_escape(result.reason)}**"]
    gate = result.gate
    if gate.not_run:
        ids = ", ".join(c.id for c in gate.not_run[:MD_FINDINGS])
        more = (
            f" and {thousands(len(gate.not_run) - MD_FINDINGS)} more"
            if len(gate.not_run) > MD_FINDINGS
            else ""
        )
        lines += ["", f"Not run ({thousands(len(gate.not_run))}): {md_escape(ids)}{more}."]
    for label, tunings in (("Switched off", gate.disabled), ("Re-graded", gate.regraded)):
        if tunings:
            lines += [
                "",
                f"{label} by overrides: " + "; ".join(md_escape(t.describe()) for t in tunings),
            ]
    if result.comparison is not None:
        plan = result.comparison.plan
        done = ", ".join(
            f"{thousands(plan.count(c))} {c.label}" for c in PlanCategory if plan.count(c)
        )
        lines += [
            "",
            f"Compared with {md_escape(result.comparison.source)}: of the "
            f"{thousands(plan.rows_read)} row(s) read: {done or 'none'}; "
            f"{thousands(len(plan.vanished))} student(s) of the baseline are not in this export.",
        ]
    fix = result.repairable
    if fix is not None and fix.cells:
        lines += ["", f"Run `syncguard fix` first: it repairs {thousands(fix.cells)} cell(s)."]
    findings = _ordered(result.findings)
    if findings:
        lines += [
            "",
            "| Check | Severity | Rows | Share | First rows | Examples (masked) |",
            "| --- | --- | ---: | ---: | --- | --- |",
        ]
        for f in findings[:MD_FINDINGS]:
            cells = (
                md_escape(f.rule),
                f.severity.value,
                thousands(f.failed_count) if f.failed_count else "the file",
                md_escape(share(f.failed_count, acc.rows_read)) if f.failed_count else "",
                md_escape(_row_list(f.rows, MD_ROWS)),
                _md_examples(f, masker),
            )
            lines.append("| " + " | ".join(cells) + " |")
        if len(findings) > MD_FINDINGS:
            left = len(findings) - MD_FINDINGS
            lines += ["", f"… and {thousands(left)} more finding(s): see the run report."]
    if result.notes:
        lines += ["", *(f"- {md_escape(note)}" for note in result.notes)]
    return "\n".join(lines) + "\n"


# --- the writers (``output.REQUESTED``): each run writes what the caller asked for -----------


def write_junit(run: RunOutput, target: Path | TextIO) -> None:
    """Write the run's JUnit XML to ``target``, whole or not at all (``0o600`` with raw values)."""
    assert isinstance(target, Path)
    write_atomic(target, junit(run.result, run.masker), run.masker.show_values)


def append_summary(run: RunOutput, target: Path | TextIO) -> None:
    """Append the run's Markdown summary to ``target`` (a CI step summary keeps its mode)."""
    assert isinstance(target, Path)
    text = summary_md(run.result, run.masker) + "\n"
    append(target, text.encode("utf-8"), run.masker.show_values)


def print_github(run: RunOutput, target: Path | TextIO) -> None:
    """Print the run's GitHub annotations to ``target`` (a stream), if any finding failed."""
    assert not isinstance(target, Path)
    lines = github(run.result)
    if lines:
        print(lines, file=target)
