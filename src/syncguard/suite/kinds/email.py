"""Kind ``email``: a well-formed address at the institution's domain (or one of its subdomains)."""

from __future__ import annotations

import polars as pl

from syncguard.intake.domains import registrable
from syncguard.model import Consequence
from syncguard.suite.kinds._values import ALLOW_CLEAR, skipped
from syncguard.suite.model import Rule
from syncguard.suite.registry import Example, PanderaKind, Param, register

LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?"
ADDRESS = rf"[A-Za-z0-9.!#$%&'*+/=?^_`{{|}}~\-]+@{LABEL}(?:\.{LABEL})+"
SYNTAX = rf"^{ADDRESS}$"


def _domain(value: pl.Expr) -> pl.Expr:
    return value.str.extract(r"@([^@]+)$", 1).str.to_lowercase()


def accepted_domains(rule: Rule) -> list[str]:
    """The domains a rule accepts (each with its subdomains), lower case, without ``@``.

    With ``institution``, each domain stands for its institution: its registrable domain
    (``student.uni.ac.uk`` -> ``uni.ac.uk``) is accepted, so every address of the institution
    is. A domain with no registrable part (a public suffix) is kept as given.
    """
    domains = [str(d).lower().lstrip("@") for d in rule.params.get("domains") or []]
    if rule.params.get("institution"):
        domains = [registrable(d) or d for d in domains]
    return list(dict.fromkeys(d for d in domains if d))


def _at_one_of(domain: pl.Expr, domains: list[str]) -> pl.Expr:
    ok = pl.lit(False)
    for d in domains:
        ok = ok | (domain == d) | domain.str.ends_with("." + d)
    return ok


@register
class Email(PanderaKind):
    """Syntax, then domain: one of ``domains`` or a subdomain of one, of the address without
    the spaces around it (``stray_whitespace`` reports those).

    ``notuni-example.eu`` is not a subdomain of ``uni-example.eu``; ``student.uni-example.eu`` is.
    With no domains, only the syntax is checked here: the pipeline infers the institution's
    domain from the export first (or reports that it cannot) and fills it in. The students'
    domains are the spec's ("the institution domain must belong to your institution"); a rule
    on a staff member's address says ``institution: true``, and then any address of the
    institution is accepted: at the registrable domain of one of ``domains`` or a subdomain of
    it (``careers.uni-example.eu`` when students are at ``student.uni-example.eu``).
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
        Param(
            "institution",
            (bool,),
            doc="accept any address of the institution: the registrable domain of each of "
            "domains and its subdomains (a staff address); default false",
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
        domains = accepted_domains(rule)
        at_home = _at_one_of(domain, domains) if domains else pl.lit(True)
        well_formed = address.str.contains(SYNTAX)
        return skipped(value, rule.params.get("allow_clear")) | (well_formed & at_home)

    def hint(self, rule: Rule, failing: list[str]) -> str | None:
        domains = accepted_domains(rule)
        if domains:
            return f"Accepted domains: {', '.join(domains)} and their subdomains."
        return "No institution domain is configured: only the form of the addresses was checked."
