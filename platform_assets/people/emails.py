"""Canonical email addresses, validated by email-validator with each domain checked once.

``email_validator.validate_email`` spends most of its ~25 us per address on the domain
(IDNA/UTS-46 processing), and a person file has few distinct domains. ``EmailCanonicaliser``
runs the same library functions in the same way as ``validate_email`` with this project's
options (no DNS lookup, defaults otherwise), but remembers each domain's result.
tests/people/test_emails.py holds it equal to ``validate_email`` on valid and invalid addresses.

Canonical form: local part NFC-normalised and lowercased, ``@``, the domain's IDNA ASCII form
lowercased. ``josé@x.com`` in NFC or NFD is one address; so are ``user@BÜCHER.de`` and
``user@xn--bcher-kva.de``.
"""

from __future__ import annotations

import unicodedata

from email_validator import EmailNotValidError
from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES
from email_validator.syntax import (
    split_email,
    validate_email_domain_name,
    validate_email_length,
    validate_email_local_part,
)
from email_validator.types import ValidatedEmail

# Memory bound for a file with very many distinct domains; cleared when full.
MAX_CACHED_DOMAINS = 100_000


def _split(email: str) -> tuple[str | None, str, str, bool, str]:
    """split_email's result. Its character-by-character scan only matters for quotes, angle
    brackets and combining characters: an ASCII address with neither splits at its first @."""
    if email.isascii() and "@" in email and '"' not in email and "<" not in email:
        local, _, domain = email.partition("@")
        return None, local, local, False, domain
    return split_email(email)


class EmailCanonicaliser:
    def __init__(self) -> None:
        self._domains: dict[str, tuple[str, str] | None] = {}

    def _domain(self, domain_part: str) -> tuple[str, str] | None:
        """(domain, ascii_domain), or None when the domain is invalid; once per distinct text."""
        if domain_part not in self._domains:
            if len(self._domains) >= MAX_CACHED_DOMAINS:
                self._domains.clear()
            try:
                info = validate_email_domain_name(domain_part)
                self._domains[domain_part] = (info["domain"], info["ascii_domain"])
            except EmailNotValidError:
                self._domains[domain_part] = None
        return self._domains[domain_part]

    def validated(self, email: str) -> ValidatedEmail | None:
        """What validate_email(email, check_deliverability=False) returns, or None if invalid."""
        try:
            display_name, original_local, local, quoted, domain_part = _split(email)
            # Not allowed by validate_email's defaults: a display name, a quoted local part
            # and a bracketed domain literal.
            if display_name is not None or quoted or not domain_part:
                return None
            if domain_part.startswith("[") and domain_part.endswith("]"):
                return None
            domain = self._domain(domain_part)
            if domain is None:
                return None
            info = validate_email_local_part(local)
            normalized_local = unicodedata.normalize("NFC", local)
            if normalized_local != local:
                info = validate_email_local_part(normalized_local)
            result = ValidatedEmail()
            result.original = f"{original_local}@{domain_part}"
            result.display_name = None
            result.smtputf8 = info["smtputf8"]
            result.local_part = info["local_part"]
            result.ascii_local_part = info["ascii_local_part"]
            if (result.ascii_local_part or "").lower() in CASE_INSENSITIVE_MAILBOX_NAMES:
                result.ascii_local_part = result.ascii_local_part.lower()
                result.local_part = result.local_part.lower()
            result.domain, result.ascii_domain = domain
            result.normalized = f"{result.local_part}@{result.domain}"
            result.ascii_email = (
                f"{result.ascii_local_part}@{result.ascii_domain}"
                if result.ascii_local_part
                else None
            )
            validate_email_length(result)
        except EmailNotValidError:
            return None
        return result

    def __call__(self, email: str) -> str | None:
        """The canonical form of ``email``, or None when it is not a valid address."""
        result = self.validated(email)
        if result is None:
            return None
        local = unicodedata.normalize("NFC", result.local_part.lower())
        return f"{local}@{result.ascii_domain.lower()}"
