"""Doing what the Dagster daemon does, in this process: tick the code location's sensors, apply their
partition requests and asset events, and execute their run requests, until nothing is pending. `dawa sync`
and `dawa demo` use it; runs land in the instance tagged as the daemon tags them (sensor and run key), so a
running daemon never launches them again."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import dagster as dg

from dawa_pipeline.defs.partitions import RANGE_END_TAG, RANGE_START_TAG

RUN_KEY_TAG = "dagster/run_key"
SENSOR_NAME_TAG = "dagster/sensor_name"
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def evaluate_sensor(
    instance: dg.DagsterInstance,
    sensor: dg.SensorDefinition,
    resources: Mapping[str, Any],
    cursor: str | None,
) -> dg.SensorResult:
    """One tick of `sensor`; its dynamic partition requests and asset events are applied to `instance`."""
    with dg.build_sensor_context(instance=instance, cursor=cursor, resources=resources) as context:
        result = sensor(context)
    if not isinstance(result, dg.SensorResult):
        raise TypeError(f"{sensor.name} returned {type(result).__name__}, expected a SensorResult")
    for request in result.dynamic_partitions_requests or []:
        if isinstance(request, dg.AddDynamicPartitionsRequest):
            instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
    for event in result.asset_events or []:
        instance.report_runless_asset_event(event)
    return result


def already_ran(instance: dg.DagsterInstance, request: dg.RunRequest, sensor_name: str) -> bool:
    """Whether a successful run of `sensor_name` has this run key (the daemon would skip the request)."""
    if not request.run_key:
        return False
    runs = instance.get_runs(
        filters=dg.RunsFilter(
            tags={RUN_KEY_TAG: request.run_key, SENSOR_NAME_TAG: sensor_name},
            statuses=[dg.DagsterRunStatus.SUCCESS],
        ),
        limit=1,
    )
    return bool(runs)


def execute_run_request(
    instance: dg.DagsterInstance,
    request: dg.RunRequest,
    definitions: Sequence[Any],
    resources: Mapping[str, Any],
    sensor_name: str,
) -> dg.ExecuteInProcessResult:
    """Execute one run request (its asset selection, with their checks, over its partition or range) among
    `definitions`, tagged as the daemon tags it. Step logs go to the instance's event log; the console shows
    warnings and errors only."""
    tags = {**request.tags, SENSOR_NAME_TAG: sensor_name}
    if request.run_key:
        tags[RUN_KEY_TAG] = request.run_key
    return dg.materialize(
        definitions,
        instance=instance,
        resources=dict(resources),
        partition_key=request.partition_key,
        tags=tags,
        selection=dg.AssetSelection.assets(*(request.asset_selection or [])),
        run_config=QUIET,
        raise_on_error=False,
    )


def requested_partitions(request: dg.RunRequest) -> str:
    """The partition or range a request covers, for people to read."""
    if request.partition_key:
        return request.partition_key
    return f"{request.tags.get(RANGE_START_TAG)} .. {request.tags.get(RANGE_END_TAG)}"


def failed_partitions(result: dg.ExecuteInProcessResult) -> dict[str, str]:
    """The partitions a failed batch run named as bad (each with its reason); empty when it named none."""
    failed: dict[str, str] = {}
    for event in result.get_step_failure_events():
        user_data = event.step_failure_data.user_failure_data
        entry = user_data.metadata.get("failed_partitions") if user_data else None
        if entry is not None and isinstance(entry.value, dict):
            failed.update({str(k): str(v) for k, v in entry.value.items()})
    return failed


@dataclass(frozen=True)
class RunOutcome:
    request: dg.RunRequest
    sensor: str
    partitions: str
    success: bool
    failed: dict[str, str]
    seconds: float


@dataclass
class Runner:
    """The daemon's sensor loop for one code location, run to completion in this process."""

    instance: dg.DagsterInstance
    definitions: Sequence[Any]
    resources: Mapping[str, Any]
    cursors: MutableMapping[str, str | None] = field(default_factory=dict)
    report: Callable[[RunOutcome], None] = lambda outcome: None
    outcomes: list[RunOutcome] = field(default_factory=list)

    def drain(self, sensor: dg.SensorDefinition, deadline: float | None = None) -> int:
        """Tick `sensor` and execute its requests until its ticks request nothing and its cursor stays put;
        returns how many runs executed."""
        runs = 0
        while deadline is None or time.monotonic() < deadline:
            before = self.cursors.get(sensor.name)
            result = evaluate_sensor(self.instance, sensor, self.resources, before)
            self.cursors[sensor.name] = result.cursor
            for request in result.run_requests or []:
                if not already_ran(self.instance, request, sensor.name):
                    self.execute(request, sensor.name)
                    runs += 1
            if not result.run_requests and result.cursor == before:
                return runs
        raise TimeoutError(f"{sensor.name} still had work when the time ran out")

    def execute(self, request: dg.RunRequest, sensor_name: str) -> RunOutcome:
        started = time.monotonic()
        result = execute_run_request(self.instance, request, self.definitions, self.resources, sensor_name)
        outcome = RunOutcome(
            request=request,
            sensor=sensor_name,
            partitions=requested_partitions(request),
            success=result.success,
            failed=failed_partitions(result) if not result.success else {},
            seconds=time.monotonic() - started,
        )
        self.outcomes.append(outcome)
        self.report(outcome)
        return outcome
