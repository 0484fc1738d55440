"""syncguard's own GE metrics, vectorised in polars, say what the plain Python rule says."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from syncguard.engines.gx_expectations import independent

# spaces Python strips and polars might not (\x1c, ideographic), letters whose lower case is
# special (final sigma, dotted I, sharp s)
text = st.text(alphabet=list("abAB1 .@é\t\n\x1c\u00a0\u2007\u3000ΣσςİißẞS"), max_size=6)


def _python(a: str, b: str) -> bool:
    """The rule as the spec words it: neither value inside the other (case, spaces ignored)."""
    x, y = a.strip().lower(), b.strip().lower()
    return not x or not y or not (x in y or y in x)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(text, text), min_size=1, max_size=40))
def test_independent_is_the_python_rule_row_by_row(pairs: list[tuple[str, str]]) -> None:
    a = pd.Series([p[0] for p in pairs], index=range(2, len(pairs) + 2))
    b = pd.Series([p[1] for p in pairs], index=a.index)
    got = independent(a, b)
    assert got.index.tolist() == a.index.tolist()
    assert got.tolist() == [_python(x, y) for x, y in pairs]
