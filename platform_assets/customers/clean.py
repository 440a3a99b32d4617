"""Value-level cleaning of customer rows: names, emails, masks. Pure functions.

- ``title_case``: every word starts upper case and continues lower case; a word starts at the
  beginning, after whitespace, a hyphen, an apostrophe (' or ’), a period or an opening
  bracket. So "o'neil" -> "O'Neil", "MCDONALD" -> "Mcdonald", "anne-marie" -> "Anne-Marie",
  "ZOË" -> "Zoë", "3rd" stays "3rd". Text is NFC-normalised first (a decomposed "é" is one
  letter) and whitespace runs, newlines included, become one space.
- ``normalise_email``: trimmed and lowercased (the whole address, as the brief asks).
- ``mask_email``: the first character of the local part, then a FIXED run of 7 ``*``, ``@``,
  7 ``*``, ``.`` and the domain's last label: "john.doe@example.com" -> "j*******@*******.com".
  The runs do not follow the real lengths, so the mask reveals no lengths either.
"""

from __future__ import annotations

import unicodedata

MASK = "*" * 7
# Starts of words inside a name, besides the start of the text and whitespace.
_WORD_BREAKS = frozenset("-'’‘.([{/")
# Text that means "no value" in exported CSVs; compared case-insensitively after trimming.
NULL_TOKENS = frozenset({"", "null", "none", "nan", "n/a"})


def is_null(value: str) -> bool:
    return value.strip().lower() in NULL_TOKENS


def collapse_whitespace(value: str) -> str:
    return " ".join(value.split())


def title_case(name: str) -> str:
    text = collapse_whitespace(unicodedata.normalize("NFC", name))
    out = []
    starts_word = True
    for char in text:
        if char.isspace() or char in _WORD_BREAKS:
            out.append(char)
            starts_word = True
        elif starts_word:
            upper = char.title()
            # A few letters title-case into two ("ß" -> "Ss"); keep those as they are.
            out.append(upper if len(upper) == 1 else char)
            starts_word = False
        else:
            out.append(char.lower())
    return "".join(out)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def mask_email(email: str) -> str:
    """Mask a normalised address; anything without ``local@domain.tld`` masks completely."""
    local, at, domain = email.rpartition("@")
    last_label = domain.rsplit(".", 1)[-1] if "." in domain else ""
    if not at or not local or not last_label:
        return f"{MASK}@{MASK}"
    return f"{local[0]}{MASK}@{MASK}.{last_label}"


def mask_text(value: str) -> str:
    """A generic sensitive value (phone, card, ...): a fixed mask and its last two characters
    when it has at least six, so a support agent can still tell two numbers apart."""
    value = value.strip()
    if not value:
        return value
    return MASK + value[-2:] if len(value) >= 6 else MASK


def last_name(clean_name: str) -> str:
    """Everything after the first word of a cleaned name ("" for a one-word name)."""
    parts = clean_name.split(" ", 1)
    return parts[1] if len(parts) == 2 else ""


def hu25_name(clean_name: str) -> str:
    """The Glue job's rule: the first name replaced by ``hu25``, the rest of the name kept."""
    rest = last_name(clean_name)
    return f"hu25 {rest}" if rest else "hu25"
