"""Inferring the institution's email domain: registrable domains, majority, ties, free mail."""

from __future__ import annotations

import polars as pl
import pytest

from syncguard.intake.domains import (
    FREE_MAIL,
    NAMED_FROM,
    DomainInference,
    at_domains,
    infer_domain,
    registrable,
)


def _emails(*groups: tuple[str, int]) -> pl.Series:
    """``n`` addresses at each ``domain``, as raw cells of the email_address column."""
    return pl.Series(
        "email_address",
        [f"person{i}@{domain}" for domain, n in groups for i in range(n)],
        dtype=pl.String,
    )


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("student.uni.ac.uk", "uni.ac.uk"),
        ("uni.ac.uk", "uni.ac.uk"),
        ("mail.student.uni.ac.uk", "uni.ac.uk"),
        ("student.uni-example.eu", "uni-example.eu"),
        ("uni-example.eu", "uni-example.eu"),
        ("studium.uni-hamburg.de", "uni-hamburg.de"),
        ("students.tuwien.ac.at", "tuwien.ac.at"),
        ("mail.college.co.uk", "college.co.uk"),
        ("Student.UNI.Example.EU", "example.eu"),
        ("student.uni.eu.", "uni.eu"),
        ("  student.uni.eu  ", "uni.eu"),
    ],
)
def test_registrable_is_the_public_suffix_plus_one_label(domain: str, expected: str) -> None:
    assert registrable(domain) == expected


@pytest.mark.parametrize("domain", ["ac.uk", "co.uk", "ac.at", "eu", "localhost", "", "  ", "."])
def test_registrable_is_none_without_a_registrable_part(domain: str) -> None:
    assert registrable(domain) is None


@pytest.mark.parametrize(
    ("domain", "configured", "expected"),
    [
        ("uni.eu", ["uni.eu"], True),
        ("student.uni.eu", ["uni.eu"], True),
        ("Student.UNI.eu", ["@Uni.EU"], True),
        ("student.uni.eu.", ["uni.eu"], True),
        ("notuni.eu", ["uni.eu"], False),
        ("uni.eu.evil.com", ["uni.eu"], False),
        ("uni.eu", ["student.uni.eu"], False),
        ("staff.uni.de", ["uni.eu", "uni.de"], True),
        ("uni.eu", [], False),
        ("uni.eu", ["", "@"], False),
        ("", ["uni.eu"], False),
    ],
)
def test_at_domains(domain: str, configured: list[str], expected: bool) -> None:
    assert at_domains(domain, configured) is expected


def test_students_at_a_subdomain_and_staff_at_the_parent_count_together() -> None:
    values = _emails(("student.uni.eu", 3), ("uni.eu", 2), ("gmail.com", 4))

    result = infer_domain(values)

    assert result == DomainInference(
        domain="uni.eu",
        share=5 / 9,
        addresses=9,
        reason="5 of 9 addresses (56%) are at uni.eu or its subdomains",
    )


def test_a_uk_university_is_inferred_by_its_registrable_domain() -> None:
    values = _emails(("student.uni.ac.uk", 30), ("uni.ac.uk", 12), ("gmail.com", 8))

    result = infer_domain(values)

    assert result.domain == "uni.ac.uk"
    assert result.share == pytest.approx(0.84)
    assert result.addresses == 50
    assert result.reason == "42 of 50 addresses (84%) are at uni.ac.uk or its subdomains"


def test_a_three_three_tie_infers_nothing() -> None:
    values = _emails(("uni-a.eu", 3), ("uni-b.eu", 3))

    result = infer_domain(values, min_share=0.0)

    assert result.domain is None
    assert result.share == 0.0
    assert result.addresses == 6
    assert result.reason == (
        "no domain has a clear majority: uni-a.eu and uni-b.eu have 3 addresses each; "
        "set email_domains"
    )


@pytest.mark.parametrize(
    ("groups", "reason"),
    [
        (
            (("jana-novak.de", 2), ("uni-b.eu", 2)),
            "no domain has a clear majority: aaaa-aaaaa.aa and aaa-a.aa have 2 addresses each",
        ),
        (
            (("gmail.com", 1), ("jana-novak.de", 1)),
            "no domain has a clear majority: gmail.com and aaaa-aaaaa.aa have 1 address each",
        ),
        (
            (("jana-novak.de", 2), ("uni-b.eu", 1), ("uni-c.eu", 1), ("uni-d.eu", 1)),
            "no domain has a clear majority: the most common, aaaa-aaaaa.aa, has 2 of 5 addresses",
        ),
    ],
)
def test_a_reason_masks_a_domain_too_few_addresses_are_at(
    groups: tuple[tuple[str, int], ...], reason: str
) -> None:
    # a domain held by one or two addresses may be a family's own: naming it names a person
    assert NAMED_FROM == 3
    result = infer_domain(_emails(*groups))
    assert result.domain is None
    assert result.reason.startswith(reason)
    assert "jana-novak" not in result.reason


def test_a_tie_counts_subdomains_with_their_registrable_domain() -> None:
    values = _emails(("student.uni-a.eu", 1), ("uni-a.eu", 1), ("uni-b.eu", 2))

    assert infer_domain(values, min_share=0.0).domain is None


@pytest.mark.parametrize("provider", ["gmail.com", "outlook.com", "gmx.de", "seznam.cz", "wp.pl"])
def test_everyone_at_a_personal_mail_provider_infers_nothing(provider: str) -> None:
    result = infer_domain(_emails((provider, 10)))

    assert result.domain is None
    assert result.share == 0.0
    assert result.addresses == 10
    assert result.reason == (
        f"the most common domain {provider} is a personal mail provider, not an institution's; "
        "set email_domains"
    )


def test_free_mail_holds_only_registrable_domains() -> None:
    assert {registrable(d) for d in FREE_MAIL} == set(FREE_MAIL)


def test_a_weak_majority_infers_nothing() -> None:
    values = _emails(("uni-a.eu", 4), ("uni-b.eu", 3), ("uni-c.eu", 3))

    result = infer_domain(values)

    assert result.domain is None
    assert result.share == 0.0
    assert result.addresses == 10
    assert result.reason == (
        "no domain has a clear majority: the most common, uni-a.eu, has 4 of 10 addresses "
        "(40%), not more than 50%; set email_domains"
    )


@pytest.mark.parametrize(
    ("uni", "other", "min_share", "expected"),
    [
        (5, 5, 0.4, None),  # tied
        (6, 4, 0.5, "uni.eu"),
        (5, 5, 0.5, None),  # exactly half is not more than half
        (6, 4, 0.6, None),  # exactly the threshold is not more than it
        (7, 3, 0.6, "uni.eu"),
        (4, 6, 0.3, "other.eu"),
    ],
)
def test_the_top_domain_must_hold_strictly_more_than_min_share(
    uni: int, other: int, min_share: float, expected: str | None
) -> None:
    values = _emails(("uni.eu", uni), ("other.eu", other))

    assert infer_domain(values, min_share=min_share).domain == expected


def test_blanks_clear_and_malformed_values_are_not_counted() -> None:
    noise = [
        None,
        "",
        "   ",
        "**CLEAR**",
        "jana.novak",
        "jana@@uni-b.eu",
        "a@b@uni-b.eu",
        "@uni-b.eu",
        "  @uni-b.eu",
        "jana@",
        "jana@uni-b",
        "jana@uni b.eu",
        "jana@.uni-b.eu",
        "jana@uni-b..eu",
    ]
    good = [" Jana.Novak@Student.UNI-A.eu ", "petr@uni-a.eu.", "eva@uni-a.eu"]
    values = pl.Series("email_address", noise + good, dtype=pl.String)

    result = infer_domain(values)

    assert result.domain == "uni-a.eu"
    assert result.addresses == 3
    assert result.share == 1.0


@pytest.mark.parametrize(
    "values",
    [
        pl.Series("email_address", [], dtype=pl.String),
        pl.Series("email_address", [None, None], dtype=pl.String),
        pl.Series("email_address", ["", "**CLEAR**", "not an address"], dtype=pl.String),
    ],
)
def test_no_addresses_infers_nothing(values: pl.Series) -> None:
    result = infer_domain(values)

    assert result == DomainInference(
        None, 0.0, 0, "no value is an address with a domain to infer it from; set email_domains"
    )


def test_addresses_at_a_bare_public_suffix_count_but_cannot_be_inferred() -> None:
    values = pl.Series("email_address", ["a@ac.uk", "b@ac.uk", "c@uni.ac.uk"], dtype=pl.String)

    assert infer_domain(values).domain is None  # uni.ac.uk holds 1 of 3
    only_suffix = infer_domain(pl.Series("email_address", ["a@ac.uk", "b@co.uk"]))
    assert only_suffix.domain is None
    assert only_suffix.addresses == 2
    assert only_suffix.reason == (
        "no address is at a registrable domain (2 addresses counted); set email_domains"
    )


@pytest.mark.parametrize("min_share", [-0.1, 1.0, 1.5])
def test_min_share_outside_zero_to_one_is_rejected(min_share: float) -> None:
    with pytest.raises(ValueError, match="min_share"):
        infer_domain(_emails(("uni.eu", 1)), min_share=min_share)


def test_a_million_values_are_inferred() -> None:
    block = [
        "jana.novak@student.uni.ac.uk",
        "PETR@UNI.AC.UK ",
        "eva@gmail.com",
        None,
        "**CLEAR**",
        "",
        "broken@@uni.ac.uk",
        "anna@staff.uni.ac.uk",
        "karl@web.de",
        "lena@student.uni.ac.uk",
    ]
    n = 100_000
    values = pl.Series("email_address", block * n, dtype=pl.String)
    assert values.len() == 1_000_000

    result = infer_domain(values)

    assert result.domain == "uni.ac.uk"
    assert result.addresses == 6 * n
    assert result.share == pytest.approx(4 / 6)
    assert result.reason == (
        f"{4 * n} of {6 * n} addresses (67%) are at uni.ac.uk or its subdomains"
    )
