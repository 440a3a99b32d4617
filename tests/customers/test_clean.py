import unicodedata

import pytest

from platform_assets.customers.clean import (
    hu25_name,
    is_null,
    last_name,
    mask_email,
    mask_text,
    normalise_email,
    title_case,
)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("o'neil", "O'Neil"),
        ("O’NEIL", "O’Neil"),  # typographic apostrophe
        ("MCDONALD", "Mcdonald"),
        ("  sheryl   baxter ", "Sheryl Baxter"),
        ("anne-marie d'arcy", "Anne-Marie D'Arcy"),
        ("ZOË ÑÚÑEZ-ŁUKASZ", "Zoë Ñúñez-Łukasz"),
        ("élodie", "Élodie"),
        ("e\u0301lodie", "Élodie"),  # decomposed accent: NFC first, one letter
        ("李 小龍", "李 小龍"),  # no case: unchanged
        ("ßtraße", "ßtraße"),  # ß has no one-letter title case: kept, not "Ss"
        ("john 3rd", "John 3rd"),
        ("j.r.r. tolkien", "J.R.R. Tolkien"),
        ("line\nbreak", "Line Break"),
    ],
)
def test_title_case(raw, expected):
    assert title_case(raw) == expected
    assert unicodedata.is_normalized("NFC", title_case(raw))


def test_email_is_trimmed_and_lowercased():
    assert normalise_email("  John.Doe@Example.COM \t") == "john.doe@example.com"


@pytest.mark.parametrize(
    "email, masked",
    [
        ("john.doe@example.com", "j*******@*******.com"),
        ("a@b.io", "a*******@*******.io"),
        ("very.long.local.part@mail.example.co.uk", "v*******@*******.uk"),
        ("ünïcode@exämple.de", "ü*******@*******.de"),
        ("no-at-sign", "*******@*******"),
        ("user@localhost", "*******@*******"),
    ],
)
def test_mask_email(email, masked):
    assert mask_email(email) == masked


def test_masks_reveal_no_length_and_no_raw_part():
    short, long = mask_email("ab@x.com"), mask_email("abcdefghijkl@xxxxxxxxxxxx.com")
    assert len(short) == len(long)
    assert "example" not in mask_email("john@example.com") and "ohn" not in mask_email(
        "john@example.com"
    )


def test_mask_text_keeps_only_the_last_two_characters_of_long_values():
    assert mask_text("229.077.5154") == "*******54"
    assert mask_text("12345") == "*******"
    assert mask_text("  ") == ""


@pytest.mark.parametrize("value", ["", "   ", "NULL", "null", " None ", "NaN", "n/a", "N/A"])
def test_null_tokens(value):
    assert is_null(value)


@pytest.mark.parametrize("value", ["0", "-", "NA", "Nancy", "nullable"])
def test_real_values_are_not_null(value):
    assert not is_null(value)


def test_hu25_replaces_the_first_word_only():
    assert hu25_name("Sheryl Baxter") == "hu25 Baxter"
    assert hu25_name("Mary Ann Van Der Berg") == "hu25 Ann Van Der Berg"
    assert hu25_name("Cher") == "hu25"
    assert last_name("O'Neil Mcdonald") == "Mcdonald"
