"""Kind ``email``: a well-formed address at the institution's domain (or one of its subdomains)."""

from __future__ import annotations

import polars as pl

from syncguard.model import Consequence
from syncguard.suite.kinds._values import ALLOW_CLEAR, skipped
from syncguard.suite.model import Rule
from syncguard.suite.registry import Example, PanderaKind, Param, register

LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?"
ADDRESS = rf"[A-Za-z0-9.!#$%&'*+/=?^_`{{|}}~\-]+@{LABEL}(?:\.{LABEL})+"
SYNTAX = rf"^{ADDRESS}$"


def _domain(value: pl.Expr) -> pl.Expr:
    return value.str.extract(r"@([^@]+)$", 1).str.to_lowercase()


def _at_one_of(domain: pl.Expr, domains: list[str]) -> pl.Expr:
    ok = pl.lit(False)
    for d in domains:
        d = d.lower().lstrip("@")
        ok = ok | (domain == d) | domain.str.ends_with("." + d)
    return ok


@register
class Email(PanderaKind):
    """Syntax, then domain: one of ``domains`` or a subdomain of one, of the address without
    the spaces around it (``stray_whitespace`` reports those).

    ``notuni-example.eu`` is not a subdomain of ``uni-example.eu``; ``student.uni-example.eu`` is.
    With no domains, only the syntax is checked here: the pipeline infers the institution's
    domain from the export first (or reports that it cannot) and fills it in.
    """

    name = "email"

    consequence = Consequence.FIELD_REJECTED
    summary = "a well-formed email address at the institution's domain"
    params = (
        Param(
            "domains",
            (list,),
            doc="accepted domains (and their subdomains); empty: inferred from the export",
        ),
        ALLOW_CLEAR,
    )
    example = Example(
        columns=("email_address",),
        params={"domains": ["uni-example.eu"]},
        passing=(
            ("jana.novak@student.uni-example.eu",),
            ("a.b@uni-example.eu",),
            ("jana.novak@student.uni-example.eu\u00a0",),
            (None,),
        ),
        failing=(
            ("jana@gmail.com",),
            ("jana@gmail.com ",),
            ("jana@notuni-example.eu",),
            ("jana.novak",),
            ("jana@@uni-example.eu",),
            ("jana novak@uni-example.eu",),
        ),
    )

    def passes(self, rule: Rule, value: pl.Expr) -> pl.Expr:
        # spaces around the address are the stray_whitespace kind's to report (a practice
        # warning): the address itself is judged here, so one cause gives one finding
        address = value.str.strip_chars()
        domain = _domain(address)
        domains = [str(d) for d in rule.params.get("domains") or []]
        at_home = _at_one_of(domain, domains) if domains else pl.lit(True)
        well_formed = address.str.contains(SYNTAX)
        return skipped(value, rule.params.get("allow_clear")) | (well_formed & at_home)

    def hint(self, rule: Rule, failing: list[str]) -> str | None:
        if rule.params.get("domains"):
            return f"Accepted domains: {', '.join(rule.params['domains'])} and their subdomains."
        return "No institution domain is configured: only the form of the addresses was checked."
