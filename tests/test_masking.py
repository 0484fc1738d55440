"""Masking by data class: personal and special values hidden, the defect itself visible."""

from __future__ import annotations

import functools

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syncguard.masking import (
    MASK,
    DataClass,
    Masker,
    free_mail,
    lookalike,
    mask,
    shape,
    visible,
)

INSTITUTION = ["uni.ac.uk"]


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("jana.novak@uni.ac.uk", "aaaa.aaaaa@uni.ac.uk"),
        ("Jana.Novak@student.uni.ac.uk", "Aaaa.Aaaaa@student.uni.ac.uk"),
        ("jana.novak@jana-novak-private.de", "aaaa.aaaaa@•••"),  # a private domain identifies her
        ("jana.novak@gmail.com", "aaaa.aaaaa@gmail.com"),  # a free-mail provider: thousands
        ("jana.novak@posteo.de", "aaaa.aaaaa@posteo.de"),  # ... from the maintained list
        ("jana.novak@mail.gmail.com", "aaaa.aaaaa@mail.gmail.com"),
        ("jo@uni.ac.uk.evil.com", "aa@uni.ac.uk.evil.com (look-alike of uni.ac.uk)"),
        ("jana@unl.ac.uk", "aaaa@unl.ac.uk (look-alike of uni.ac.uk)"),
        (" jana@uni.ac.uk ", "␣aaaa@uni.ac.uk␣"),  # stray spaces stay visible
        ("A", "A"),  # one capital letter: any of 26
        ("Li", "Aa"),  # a short name shows its length only
        ("Anna", "Aaaa"),
        ("Anna ", "Aaaa␣"),
        ("Anna\u00a0", "Aaaa⍽"),
        ("\u200bAnna", "⟨ZWSP⟩Aaaa"),
        ("\u200b", "⟨ZWSP⟩"),  # an "empty" cell that is not: it shows its mark, not •••
        ("Łukasz", "Aaaaaa"),
        ("O'Brien-Smith", "A'Aaaaa-Aaaaa"),
        ("(0471) 924-865", "(9999) 999-999"),
        ("+49 151 1234567", "+99 999 9999999"),
        ("0471\u2009924865", "9999⟨U+2009⟩999999"),  # a thin space, which looks like a space
        ("4.71E+09", "9.99A+99"),
        ("@SUM(A1)", "@AAA(A9)"),
        ("jonas.berg@uni.ac.uk; jonas@gmail.com", "aaaaa.aaaa@uni.ac.uk; aaaaa@gmail.com"),
        ("Flat 3 @ 12 Baker Street London ", "Aaaa 9 @ 99 Aaaaa Aaaaaa Aaaaaa␣"),
        ("x" * 60 + " ", "a" * 30 + "…" + "a" * 8 + "␣"),  # a long value: its start and end
        ("x" * 60 + "@secret-family.de", "a" * 30 + "…" + "a" * 8 + "@•••"),
        ("", ""),
        ("   ", "␣␣␣"),
        (None, ""),
    ],
)
def test_a_personal_value_shows_its_shape(value: str | None, masked: str) -> None:
    assert mask(value, INSTITUTION) == masked
    masker = Masker(domains=tuple(INSTITUTION))
    assert masker.show(value, "first_name") == masked
    frame = pl.DataFrame({"v": [value]}, schema={"v": pl.String})
    assert masker.series(frame.get_column("v"), "first_name").item() == masked


def test_a_trailing_no_break_space_is_not_a_plain_name() -> None:
    # "Aaaa" x155 and "Aaaa" x138 must not look alike when one ends in a no-break space
    assert len({mask(v) for v in ("Anna", "Anna\u00a0", "Anna ", "Anna\u200b")}) == 4


@pytest.mark.parametrize(
    ("domain", "imitated"),
    [
        ("uni-exmaple.eu", "uni-example.eu"),  # a typo
        ("uni-example.de", "uni-example.eu"),  # another ending
        ("notuni-example.eu", "uni-example.eu"),  # the name inside another
        ("student.uni-exampel.eu", "uni-example.eu"),  # a subdomain of a look-alike
        ("un1-example.eu", "uni-example.eu"),  # confusable digit
        ("uni-ex\u0430mple.eu", "uni-example.eu"),  # Cyrillic a
        ("uni-example.eu.evil.com", "uni-example.eu"),
        ("UNI-EXMAPLE.EU.", "uni-example.eu"),
        ("uni-example.eu", None),  # the institution's own
        ("student.uni-example.eu", None),
        ("example.eu", None),
        ("jana-novak.de", None),
        ("unicorn.eu", None),
    ],
)
def test_a_lookalike_of_the_institution_is_told(domain: str, imitated: str | None) -> None:
    assert lookalike(domain, ["uni-example.eu"]) == imitated
    shown = mask(f"jo@{domain}", ["uni-example.eu"])
    if imitated is not None:
        assert f"@{domain.rstrip('.')} (look-alike of {imitated})" in shown
    else:
        assert shown == f"aa@{domain}" or shown == "aa@•••"


@pytest.mark.parametrize(
    ("domain", "free"),
    [("gmail.com", True), ("GMX.de", True), ("posteo.de", True), ("jana-novak.de", False)],
)
def test_free_mail_providers_come_from_a_maintained_list(domain: str, free: bool) -> None:
    assert free_mail(domain) is free


def test_without_institution_domains_a_private_domain_stays_masked() -> None:
    assert mask("jo@uni-exmaple.eu") == "aa@•••"
    assert mask("jo@gmail.com") == "aa@gmail.com"


@pytest.mark.parametrize(
    ("value", "seen"),
    [
        (" 2027-06-30", "␣2027-06-30"),
        ("TRUE ", "TRUE␣"),
        ("Bachelor\u00a02nd year", "Bachelor⍽2nd year"),
        ("Doc\u200btorate", "Doc⟨ZWSP⟩torate"),
        ("line\nbreak", "line↵break"),
        ("\u202eevil", "⟨RLO⟩evil"),
        ("a\u200eb", "a⟨LRM⟩b"),
        ("Main\u3000Campus", "Main⟨U+3000⟩Campus"),
        ("\u200b", "⟨ZWSP⟩"),
        ("plain", "plain"),
    ],
)
def test_invisible_characters_are_made_visible(value: str, seen: str) -> None:
    assert visible(value) == seen


@pytest.mark.parametrize(
    ("column", "value", "masked"),
    [
        ("first_name", "Jana", "Aaaa"),
        ("email_address", "jana@uni.ac.uk", "aaaa@uni.ac.uk"),
        ("mobile_number", "+4915112345678", "+9999999999999"),
        ("card_id", "0471924865", "9999999999"),
        # special category: even the length of a word may tell (Male, Female): words are •••
        ("gender", "Female ", f"{MASK}␣"),
        ("gender", "Male", MASK),
        ("system_label_names", "Disability; 2023", f"{MASK}; 9999"),
        ("favourite_colour", "blue", "aaaa"),  # a column the suite does not know: personal
        ("primary_education:end_date", "30/06/2027", "30/06/2027"),  # the defect is visible
        ("primary_education:start_date", "2027-06-30", "2027-06-30"),
        ("disabled", "yes", "yes"),
        ("campus_name", "Main\u00a0Campus", "Main⍽Campus"),
        ("primary_education:major_names", "Law;Medicine", "Law;Medicine"),
        ("school_year_name", "bachelor 2nd year ", "bachelor 2nd year␣"),
    ],
)
def test_columns_are_masked_by_class(column: str, value: str, masked: str) -> None:
    masker = Masker(domains=("uni.ac.uk",), classes=_classes())
    assert masker.show(value, column) == masked
    assert masker.series(pl.Series([value]), column).item() == masked
    assert masker.show_shape(shape(value), column) == (
        masked if masker.hides(column) else visible(shape(value))
    )
    assert Masker(show_values=True).show(value, column) == visible(value)


@pytest.mark.parametrize(
    ("column", "value", "exact"),
    [
        ("primary_education:end_date", "2027-06-30\u00a0", "2027-06-30\u00a0"),  # exactly
        ("first_name", "Anna\u00a0", "Aaaa⍽"),  # masked as shown
    ],
)
def test_machines_get_public_values_exactly(column: str, value: str, exact: str) -> None:
    assert Masker(classes=_classes()).exact(value, column) == exact


_TEXT = st.text(
    alphabet=st.sampled_from(
        [*"aZ9 .@-;,()+_'", "\u00a0", "\u200b", "é", "ß", "\u0301", "\u2009", "\n"]
    ),
    max_size=90,
)
_ADDRESSES = st.builds(
    lambda a, b, d: f"{a}@{d}{b}",
    _TEXT,
    _TEXT,
    st.sampled_from(["uni.ac.uk", "gmail.com", "jana-novak.de", "unl.ac.uk", "x.y.z"]),
)


@settings(deadline=None)
@given(st.one_of(_TEXT, _ADDRESSES))
def test_a_shape_is_shown_as_its_value_is(value: str) -> None:
    # summaries count shapes and show them later: what they show is what the value shows
    assert shape(shape(value)) == shape(value)
    masker = Masker(domains=("uni.ac.uk",), classes=_classes())
    for column in ("first_name", "gender", "email_address"):
        assert masker.show_shape(shape(value), column) == masker.show(value, column)


def test_an_undeclared_column_is_personal() -> None:
    assert Masker().show("2027-06-30", "primary_education:end_date") == "9999-99-99"


def test_a_column_class_can_be_declared() -> None:
    masker = Masker(classes={"campus_name": DataClass.PERSONAL})
    assert masker.show("Main", "campus_name") == "Aaaa"


@functools.cache
def _classes() -> dict[str, DataClass]:
    from syncguard.defaults import default_rules
    from syncguard.suite.loader import load_suite

    suite = load_suite(default_rules())
    assert set(suite.data_classes) == set(suite.known_headers)  # every header is declared
    return dict(suite.data_classes)
