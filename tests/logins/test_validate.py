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


def test_vectorised_checks_agree_with_ipaddress_and_the_version_rule_per_value():
    import ipaddress

    from platform_assets.logins.app_version import app_version_number

    def library_says_ip(value):
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            return None

    ips = ["1.2.3.4", "01.2.3.4", "256.1.1.1", "0.0.0.0", "255.255.255.255", "1.2.3", "::1",
           "2001:DB8::0001", "fe80::1%eth0", "１.2.3.4", "1.2.3.4/32", "x"]  # fmt: skip
    for ip in ips:
        assert ("ip:invalid" not in _reasons({**GOOD, "ip": ip})) == (
            library_says_ip(ip) is not None
        ), ip
    for version in ["3.7", "2.3.0", "٣.1", "1.x", "1234567", "1.1000", "0.96", " 1.2 "]:
        unparseable = "app_version:unparseable" in _reasons({**GOOD, "app_version": version})
        assert unparseable == (app_version_number(version) is None), version


def test_a_batch_carries_each_ip_in_canonical_form_for_masking():
    bodies = [{**GOOD, "ip": ip} for ip in ["2001:DB8::0001", " 10.0.0.1 "]]
    messages = [LoginMessage(f"m{i}", json.dumps(b), "k", i) for i, b in enumerate(bodies)]
    valid = validate_messages(messages).valid
    assert list(valid["ip_canonical"]) == ["2001:db8::1", "10.0.0.1"]
    assert list(valid["ip"]) == ["2001:DB8::0001", "10.0.0.1"]
