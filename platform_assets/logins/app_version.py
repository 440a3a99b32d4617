"""App versions as the clients send them ("2.3.0", "0.96", "3.7") and as a sortable number."""

from __future__ import annotations

import re
from typing import Optional

# \d as re has it (any Unicode decimal digit, which int() reads): validation matches the same.
VERSION_PATTERN = r"(\d{1,6})(?:\.(\d{1,3}))?(?:\.(\d{1,3}))?"
_VERSION = re.compile(f"^{VERSION_PATTERN}$")


def app_version_number(text: str) -> Optional[int]:
    """major*1_000_000 + minor*1_000 + patch, or None when the text is not such a version.

    Missing parts count as 0 ("3.7" -> 3_007_000). Minor and patch must stay below 1000,
    otherwise the number would no longer order versions correctly.
    """
    match = _VERSION.match(text.strip()) if isinstance(text, str) else None
    if not match:
        return None
    major, minor, patch = (int(part) if part else 0 for part in match.groups())
    return major * 1_000_000 + minor * 1_000 + patch
