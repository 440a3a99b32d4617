"""IP addresses in a column of text, vectorised: the common case without parsing each value.

A dotted quad exactly as ``ipaddress`` accepts it (each part 0-255, ASCII digits, no leading
zero) is already in its canonical text form, so one regex pass over the column settles it;
only the values it misses (IPv6, junk) are parsed, one by one, by the caller's function.
tests/people/test_validate.py and tests/logins/test_validate.py hold it equal to ipaddress.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

_OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
IPV4_CANONICAL = rf"{_OCTET}(?:\.{_OCTET}){{3}}"


def canonical_ips(text: pd.Series, canonical_one: Callable[[str], str | None]) -> pd.Series:
    """Each value's canonical address text (object dtype), None where ``canonical_one`` says
    it is not an address; ``text`` holds str or missing values."""
    quad = text.str.fullmatch(IPV4_CANONICAL).fillna(False).astype(bool)
    out = text.where(quad, None).astype(object)
    rest = text[~quad & text.notna()]
    if len(rest):
        out[rest.index] = [canonical_one(value) for value in rest]
    return out
