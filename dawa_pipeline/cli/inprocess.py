"""Doing what the Dagster daemon does, in this process: evaluate a sensor, apply its partition requests and
execute its run requests. `dawa demo` uses it so that its runs land in DAWA_HOME's instance as the daemon
would have launched them (tagged with sensor and run key, so `make dev` does not launch them again)."""

from collections.abc import Sequence
from typing import Any

import dagster as dg

RUN_KEY_TAG = "dagster/run_key"
SENSOR_NAME_TAG = "dagster/sensor_name"


def evaluate_sensor(
    instance: dg.DagsterInstance, sensor: dg.SensorDefinition, resources: dict[str, Any], cursor: str | None
) -> dg.SensorResult:
    """One tick of `sensor`; its dynamic partition requests are applied to `instance` before returning."""
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
    resources: dict[str, Any],
    sensor: dg.SensorDefinition,
) -> dg.ExecuteInProcessResult:
    """Execute one run request of `sensor` (its selection, else the sensor's target, with their checks) among
    `definitions`, tagged as the daemon tags it. Step logs go to the instance's event log; the console shows
    warnings and errors only."""
    tags = {**request.tags, SENSOR_NAME_TAG: sensor.name}
    if request.run_key:
        tags[RUN_KEY_TAG] = request.run_key
    if request.asset_selection:
        selection = dg.AssetSelection.assets(*request.asset_selection)
    else:
        (target,) = sensor.targets  # `target=[assets]` becomes one anonymous asset job
        selection = target.resolvable_to_job.selection
    return dg.materialize(
        definitions,
        instance=instance,
        resources=resources,
        partition_key=request.partition_key,
        tags=tags,
        selection=selection,
        run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
        raise_on_error=False,
    )
