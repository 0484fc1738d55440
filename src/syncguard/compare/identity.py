"""The same-person test: whether two records under one identifier are one student or two.

The importer matches students on ``username`` and never forgets an account, and a username is
"expected to never change, to never be recycled" (DESIGN, "Domain facts"): a row whose username
(or SSO ``auth_identifier``) the importer already knows updates that account, whoever the row
is about. So when this row and the record the identifier had before (the baseline's row, or the
history's memory of it) are two people, the import hands one student's account to another.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from syncguard.compare.snapshot import IDENTITIES, NAME

FINGERPRINTS: dict[str, str] = {
    **{column: f"{short}_h" for column, short in IDENTITIES.items()},
    NAME: f"{NAME}_h",
}
"""What a person's fingerprint is made of: the name a setting gives it -> its snapshot column
(a keyed digest: the same value gives the same digest, nothing more is known of it)."""


@dataclass(frozen=True)
class SamePerson:
    """The same-person test, with the institution's thresholds (``[settings]``).

    Each fingerprint (``fingerprints``: the snapshot columns of username, email address,
    auth_identifier, card_id and name) is *comparable* when both records know it: a blank, a
    ``**CLEAR**`` or a column the export lacks is unknown, never a difference, and so is a
    name that a snapshot made before names were kept does not hold. The identifier the two
    records were matched on never counts (it agrees by definition).

    - the **same person** when at least one comparable fingerprint agrees (a student who
      changed their email and lost their card still has their SSO id or name);
    - **another person** when none agrees and at least ``min_differing`` comparable ones
      differ (setting ``takeover_min_differing``, default 2: one differing value is too little
      to tell a typo or a name change from a stranger);
    - otherwise too little is known to tell: the same person (nothing is proven).
    """

    min_differing: int = 2
    fingerprints: tuple[str, ...] = tuple(FINGERPRINTS.values())

    @classmethod
    def of(cls, settings: Mapping[str, Any]) -> SamePerson:
        """The test with the thresholds of ``takeover_min_differing`` and
        ``same_person_fingerprints`` (the defaults where a setting is not given)."""
        names = settings.get("same_person_fingerprints", list(FINGERPRINTS))
        return cls(
            min_differing=int(settings.get("takeover_min_differing", cls.min_differing)),
            fingerprints=tuple(FINGERPRINTS[n] for n in names),
        )

    def another(self, key: str, suffix: str) -> pl.Expr:
        """True where the record in the columns ``<fingerprint>`` and the one in
        ``<fingerprint><suffix>`` are two people (never null); ``key``, the column they were
        matched on, does not count."""
        agree: list[pl.Expr] = []
        differ: list[pl.Expr] = []
        for column in self.fingerprints:
            if column == key:
                continue
            now, before = pl.col(column), pl.col(f"{column}{suffix}")
            known = now.is_not_null() & before.is_not_null()
            agree.append((known & (now == before)).cast(pl.UInt8))
            differ.append((known & (now != before)).cast(pl.UInt8))
        if not differ:
            return pl.lit(False)
        return (pl.sum_horizontal(agree) == 0) & (pl.sum_horizontal(differ) >= self.min_differing)
