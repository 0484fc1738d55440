"""What every page of syncguard shares: its Jinja2 environment, number and id formatting.

The run report (:mod:`~syncguard.output.html_report`) and the trend index
(:mod:`~syncguard.output.trend`) both render through :func:`environment`; neither imports the
other.
"""

from __future__ import annotations

import re

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from syncguard.model import BaselineMode, Outcome, Severity, Source, Status

_NOT_IN_ID = re.compile(r"[^A-Za-z0-9_.-]")
_BREAK_AFTER = re.compile(r"(?<=[.:,/])")


def anchor(rule_id: str) -> str:
    """The HTML id of a failing rule's section in a run report: ``rule-`` and the rule id.

    Characters other than ``A-Z a-z 0-9 _ . -`` become ``-``, so the id is safe in a URL
    fragment as it is: ``anchor("email_address.format") == "rule-email_address.format"``.
    """
    return "rule-" + _NOT_IN_ID.sub("-", rule_id)


def thousands(n: int | float) -> str:
    """A count with thousands separators: ``12345`` -> ``"12,345"``."""
    return f"{n:,}"


def share(n: int, total: int) -> str:
    """``n`` as a share of ``total`` (one decimal); a real count never shows as 0.0% or 100.0%.

    ``share(1, 5000) == "<0.1%"``, ``share(4999, 5000) == ">99.9%"``, ``share(0, 5) == "0%"``;
    ``""`` when there is no total.
    """
    if total <= 0:
        return ""
    if n == 0:
        return "0%"
    text = f"{n / total:.1%}"
    if text == "0.0%":
        return "<0.1%"
    if text == "100.0%" and n < total:
        return ">99.9%"
    return text


def breakable(text: str) -> Markup:
    """Text escaped for HTML, with a ``<wbr>`` after each ``.``, ``:``, ``,`` and ``/``.

    Long ids (``education_level_name.allowed``) then wrap at their dots, not mid-word.
    """
    return Markup("<wbr>").join(escape(part) for part in _BREAK_AFTER.split(text))


def with_formatting(env: Environment) -> Environment:
    """Add the number and id helpers to a template environment (filters and ``anchor``).

    Filters: ``{{ n | thousands }}``, ``{{ n | share(total) }}``, ``{{ id | breakable }}``;
    global: ``{{ anchor(rule_id) }}``.
    """
    env.filters.update(thousands=thousands, share=share, breakable=breakable)
    env.globals.update(anchor=anchor)
    return env


def environment() -> Environment:
    """The Jinja2 environment of syncguard's templates (autoescape always on, enums known)."""
    env = Environment(
        loader=PackageLoader("syncguard.output", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        Outcome=Outcome, Severity=Severity, Status=Status, Source=Source, BaselineMode=BaselineMode
    )
    return with_formatting(env)
