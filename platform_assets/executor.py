"""The code location's executor: Dagster's default, except that a run of ONE step runs it in
the run's own process.

Dagster's default (multi_or_in_process_executor) starts a fresh process per step, which
imports the whole code location again before the step starts: ~3-6 s here for every
sensor-driven hourly run and every `dagster asset materialize` of the events ingest, a
single multi-asset step. The run is already its own process (the run worker or the CLI),
so one step gains nothing from a second one. Runs of several steps keep a process per
step, and run config `execution: {config: {in_process: {}}}` or `{multiprocess: ...}`
works as it does with the default.
"""

from __future__ import annotations

from collections.abc import Iterator

from dagster import (
    Executor,
    InitExecutorContext,
    executor,
    in_process_executor,
    multi_or_in_process_executor,
)


class _OneStepInProcess(Executor):
    def __init__(self, multiprocess: Executor, in_process: Executor):
        self._multiprocess = multiprocess
        self._in_process = in_process

    def execute(self, plan_context, execution_plan) -> Iterator:
        one_step = len(execution_plan.step_keys_to_execute) == 1
        chosen = self._in_process if one_step else self._multiprocess
        yield from chosen.execute(plan_context, execution_plan)

    @property
    def retries(self):
        return self._multiprocess.retries


@executor(
    name="sluice_executor",
    config_schema=multi_or_in_process_executor.config_schema,
    requirements=multi_or_in_process_executor.get_requirements,
)
def sluice_executor(init_context: InitExecutorContext) -> Executor:
    configured = multi_or_in_process_executor.executor_creation_fn(init_context)
    multiprocess_config = init_context.executor_config.get("multiprocess")
    if multiprocess_config is None:  # in_process chosen in run config
        return configured
    in_process = in_process_executor.executor_creation_fn(
        InitExecutorContext(
            job=init_context.job,
            executor_def=in_process_executor,
            executor_config={"retries": multiprocess_config["retries"]},
            instance=init_context.instance,
        )
    )
    return _OneStepInProcess(configured, in_process)
