"""EmailCanonicaliser agrees with email_validator.validate_email, address by address."""

import pytest
from email_validator import EmailNotValidError, validate_email

from platform_assets.people.emails import EmailCanonicaliser

ADDRESSES = [
    "a@example.com", "first.last+tag@sub.example.co.uk", "ÄÖ@exämple.de", "user@BÜCHER.de",
    "user@xn--bcher-kva.de", "jos\u00e9@example.com", "jose\u0301@example.com", "=x@example.com",
    "Postmaster@Example.COM", "plain", "a@", "@example.com", "a@@example.com", "a b@example.com",
    "a@example", "a..b@example.com", ".a@example.com", "a.@example.com", '"quoted"@example.com',
    "Name <a@example.com>", "a@[192.168.0.1]", "a@localhost", "a@example.invalid",
    "a@-bad.com", "a@bad-.com", "a@exa_mple.com", "a@xn--zz.com", "a@123.com",
    "x" * 64 + "@example.com", "x" * 65 + "@example.com", "a@" + "b" * 63 + ".com",
    "a@" + "b" * 64 + ".com", "a@" + ".".join(["d" * 60] * 5) + ".com", "\u0000a@example.com",
    "a\u200b@example.com", "ａ@example.com", "a@ｅxample.com", "a@EXAMPLE.com.", "😀@example.com",
    "a@😀.com", "a@example.c", "a@xn--80ak6aa92e.com", "a@пример.рф", "δοκιμή@παράδειγμα.δοκιμή",
    "a@b@example.com", "<a@example.com>", "a\\b@example.com", "a(b)@example.com", "a@exa(mple).com",
    " a@example.com", "a@example.com ", "a@exam ple.com", "a,b@example.com", "a\tb@example.com",
    "a@e\u0301xample.com", "a\u0301@example.com", "a@example..com", "a@.example.com",
]  # fmt: skip


def _reference(address: str) -> str | None:
    try:
        result = validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return None
    return f"{result.local_part}@{result.ascii_domain}"


@pytest.mark.parametrize("address", ADDRESSES)
def test_same_verdict_and_parts_as_validate_email(address):
    canonicaliser = EmailCanonicaliser()
    # Twice: the second answer comes from the domain cache and must not differ.
    for _ in range(2):
        mine = canonicaliser.validated(address)
        expected = _reference(address)
        assert (None if mine is None else f"{mine.local_part}@{mine.ascii_domain}") == expected


def test_canonical_form_matches_forms_of_one_address():
    canonical = EmailCanonicaliser()
    assert (
        canonical("jos\u00e9@example.com")
        == canonical("JOSE\u0301@Example.com")
        == "josé@example.com"
    )
    assert (
        canonical("user@BÜCHER.de") == canonical("User@xn--bcher-kva.de") == "user@xn--bcher-kva.de"
    )
    assert canonical("not an address") is None
