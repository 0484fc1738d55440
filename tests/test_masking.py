"""Masking keeps what a steward needs (first letter, email domain) and hides the rest."""

from __future__ import annotations

import pytest

from syncguard.masking import mask, shown


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("jana.novak@uni.ac.uk", "j•••@uni.ac.uk"),
        ("jana.novak@student.uni.ac.uk", "j•••@student.uni.ac.uk"),
        ("jana.novak@jana-novak-private.de", "j•••@•••"),  # a private domain identifies her
        ("jana.novak@notuni.ac.uk", "j•••@•••"),
        (" jana@uni.ac.uk ", " j•••@uni.ac.uk "),
        ("A", "•••"),  # a one-character value would be shown whole
        ("Li", "•••"),
        ("Ann", "•••"),
        ("Anna", "A•••"),
        ("Łukasz", "Ł•••"),
        ("00412345", "0•••"),
        ("@SUM(A1)", "@•••"),
        ("", ""),
        ("   ", "   "),
        (None, ""),
    ],
)
def test_mask(value: str | None, masked: str) -> None:
    assert mask(value, ["uni.ac.uk"]) == masked
    import polars as pl

    from syncguard.masking import mask_expr

    frame = pl.DataFrame({"v": [value]}, schema={"v": pl.String})
    assert frame.select(mask_expr(pl.col("v"), ["uni.ac.uk"])).item() == masked


def test_shown_is_raw_only_on_request() -> None:
    assert shown("Anna", show_values=True) == "Anna"
    assert shown("Anna", show_values=False) == "A•••"


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("jonas.berg@uni-example.eu; jonas.private@gmail.com", "j•••"),
        ("Flat 3 @ 12 Baker Street London ", "F•••"),
    ],
)
def test_only_a_single_address_keeps_its_domain(value: str, masked: str) -> None:
    import polars as pl

    from syncguard.masking import mask_expr

    assert mask(value) == masked
    assert pl.select(mask_expr(pl.lit(value))).item() == masked
