"""Masking keeps what a steward needs (first letter, email domain) and hides the rest."""

from __future__ import annotations

import pytest

from syncguard.masking import mask, shown


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("jana.novak@uni.ac.uk", "j•••@uni.ac.uk"),
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
    assert mask(value) == masked


def test_shown_is_raw_only_on_request() -> None:
    assert shown("Anna", show_values=True) == "Anna"
    assert shown("Anna", show_values=False) == "A•••"
