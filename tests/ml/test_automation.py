"""Declarative automation: retrain on new data, not on a re-pull of the same bytes; weekly cron."""

import datetime as dt

from dagster import (
    AssetKey,
    DagsterInstance,
    DefaultSensorStatus,
    Definitions,
    evaluate_automation_conditions,
    materialize,
)

from ml.assets import iris_dataset, iris_model
from ml.automation_conditions import WEEKLY_CRON

DATASET, MODEL = AssetKey("iris_dataset"), AssetKey("iris_model")


def next_monday_3am(after: dt.datetime) -> dt.datetime:
    assert WEEKLY_CRON == "0 3 * * 1"
    day = after.date() + dt.timedelta(days=(7 - after.weekday()) % 7 or 7)
    return dt.datetime.combine(day, dt.time(3, 0, 30), tzinfo=dt.timezone.utc)


def test_model_retrains_when_the_dataset_changes_and_weekly(storage, tmp_path, iris_csv):
    instance = DagsterInstance.ephemeral()
    defs = Definitions(assets=[iris_dataset, iris_model], resources={"storage": storage})
    clock = [dt.datetime.now(dt.timezone.utc)]
    cursor = [None]

    def tick() -> tuple[int, int]:
        clock[0] += dt.timedelta(minutes=1)
        result = evaluate_automation_conditions(
            defs=defs, instance=instance, evaluation_time=clock[0], cursor=cursor[0]
        )
        cursor[0] = result.cursor
        return result.get_num_requested(DATASET), result.get_num_requested(MODEL)

    def pull(source, *assets):
        config = {"ops": {"iris_dataset": {"config": {"source": str(source)}}}}
        selected = list(assets) or [iris_dataset]
        assert materialize(
            selected,
            resources={"storage": storage},
            instance=instance,
            run_config=config if iris_dataset in selected else None,
        ).success

    assert tick() == (0, 0)  # nothing yet: no data, and the cron has not ticked
    pull(iris_csv)
    assert tick() == (0, 1)  # a dataset appeared: the missing model is requested
    pull(iris_csv, iris_dataset, iris_model)
    assert tick() == (0, 0)

    pull(iris_csv)  # the same bytes again: same data version, no retrain
    assert tick() == (0, 0)

    changed = tmp_path / "more.csv"
    changed.write_bytes(iris_csv.read_bytes() + b"5.0,3.1,1.5,0.25,setosa\n")
    pull(changed)  # new data version
    assert tick() == (0, 1)
    assert tick() == (0, 0)  # requested once, not on every tick

    clock[0] = next_monday_3am(clock[0]) - dt.timedelta(minutes=1)
    assert tick() == (1, 1)  # weekly: pull again and retrain, in the same tick
    assert tick() == (0, 0)


def test_the_code_location_runs_the_iris_automation_sensor():
    from platform_assets.definitions import defs

    repository = defs.get_repository_def()
    sensor = repository.get_sensor_def("iris_automation_sensor")
    assert sensor.default_status == DefaultSensorStatus.RUNNING  # so `make dev` automates it
    selected = sensor.asset_selection.resolve(repository.asset_graph)
    assert {DATASET, MODEL} <= selected
    # Dagster's default automation sensor starts stopped; ours covers the Iris assets instead.
    assert "default_automation_condition_sensor" not in {
        s.name for s in repository.sensor_defs
    } or (
        not {DATASET, MODEL}
        & repository.get_sensor_def("default_automation_condition_sensor").asset_selection.resolve(
            repository.asset_graph
        )
    )
