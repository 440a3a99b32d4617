import pytest

from platform_assets.logins.app_version import app_version_number


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("2.3.0", 2_003_000),
        ("0.96", 96_000),
        ("3.7", 3_007_000),
        ("2.00", 2_000_000),
        ("10", 10_000_000),
        (" 1.2.3 ", 1_002_003),
        ("999.999.999", 999_999_999),
    ],
)
def test_versions_become_sortable_numbers(text, number):
    assert app_version_number(text) == number


@pytest.mark.parametrize(
    "text", ["", "1.x", "v1.2", "1.2.3.4", "1..2", "1.1000", "-1.0", "1.2.", None, 3]
)
def test_unparseable_versions(text):
    assert app_version_number(text) is None


def test_numbers_order_like_versions():
    versions = ["0.2.6", "0.96", "1.1", "1.10", "2.0.8", "2.3.0", "10.0"]
    assert sorted(versions, key=app_version_number) == versions
