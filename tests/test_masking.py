"""Masking by data class: personal and special values hidden, the defect itself visible."""

from __future__ import annotations

import polars as pl
import pytest

from syncguard.masking import DataClass, Masker, mask, mask_expr, shown, visible

INSTITUTION = ["uni.ac.uk"]


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("jana.novak@uni.ac.uk", "j•••@uni.ac.uk"),
        ("jana.novak@student.uni.ac.uk", "j•••@student.uni.ac.uk"),
        ("jana.novak@jana-novak-private.de", "j•••@•••"),  # a private domain identifies her
        ("jana.novak@notuni.ac.uk", "j•••@•••"),
        (" jana@uni.ac.uk ", "␣j•••@uni.ac.uk␣"),  # stray spaces stay visible
        ("A", "•••"),  # a one-character value would be shown whole
        ("Li", "•••"),
        ("Ann", "•••"),
        ("Anna", "A•••"),
        ("Anna\u00a0", "A•••⍽"),
        ("\u200bAnna", "⟨ZWSP⟩•••"),  # the mark is the first character shown
        ("Łukasz", "Ł•••"),
        ("00412345", "0•••"),
        ("@SUM(A1)", "@•••"),
        ("jonas.berg@uni-example.eu; jonas.private@gmail.com", "j•••"),
        ("Flat 3 @ 12 Baker Street London ", "F•••␣"),
        ("", ""),
        ("   ", "␣␣␣"),
        (None, ""),
    ],
)
def test_mask(value: str | None, masked: str) -> None:
    assert mask(value, INSTITUTION) == masked
    frame = pl.DataFrame({"v": [value]}, schema={"v": pl.String})
    assert frame.select(mask_expr(pl.col("v"), INSTITUTION)).item() == masked


@pytest.mark.parametrize(
    ("value", "seen"),
    [
        (" 2027-06-30", "␣2027-06-30"),
        ("TRUE ", "TRUE␣"),
        ("Bachelor\u00a02nd year", "Bachelor⍽2nd year"),
        ("Doc\u200btorate", "Doc⟨ZWSP⟩torate"),
        ("line\nbreak", "line↵break"),
        ("\u202eevil", "⟨RLO⟩evil"),
        ("plain", "plain"),
    ],
)
def test_invisible_characters_are_made_visible(value: str, seen: str) -> None:
    assert visible(value) == seen


@pytest.mark.parametrize(
    ("column", "value", "masked"),
    [
        ("first_name", "Jana", "J•••"),
        ("email_address", "jana@uni.ac.uk", "j•••@uni.ac.uk"),
        ("mobile_number", "+4915112345678", "+•••"),
        ("card_id", "0471924865", "0•••"),
        ("gender", "Female", "F•••"),  # special category
        ("system_label_names", "Disability;Erasmus", "D•••"),  # special category
        ("favourite_colour", "blue", "b•••"),  # a column the suite does not know: personal
        ("primary_education:end_date", "30/06/2027", "30/06/2027"),  # the defect is visible
        ("disabled", "yes", "yes"),
        ("school_year_name", "bachelor 2nd year ", "bachelor 2nd year␣"),
    ],
)
def test_columns_are_masked_by_class(column: str, value: str, masked: str) -> None:
    masker = Masker(domains=("uni.ac.uk",), classes=_classes())
    assert masker.show(value, column) == masked
    frame = pl.DataFrame({"v": [value]})
    assert frame.select(masker.expr(pl.col("v"), column)).item() == masked
    assert Masker(show_values=True).show(value, column) == visible(value)


def test_an_undeclared_column_is_personal() -> None:
    assert Masker().show("2027-06-30", "primary_education:end_date") == "2•••"


def test_a_column_class_can_be_declared() -> None:
    masker = Masker(classes={"campus_name": DataClass.PERSONAL})
    assert masker.show("Main", "campus_name") == "M•••"


def test_shown_is_raw_only_on_request() -> None:
    assert shown("Anna", show_values=True) == "Anna"
    assert shown("Anna", show_values=False) == "A•••"


def _classes() -> dict[str, DataClass]:
    from syncguard.defaults import default_rules
    from syncguard.suite.loader import load_suite

    suite = load_suite(default_rules())
    assert set(suite.data_classes) == set(suite.known_headers)  # every header is declared
    return dict(suite.data_classes)
