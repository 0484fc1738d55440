"""Kind ``required_header``: the column's header must be in the file (else it is unusable)."""

from __future__ import annotations

from syncguard.model import Consequence
from syncguard.suite.registry import Example, HeaderKind, register


@register
class RequiredHeader(HeaderKind):
    """Intake stops with exit 2 when a required header is missing."""

    name = "required_header"

    consequence = Consequence.FILE_REJECTED
    summary = "the header must be present on row 1 (spelled exactly, lowercase)"
    example = Example(
        columns=("email_address",),
        passing=(("email_address", "username"),),
        failing=(("Email_Address", "username"), ("username",)),
    )
