"""The Dagster webserver's GraphQL API, called the way its UI calls it.

Launching a backfill from a job's Partitions tab sends `launchPartitionBackfill` with the job's
partition set; "Materialize" of a partition sends `launchRun` with the partition tag; "Add
partition" sends `addDynamicPartition`; the sensor and schedule toggles send `stopSensor` /
`stopRunningSchedule`. Only urllib: nothing here needs a client library.
"""

from __future__ import annotations

import json
import time
import urllib.request

REPOSITORY = "__repository__"  # the name Dagster gives a module's single Definitions
DONE_RUN_STATUSES = {"SUCCESS", "FAILURE", "CANCELED"}
DONE_BACKFILL_STATUSES = {"COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED",
                          "CANCELED"}


class GraphQLError(RuntimeError):
    pass


class DagsterUiApi:
    def __init__(self, url: str, location: str = "sluice"):
        self.url = url
        self.location = location

    @property
    def repository(self) -> dict:
        return {"repositoryName": REPOSITORY, "repositoryLocationName": self.location}

    def query(self, text: str, variables: dict | None = None, timeout: float = 30) -> dict:
        body = json.dumps({"query": text, "variables": variables or {}}).encode()
        request = urllib.request.Request(
            self.url, data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer = json.loads(response.read())
        if answer.get("errors"):
            raise GraphQLError(json.dumps(answer["errors"])[:2000])
        return answer["data"]

    # ------------------------------------------------------------------ code location
    def location_status(self, name: str) -> tuple[str | None, str | None]:
        data = self.query(
            """{ workspaceOrError { ... on Workspace { locationEntries {
                 name loadStatus locationOrLoadError { __typename ... on PythonError { message } }
            } } } }"""
        )
        for entry in data["workspaceOrError"].get("locationEntries", []):
            if entry["name"] == name:
                loaded = entry["locationOrLoadError"] or {}
                return entry["loadStatus"], loaded.get("message")
        return None, None

    def reload_location(self, name: str) -> None:
        self.query(
            "mutation($name: String!) { reloadRepositoryLocation(repositoryLocationName: $name)"
            " { __typename } }",
            {"name": name},
        )

    # ------------------------------------------------------------ sensors, schedules
    def stop_all_automation(self) -> list[str]:
        """Stop every running sensor and schedule (the UI's toggles); returns their names."""
        selector = self.repository
        data = self.query(
            """query($s: RepositorySelector!) {
              sensorsOrError(repositorySelector: $s) { ... on Sensors { results {
                name sensorState { id selectorId status } } } }
              schedulesOrError(repositorySelector: $s) { ... on Schedules { results {
                name scheduleState { id selectorId status } } } }
            }""",
            {"s": selector},
        )
        stopped = []
        for sensor in data["sensorsOrError"]["results"]:
            state = sensor["sensorState"]
            if state["status"] == "RUNNING":
                self._mutate(
                    """mutation($o: String, $s: String) { stopSensor(jobOriginId: $o,
                       jobSelectorId: $s) { __typename ... on PythonError { message } } }""",
                    {"o": state["id"], "s": state["selectorId"]}, "stopSensor",
                )
                stopped.append(sensor["name"])
        for schedule in data["schedulesOrError"]["results"]:
            state = schedule["scheduleState"]
            if state["status"] == "RUNNING":
                self._mutate(
                    """mutation($o: String, $s: String) { stopRunningSchedule(
                       scheduleOriginId: $o, scheduleSelectorId: $s) {
                       __typename ... on PythonError { message } } }""",
                    {"o": state["id"], "s": state["selectorId"]}, "stopRunningSchedule",
                )
                stopped.append(schedule["name"])
        return stopped

    # --------------------------------------------------------------------- launching
    def launch_job_backfill(self, job_name: str, partition_names: list[str]) -> str:
        """A backfill of `partition_names` from the job's Partitions tab; its id."""
        result = self._mutate(
            """mutation($p: LaunchBackfillParams!) { launchPartitionBackfill(backfillParams: $p) {
                 __typename ... on LaunchBackfillSuccess { backfillId }
                 ... on PythonError { message } ... on PartitionSetNotFoundError { message }
                 ... on InvalidSubsetError { message } } }""",
            {"p": {
                "selector": {"partitionSetName": f"{job_name}_partition_set",
                             "repositorySelector": self.repository},
                "partitionNames": partition_names,
            }},
            "launchPartitionBackfill",
        )
        return result["backfillId"]

    def add_dynamic_partition(self, partitions_def: str, key: str) -> None:
        self._mutate(
            """mutation($r: RepositorySelector!, $d: String!, $k: String!) {
                 addDynamicPartition(repositorySelector: $r, partitionsDefName: $d,
                 partitionKey: $k) { __typename ... on PythonError { message }
                 ... on DuplicateDynamicPartitionError { partitionName } } }""",
            {"r": self.repository, "d": partitions_def, "k": key},
            "addDynamicPartition",
        )

    def launch_partition_run(self, job_name: str, partition_key: str) -> str:
        """A run of one partition from the launchpad; its run id (the job's tags join it)."""
        result = self._mutate(
            """mutation($e: ExecutionParams!) { launchRun(executionParams: $e) {
                 __typename ... on LaunchRunSuccess { run { runId } }
                 ... on PythonError { message } ... on RunConfigValidationInvalid {
                   errors { message } } ... on InvalidSubsetError { message } } }""",
            {"e": {
                "selector": {"jobName": job_name, **self.repository},
                "executionMetadata": {"tags": [{"key": "dagster/partition",
                                                "value": partition_key}]},
            }},
            "launchRun",
        )
        return result["run"]["runId"]

    def _mutate(self, text: str, variables: dict, field: str) -> dict:
        result = self.query(text, variables)[field]
        if result["__typename"] not in {"LaunchBackfillSuccess", "LaunchRunSuccess",
                                        "AddDynamicPartitionSuccess", "StopSensorMutationResult",
                                        "ScheduleStateResult"}:
            raise GraphQLError(f"{field} failed: {json.dumps(result)[:2000]}")
        return result

    # ---------------------------------------------------------------------- watching
    def runs(self, tags: dict[str, str] | None = None) -> list[dict]:
        data = self.query(
            """query($f: RunsFilter) { runsOrError(filter: $f) { ... on Runs { results {
                 runId jobName status startTime endTime tags { key value } } } } }""",
            {"f": {"tags": [{"key": k, "value": v} for k, v in (tags or {}).items()]}},
        )
        return data["runsOrError"]["results"]

    def backfill_status(self, backfill_id: str) -> str:
        data = self.query(
            """query($id: String!) { partitionBackfillOrError(backfillId: $id) {
                 ... on PartitionBackfill { status } } }""",
            {"id": backfill_id},
        )
        return data["partitionBackfillOrError"]["status"]

    def wait_for_backfill(self, backfill_id: str, timeout: float) -> str:
        """The backfill's final status (the daemon marks it done a tick after its runs)."""
        deadline = time.monotonic() + timeout
        while (status := self.backfill_status(backfill_id)) not in DONE_BACKFILL_STATUSES:
            if time.monotonic() > deadline:
                raise TimeoutError(f"backfill {backfill_id} still {status} after {timeout:.0f} s")
            time.sleep(0.5)
        return status

    def wait_for_runs(self, run_ids: set[str], timeout: float, on_poll=None) -> list[dict]:
        """Poll until every run is done; `on_poll(runs)` sees each poll (for the test's
        concurrency observation)."""
        deadline = time.monotonic() + timeout
        while True:
            runs = [r for r in self.runs() if r["runId"] in run_ids]
            if on_poll is not None:
                on_poll(runs)
            if len(runs) == len(run_ids) and all(r["status"] in DONE_RUN_STATUSES for r in runs):
                return runs
            if time.monotonic() > deadline:
                states = {r["runId"][:8]: r["status"] for r in runs}
                raise TimeoutError(f"runs not done after {timeout:.0f} s: {states}")
            time.sleep(0.5)
