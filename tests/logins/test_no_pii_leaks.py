"""No ip or device_id from the sample reaches a log line, the Dagster event log or metadata."""

import logging

from dagster import DagsterInstance
from dagster._serdes import serialize_value

from tests.logins.conftest import drain, load_hours, send_records


def test_no_pii_in_logs_events_or_metadata(
    login_resources, sqs_queue_url, moto_endpoint, sample_records, caplog, capfd
):
    # Everything at INFO (how the platform runs), our code and Dagster's at DEBUG. botocore's
    # DEBUG wire log prints request bodies by design: never enable it on PII queues.
    caplog.set_level(logging.INFO)
    for name in ("dagster", "platform_assets", "resources"):
        caplog.set_level(logging.DEBUG, logger=name)
    pii = {r[f] for r in sample_records for f in ("ip", "device_id") if f in r}
    assert len(pii) == 198
    send_records(sqs_queue_url, moto_endpoint, sample_records)
    instance = DagsterInstance.ephemeral()

    results = [drain(login_resources, instance=instance, archive_batch_size=30)]
    keys = [o.key for o in login_resources["storage"].list_objects("landing/logins/")]
    results += load_hours(login_resources, keys, instance=instance)
    results += load_hours(login_resources, keys, instance=instance)  # a re-run logs too

    captured = capfd.readouterr()
    texts = {
        "caplog": caplog.text,
        "stdout": captured.out,
        "stderr": captured.err,
        "event_log": "\n".join(
            serialize_value(e) for r in results for e in instance.all_logs(r.run_id)
        ),
        "metadata": "\n".join(
            serialize_value(e.materialization.metadata)
            for r in results
            for e in r.get_asset_materialization_events()
        ),
    }
    assert (
        "quarantined" in texts["event_log"] and "inserted" in texts["metadata"]
    )  # we did look at real output
    for where, text in texts.items():
        leaked = sorted(value for value in pii if value in text)
        assert not leaked, f"{len(leaked)} PII values found in {where}"
