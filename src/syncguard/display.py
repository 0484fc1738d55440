"""Untrusted text (paths, file names, ids) made safe to print on a terminal or in a CI log."""

from __future__ import annotations

import os
import re
from pathlib import PurePath

_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
"""What must never reach a terminal or a log as it is: control characters (C0, DEL, C1: line
breaks, ESC starting an ANSI sequence), the line and paragraph separators, the bidirectional
controls that reorder what is shown, and lone surrogates (a file name that is not UTF-8)."""

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}


def _spell(char: str) -> str:
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, as os.fsdecode keeps it
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str | PurePath) -> str:
    r"""The text with every unsafe character spelled out, on one line.

    ``"a\nb"`` -> ``a\nb`` (a backslash and an ``n``), ESC -> ``\x1b``, a file-name byte that
    is not UTF-8 -> ``\xff``, a right-to-left override -> ``\u202e``. A backslash is doubled
    only when something else was spelled, so plain Windows-like names stay as they are. Text
    without such characters is returned unchanged.

    Args:
        text: A path, a file name or any text that came from outside (a file, an argument).

    Returns:
        Text that can go into a terminal line or a CI log without starting a new line, moving
        the cursor or hiding the rest of the line.
    """
    value = os.fspath(text) if isinstance(text, PurePath) else text
    if not _UNSAFE.search(value):
        return value
    return re.sub(r"\\|" + _UNSAFE.pattern, lambda m: _spell(m.group(0)), value)
