"""The sync plan is a plan: each row read in one category of what the import does with it.

Unit tests of :func:`syncguard.compare.plan.refine` on a hand-made draft, then runs of whole
exports: a week against the previous one, and any pair of exports, whose plan must add up to
the rows read (the defective sample, the weekly samples, and a damaged week built here).
"""

from __future__ import annotations

import importlib.util
import json
import random
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from syncguard.catalogue import build
from syncguard.compare.checks import CHECKS
from syncguard.compare.plan import IDENTIFIER_CHANGES, refine
from syncguard.model import (
    Basis,
    BasisKind,
    Check,
    Consequence,
    Engine,
    Finding,
    PlanCategory,
    RunResult,
    Severity,
    Source,
    SyncPlan,
)
from syncguard.pipeline import Options, ReportLayout, run
from syncguard.suite.model import Suite
from tests.compare.test_changes import BASE, CATEGORIES, _with, student
from tests.conftest import SAMPLE_DATA, write_settings

C = PlanCategory


def _check(check_id: str, consequence: Consequence, kind: str | None = None) -> Check:
    return Check(
        check_id,
        check_id,
        Severity.ERROR,
        "d.",
        Basis(BasisKind.SPEC, "s"),
        "f.",
        Source.RULE_FILE if kind else Source.COMPARE,
        Engine.PANDERA,
        kind=kind,
        consequence=consequence,
    )


CHECKS_BY_ID = {
    c.id: c
    for c in (
        _check("username.unique", Consequence.ROW_SKIPPED, "unique"),
        _check("dates.end_after_start", Consequence.ROW_SKIPPED, "date_order"),
        _check("mobile_number.format", Consequence.FIELD_REJECTED, "phone"),
        _check("card_id.not_scientific", Consequence.STORED_WRONG, "excel_mangled_id"),
        _check("compare.username_changed", Consequence.ROW_SKIPPED),
        _check("compare.labels_wiped", Consequence.LABELS_WIPED),
        _check("intake.blank_rows", Consequence.ROW_SKIPPED),
        _check("cells.no_stray_whitespace", Consequence.COSMETIC, "stray_whitespace"),
    )
}


def _finding(rule: str, rows: tuple[int, ...], column: str = "") -> Finding:
    return Finding(
        rule,
        Severity.ERROR,
        Engine.PANDERA,
        "m",
        columns=(column,) if column else (),
        rows=rows,
        consequence=CHECKS_BY_ID[rule].consequence,
    )


DRAFT = SyncPlan(
    rows_read=7,
    categories={
        C.UPDATED: (2, 3, 4, 5),
        C.UNCHANGED: (6,),
        C.CREATED: (7,),
        C.ARCHIVED: (8,),
    },
    changes={
        "card_id": (2,),
        "last_name": (3,),
        "mobile_number": (3, 4),
        "username": (5,),
        "disabled": (8,),
    },
    updated_by_column={"card_id": 1, "last_name": 1, "mobile_number": 2, "username": 1},
    username_changed=(5,),
)
READ = range(2, 9)


def _refined(*findings: Finding, sync: str = "automatic", read: range = READ) -> SyncPlan:
    plan = refine(DRAFT, findings, CHECKS_BY_ID, {"sync": sync}, read)
    plan.assert_partition(read)
    assert plan.refined
    return plan


def test_without_findings_the_draft_stands() -> None:
    plan = _refined()
    assert plan.categories == DRAFT.categories
    assert plan.updated_by_column == {
        "card_id": 1,
        "last_name": 1,
        "mobile_number": 2,
        "username": 1,
        "disabled": 1,
    }


def test_duplicates_are_skipped_and_named() -> None:
    plan = _refined(_finding("username.unique", (3, 7), "username"))
    assert plan.rows(C.SKIPPED) == (3, 7)
    assert plan.reasons[C.SKIPPED] == {"username.unique": (3, 7)}
    assert (plan.rows(C.UPDATED), plan.rows(C.CREATED)) == ((2, 4, 5), ())
    assert plan.updated_by_column is not None and "last_name" not in plan.updated_by_column


def test_a_refused_value_is_no_change() -> None:
    plan = _refined(_finding("mobile_number.format", (4,), "mobile_number"))
    assert plan.rows(C.REJECTED_FIELDS) == (4,)
    assert plan.rejected_by_column == {"mobile_number": 1}
    assert plan.updated_by_column is not None
    assert plan.updated_by_column["mobile_number"] == 1  # row 3's, not the refused one
    assert plan.reasons[C.REJECTED_FIELDS] == {"mobile_number.format": (4,)}


def test_a_value_excel_mangled_is_no_change() -> None:
    plan = _refined(_finding("card_id.not_scientific", (2,), "card_id"))
    assert 2 in plan.rows(C.UNCHANGED) and 2 not in plan.rows(C.UPDATED)
    assert plan.updated_by_column is not None and "card_id" not in plan.updated_by_column


@pytest.mark.parametrize(("sync", "category"), [("automatic", C.FAILED), ("manual", C.UPDATED)])
def test_an_identifier_change_fails_only_in_an_automatic_sync(
    sync: str, category: PlanCategory
) -> None:
    plan = _refined(_finding("compare.username_changed", (5,), "username"), sync=sync)
    assert 5 in plan.rows(category)
    assert plan.updated_by_column is not None
    assert ("username" in plan.updated_by_column) is (category is C.UPDATED)


def test_a_row_the_importer_refuses_fails() -> None:
    plan = _refined(_finding("dates.end_after_start", (7,)))
    assert plan.rows(C.FAILED) == (7,) and plan.rows(C.CREATED) == ()
    assert plan.reasons[C.FAILED] == {"dates.end_after_start": (7,)}


def test_wiped_labels_are_their_own_category() -> None:
    plan = _refined(_finding("compare.labels_wiped", (6,), "system_label_names"))
    assert plan.rows(C.LABELS_WIPED) == (6,) and 6 not in plan.rows(C.UNCHANGED)


def test_a_cosmetic_finding_changes_nothing() -> None:
    plan = _refined(_finding("cells.no_stray_whitespace", (2, 6), "last_name"))
    assert plan.categories == DRAFT.categories


def test_the_worst_category_wins() -> None:
    plan = _refined(
        _finding("username.unique", (4,), "username"),
        _finding("mobile_number.format", (4,), "mobile_number"),
        _finding("dates.end_after_start", (4, 8)),
    )
    assert (plan.rows(C.SKIPPED), plan.rows(C.FAILED)) == ((4,), (8,))
    assert plan.rows(C.REJECTED_FIELDS) == plan.rows(C.ARCHIVED) == ()
    assert C.REJECTED_FIELDS not in plan.reasons  # its row went elsewhere


def test_rows_intake_left_out_are_failed_or_not_read() -> None:
    """A blank row (intake.blank_rows) is refused; a ragged one was not read as a record."""
    read = range(2, 11)
    plan = _refined(_finding("intake.blank_rows", (9,)), read=read)
    assert (plan.rows(C.FAILED), plan.rows(C.NOT_READ)) == ((9,), (10,))
    assert plan.rows_read == 9


def test_the_identifier_changes_are_comparison_checks() -> None:
    assert IDENTIFIER_CHANGES.issubset({c.entry.id for c in CHECKS})


# --- a week against the previous one --------------------------------------------------------


@pytest.fixture
def plan_of(
    tmp_path: Path, run_cli: Callable[..., Any]
) -> Callable[..., tuple[dict[str, Any], dict[str, Any]]]:
    """This week's rows against BASE (``--previous``): the plan and the findings by rule."""
    from tests.compare.test_changes import _write

    def check(current: list[dict[str, str]], *extra: str) -> tuple[dict[str, Any], dict[str, Any]]:
        prev = _write(tmp_path / "last_week.csv", BASE)
        cur = _write(tmp_path / "this_week.csv", current)
        done = run_cli("check", cur, "--previous", prev, "--no-history", *extra)
        assert done.json is not None, done.err
        plan = done.json["comparison"]["plan"]
        assert sum(plan[c] for c in CATEGORIES) == plan["rows_read"] == len(current)
        return plan, {f["rule"]: f for f in done.json["findings"]}

    return check


def test_an_id_excel_mangled_is_not_a_change(plan_of: Callable[..., Any]) -> None:
    plan, found = plan_of(_with(6, card_id="4.70001E+09"))
    assert found["card_id.not_scientific"]["rows"] == [8]
    assert plan["updated_by_column"] == {} and plan["updated"] == 0
    assert 8 in plan["rows"]["unchanged"]


def test_a_refused_value_is_not_a_change(plan_of: Callable[..., Any]) -> None:
    plan, found = plan_of(_with(6, disabled="yes"))
    assert found["disabled.boolean"]["rows"] == [8]
    assert (plan["rejected_fields"], plan["rows"]["rejected_fields"]) == (1, [8])
    assert plan["updated_by_column"] == {} and plan["rejected_by_column"] == {"disabled": 1}
    assert plan["reasons"] == {"rejected_fields": {"disabled.boolean": [8]}}


@pytest.mark.parametrize(("sync", "category"), [("automatic", "failed"), ("manual", "updated")])
def test_a_changed_username_fails_in_an_automatic_sync(
    plan_of: Callable[..., Any], tmp_path: Path, sync: str, category: str
) -> None:
    config = write_settings(tmp_path, sync=sync)
    plan, _ = plan_of(_with(3, username="S9999999"), "--config", config)
    assert plan["rows"][category] == [5]
    assert plan["rows"]["username_changed"] == [5]
    assert plan["updated_by_column"] == ({"username": 1} if sync == "manual" else {})


def test_duplicate_rows_are_skipped_all_of_them(plan_of: Callable[..., Any]) -> None:
    current = [dict(r) for r in BASE]
    current[8] = student(8, username=BASE[2]["username"])  # row 10 takes row 4's username
    plan, _ = plan_of(current)
    assert plan["rows"]["skipped"] == [4, 10]
    assert plan["reasons"]["skipped"] == {"username.unique": [4, 10]}
    assert plan["updated"] == 0


# --- any pair of exports: the plan adds up to the rows read ----------------------------------


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate", SAMPLE_DATA / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _damage(rows: list[dict[str, str]], share: float, rng: random.Random) -> None:
    """Damage about ``share`` of the cells the way weekly exports are damaged: Excel, spaces,
    dates, duplicates, blank labels, changed identifiers, refused values."""
    others = list(rows)

    def other(column: str) -> str:
        return rng.choice(others)[column]

    damages: list[Callable[[dict[str, str]], None]] = [
        lambda r: r.update(card_id=f"{rng.randint(1, 9)}.{rng.randint(10000, 99999)}E+08"),
        lambda r: r.update(username=f"{rng.randint(1, 9)}.{rng.randint(1000, 9999)}E+06"),
        lambda r: r.update(email_address=r["email_address"] + " "),
        lambda r: r.update(last_name=" " + r["last_name"]),
        lambda r: r.update(
            {
                "primary_education:end_date": "/".join(
                    r["primary_education:end_date"].split("-")[::-1]
                )
            }
        ),
        lambda r: r.update(username=other("username")),
        lambda r: r.update(email_address=other("email_address")),
        lambda r: r.update(card_id=other("card_id")),
        lambda r: r.update(system_label_names=""),
        lambda r: r.update(username=f"S9{rng.randint(100000, 999999)}"),
        lambda r: r.update(auth_identifier=f"u9{rng.randint(100000, 999999)}"),
        lambda r: r.update({"primary_education:currently_attending": "true"}),
        lambda r: r.update(school_year_name="Year 9"),
        lambda r: r.update(mobile_number="+49 175 1807 2637"),
        lambda r: r.update(last_name="**CLEAR**"),
        lambda r: r.update(disabled="TRUE"),
        lambda r: r.update(first_name="=1+1"),
        lambda r: r.update(email_address=""),
    ]
    cells = len(rows) * len(rows[0])
    for _ in range(int(share * cells)):
        rng.choice(damages)(rng.choice(rows))


def _damaged_week(folder: Path, rows: int = 3000, share: float = 0.03) -> tuple[Path, Path]:
    """Last week's clean export and this week's damaged one (rows gone, rows new, cells
    damaged, a blank row and a ragged one), written into ``folder``."""
    gen = _generator()
    header, clean = gen.generate_rows(rows, seed=23)
    previous, current = folder / "last_week.csv", folder / "damaged_week.csv"
    gen.write_csv(previous, header, clean)
    rng = random.Random(23)
    week = [dict(r) for r in clean if rng.random() > 0.02]  # some students left
    week += [dict(r) for r in gen.generate_rows(rows // 50, seed=29)[1]]  # some are new
    _damage(week, share, rng)
    gen.write_csv(current, header, week)
    with current.open("a", encoding="utf-8", newline="") as handle:
        handle.write("," * (len(header) - 1) + "\r\n")  # a blank row
        handle.write("ragged,row\r\n")  # a row of 2 cells
    return previous, current


PAIRS: dict[str, Callable[[Path], tuple[Path, Path]]] = {
    "defective": lambda _: (SAMPLE_DATA / "clean.csv", SAMPLE_DATA / "defective.csv"),
    "weekly-2": lambda _: (
        SAMPLE_DATA / "weekly" / "2026-11-15.csv",
        SAMPLE_DATA / "weekly" / "2026-11-22.csv",
    ),
    "weekly-3": lambda _: (
        SAMPLE_DATA / "weekly" / "2026-11-22.csv",
        SAMPLE_DATA / "weekly" / "2026-11-29.csv",
    ),
    "damaged": _damaged_week,
}
"""Export pairs (the baseline, this week's) whose plan must add up: add any pair here."""


@pytest.fixture(scope="module", params=sorted(PAIRS))
def checked(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, suite: Suite
) -> tuple[RunResult, dict[str, Any]]:
    """One pair checked: the result and its results.json."""
    folder = tmp_path_factory.mktemp(request.param)
    previous, current = PAIRS[request.param](folder)
    catalogue = build(suite)
    layout = ReportLayout.default(folder / "reports", keep=False)
    done = run(current, catalogue, layout, Options(previous=previous))
    document = json.loads((done.run_dir / "results.json").read_text(encoding="utf-8"))
    return done.result, document


def test_the_plan_partitions_the_rows_read(checked: tuple[RunResult, dict[str, Any]]) -> None:
    result, document = checked
    assert result.comparison is not None
    plan = result.comparison.plan
    assert plan.refined and plan.adds_up
    plan.assert_partition(range(2, result.accounting.rows_read + 2))
    written = document["comparison"]["plan"]
    assert sum(written[c] for c in CATEGORIES) == document["accounting"]["rows_read"]
    listed = [r for c in CATEGORIES for r in written["rows"].get(c, [])]
    assert len(listed) == len(set(listed)) == written["rows_read"]


def _cells(result: RunResult, consequence: Consequence) -> set[tuple[int, str]]:
    return {
        (r, column)
        for f in result.findings
        if f.consequence is consequence
        for column, rows in f.pieces
        for r in rows
    }


def test_the_plan_follows_the_findings(checked: tuple[RunResult, dict[str, Any]]) -> None:
    """Duplicates are skipped; a refused value is never a change; an updated row has a change
    that is neither refused nor mangled by Excel."""
    result, _ = checked
    assert result.comparison is not None
    plan = result.comparison.plan
    kinds = {c.id: c.kind for c in result.checks}
    duplicated = {r for f in result.findings if kinds.get(f.rule) == "unique" for r in f.rows}
    assert duplicated <= set(plan.rows(C.SKIPPED))
    refused = _cells(result, Consequence.FIELD_REJECTED)
    fine = {C.CREATED, C.UPDATED, C.UNCHANGED, C.ARCHIVED}
    assert not {r for r, _ in refused} & {r for c in fine for r in plan.rows(c)}
    mangled = {
        (r, column)
        for f in result.findings
        if kinds.get(f.rule) == "excel_mangled_id"
        for column, rows in f.pieces
        for r in rows
    }
    for row in plan.rows(C.UPDATED):
        changed = {(row, c) for c, rows in plan.changes.items() if row in rows}
        assert changed - refused - mangled, f"row {row} is updated by nothing"


def test_the_matchings_draft_puts_each_record_in_one_category() -> None:
    """Before the findings: new, split, a repeated username (the rows after its first), and
    known students changed or not."""
    import polars as pl

    from syncguard.compare.matching import match, plan
    from syncguard.compare.snapshot import make_snapshot
    from syncguard.intake.reader import ROW

    def frame(rows: list[dict[str, str]]) -> pl.DataFrame:
        return pl.DataFrame(rows).with_columns(
            pl.int_range(2, len(rows) + 2, dtype=pl.UInt32).alias(ROW)
        )

    current = [dict(r) for r in BASE[:6]]
    current[1] = student(1, last_name="Novák")  # row 3: updated
    current[2] = student(2, username="S7777777", email_address="x@uni.example.eu")  # 4: split
    current.append(student(3, first_name="Eva"))  # row 8 repeats row 5's username
    current.append(student(50))  # row 9: new
    key = b"k" * 32
    draft = plan(match(make_snapshot(frame(BASE), key), make_snapshot(frame(current), key)))
    draft.assert_partition(range(2, len(current) + 2))
    assert not draft.refined
    assert (draft.rows(C.UPDATED), draft.rows(C.SPLIT)) == ((3,), (4,))
    assert (draft.rows(C.SKIPPED), draft.rows(C.CREATED)) == ((8,), (9,))
    assert len(draft.vanished) == len(BASE) - 6  # students 6 to 19
