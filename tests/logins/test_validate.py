import json

from platform_assets.logins.messages import LoginMessage
from platform_assets.logins.validate import validate_messages

GOOD = {
    "user_id": "u-1", "app_version": "2.3.0", "device_type": "ios",
    "ip": "10.0.0.1", "locale": None, "device_id": "123-45-6789",
}  # fmt: skip


def _msg(body, i=1) -> LoginMessage:
    return LoginMessage(f"m{i}", body if isinstance(body, str) else json.dumps(body), "k.jsonl", i)


def _reasons(body):
    result = validate_messages([_msg(body)])
    assert len(result.valid) + len(result.quarantined) == 1
    return result.quarantined[0].reasons if result.quarantined else ()


def test_good_message_is_valid_and_locale_may_be_null():
    result = validate_messages([_msg(GOOD)])
    assert result.quarantined == []
    row = result.valid.iloc[0]
    assert (row.user_id, row.locale, row.app_version, row.app_version_num) == (
        "u-1",
        None,
        "2.3.0",
        2_003_000,
    )


def test_the_samples_malformed_message_gets_every_missing_field():
    assert _reasons({"foo": "oops_wrong_msg_type", "bar": "123"}) == (
        "user_id:missing", "device_type:missing", "ip:missing", "device_id:missing",
        "app_version:missing",
    )  # fmt: skip


def test_body_level_reasons():
    assert _reasons("{not json") == ("body:invalid_json",)
    assert _reasons("[1, 2]") == ("body:not_an_object",)


def test_field_level_reasons_are_all_reported():
    body = {**GOOD, "user_id": 42, "ip": "256.1.1.1", "app_version": "1.x", "device_type": "  ",
            "device_id": "d" * 300, "locale": "x" * 40}  # fmt: skip
    assert set(_reasons(body)) == {
        "user_id:not_text", "ip:invalid", "app_version:unparseable", "device_type:blank",
        "device_id:too_long", "locale:too_long",
    }  # fmt: skip


def test_null_required_field_is_missing_and_ipv6_is_valid():
    assert _reasons({**GOOD, "device_id": None}) == ("device_id:missing",)
    assert _reasons({**GOOD, "ip": "2001:db8::1"}) == ()


def test_extra_fields_are_tolerated():
    assert _reasons({**GOOD, "extra": 1}) == ()
