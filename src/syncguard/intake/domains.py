"""Infer the institution's email domain from an export when none is configured.

The spec asks that ``email_address`` be at the institution's domain. When the institution has
not set ``email_domains``, the domain is inferred from the export itself, by registrable domain
(``student.uni.ac.uk`` and ``uni.ac.uk`` both count for ``uni.ac.uk``). It is inferred only
when it is clear: a strict majority, no tie, and never a personal mail provider.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import polars as pl
from publicsuffixlist import PublicSuffixList

from syncguard.masking import FREE_MAIL, mask

__all__ = [
    "FREE_MAIL",
    "NAMED_FROM",
    "DomainInference",
    "at_domains",
    "infer_domain",
    "registrable",
]

NAMED_FROM = 3
"""A domain is named in a reason only when this many addresses are at it (or it is a personal
mail provider's): a domain with fewer may be one family's own, and so identify a person."""
_SET_IT = "set email_domains"
# Dot-separated labels without spaces or empty labels, at least two of them.
_HOSTNAME = r"^[\w-]+(?:\.[\w-]+)+$"


@cache
def _psl() -> PublicSuffixList:
    """The bundled public suffix list, loaded once on first use (no network)."""
    return PublicSuffixList()


def _norm(domain: str) -> str:
    """Lower case, surrounding spaces and one trailing dot removed."""
    domain = domain.strip().lower()
    return domain[:-1] if domain.endswith(".") else domain


def registrable(domain: str) -> str | None:
    """The registrable domain (public suffix plus one label) of ``domain``.

    Args:
        domain: a host name such as ``student.uni.ac.uk``; case and a trailing dot are ignored.

    Returns:
        The lower-case registrable domain (``uni.ac.uk``), or None when ``domain`` has no
        registrable part: it is empty, a public suffix itself (``ac.uk``) or a single label
        (``localhost``).
    """
    domain = _norm(domain)
    if not domain:
        return None
    found = _psl().privatesuffix(domain)
    return found if isinstance(found, str) else None


def at_domains(domain: str, domains: Sequence[str]) -> bool:
    """Whether ``domain`` is one of ``domains`` or a subdomain of one.

    Comparison ignores case, a trailing dot, and a leading ``@`` on a configured domain.
    ``student.uni.eu`` is at ``uni.eu``; ``notuni.eu`` is not.
    """
    domain = _norm(domain)
    if not domain:
        return False
    for configured in domains:
        home = _norm(configured.strip().lstrip("@"))
        if home and (domain == home or domain.endswith("." + home)):
            return True
    return False


@dataclass(frozen=True)
class DomainInference:
    """The institution's domain as inferred from an export, or why it could not be.

    Attributes:
        domain: the inferred registrable domain; None when it cannot be inferred.
        share: the share of counted addresses at ``domain`` or its subdomains; 0.0 when
            ``domain`` is None.
        addresses: how many addresses with a parseable domain were counted.
        reason: one sentence for people: why ``domain`` was inferred, or why it could not be.
    """

    domain: str | None
    share: float
    addresses: int
    reason: str


def _counts(values: pl.Series) -> pl.DataFrame:
    """Addresses per registrable domain (null: no registrable part), most common first.

    Parsing is vectorised: rows are reduced to one row per distinct domain text first, and
    ``registrable`` then runs once per distinct normalised domain, not per row.
    """
    per_text = (
        pl.DataFrame({"value": values.cast(pl.String)})
        .lazy()
        .filter(pl.col("value").str.count_matches("@", literal=True) == 1)
        .select(pl.col("value").str.split_exact("@", 1).struct.rename_fields(["local", "domain"]))
        .unnest("value")
        .filter(pl.col("local").str.strip_chars() != "")
        .group_by("domain")
        .agg(pl.len().alias("n"))
    )
    per_domain = (
        per_text.with_columns(
            pl.col("domain").str.strip_chars().str.to_lowercase().str.strip_suffix(".")
        )
        .filter(pl.col("domain").str.contains(_HOSTNAME))
        .group_by("domain")
        .agg(pl.col("n").sum())
        .collect()
    )
    labels = per_domain.get_column("domain").to_list()
    return (
        per_domain.with_columns(
            pl.Series("registrable", [registrable(d) for d in labels], dtype=pl.String)
        )
        .group_by("registrable")
        .agg(pl.col("n").sum())
        .sort(["n", "registrable"], descending=[True, False], nulls_last=True)
    )


def _addresses(n: int, each: bool = False) -> str:
    """``1 address``, ``2 addresses``; with ``each``: ``2 addresses each``."""
    return f"{n} address{'' if n == 1 else 'es'}" + (" each" if each else "")


def _and(names: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _named(domain: str, n: int) -> str:
    """The domain as a reason may name it: masked (its shape, ``aaa-aaaaaa.aa``) when fewer than
    NAMED_FROM hold it."""
    return domain if n >= NAMED_FROM or domain in FREE_MAIL else mask(domain)


def infer_domain(values: pl.Series, min_share: float = 0.5) -> DomainInference:
    """Infer the institution's registrable email domain from the ``email_address`` column.

    A value counts when, stripped and lower-cased, it has exactly one ``@`` with something
    before it and a host name after it; blanks, ``**CLEAR**`` and malformed text do not count.
    Counted addresses are grouped by registrable domain, so ``student.uni.eu`` and ``uni.eu``
    count together. The most common registrable domain is inferred only when it holds strictly
    more than ``min_share`` of the counted addresses, is not tied with the next one, and is
    not a personal mail provider (``FREE_MAIL``).

    Args:
        values: raw cells of the ``email_address`` column (nulls allowed).
        min_share: the share, in [0, 1), that the top registrable domain must exceed.

    Returns:
        The inference; ``domain`` is None, with the reason, when it cannot be inferred.

    Raises:
        ValueError: if ``min_share`` is outside [0, 1).
    """
    if not 0.0 <= min_share < 1.0:
        raise ValueError(f"min_share must be in [0, 1), not {min_share}")
    counts = _counts(values)
    total = int(counts.get_column("n").sum())
    if total == 0:
        return DomainInference(
            None, 0.0, 0, f"no value is an address with a domain to infer it from; {_SET_IT}"
        )
    ranked = counts.drop_nulls("registrable")
    if ranked.is_empty():
        return DomainInference(
            None,
            0.0,
            total,
            f"no address is at a registrable domain ({_addresses(total)} counted); {_SET_IT}",
        )
    names = ranked.get_column("registrable").to_list()
    ns = ranked.get_column("n").to_list()
    top, n = str(names[0]), int(ns[0])
    share = n / total
    tied = [_named(str(name), n) for name, k in zip(names, ns, strict=True) if k == n]
    if len(tied) > 1:
        reason = (
            f"no domain has a clear majority: {_and(tied)} have "
            f"{_addresses(n, each=True)}; {_SET_IT}"
        )
        return DomainInference(None, 0.0, total, reason)
    if share <= min_share:
        reason = (
            f"no domain has a clear majority: the most common, {_named(top, n)}, has {n} of "
            f"{_addresses(total)} ({share:.0%}), not more than {min_share:.0%}; {_SET_IT}"
        )
        return DomainInference(None, 0.0, total, reason)
    if top in FREE_MAIL:
        reason = (
            f"the most common domain {top} is a personal mail provider, not an institution's; "
            f"{_SET_IT}"
        )
        return DomainInference(None, 0.0, total, reason)
    reason = f"{n} of {_addresses(total)} ({share:.0%}) are at {top} or its subdomains"
    return DomainInference(top, share, total, reason)
