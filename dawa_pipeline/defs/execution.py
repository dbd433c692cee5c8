"""How runs execute: every step of a run in the run's own process (a run of 100 sets and its checks loads the
code once, instead of once per step), and declarative automation running from the start."""

import dagster as dg

automation_condition_sensor = dg.AutomationConditionSensorDefinition(
    "automation_condition_sensor",
    target=dg.AssetSelection.all(),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description=(
        "Evaluates the assets' automation conditions (e.g. als_summary_export follows any newly stored "
        "summary, so exports catch up by themselves after a bulk run with a bad set)."
    ),
)


@dg.definitions
def execution() -> dg.Definitions:
    return dg.Definitions(executor=dg.in_process_executor, sensors=[automation_condition_sensor])
