"""How an asset reports a run over many partitions: each partition's own metadata and data version, and a
bad partition failing alone."""

from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg

DATA_VERSION_TAG = "dagster/data_version"
"""The tag Dagster reads an asset event's data version from (documented, not exported as a constant)."""


def report_batch(
    context: dg.AssetExecutionContext,
    metadata: Mapping[str, Mapping[str, Any]],
    failures: Mapping[str, str],
    data_versions: Mapping[str, str],
) -> Iterator[dg.AssetMaterialization | dg.MaterializeResult]:
    """The events of a batch step: with failures, a materialization for each good set and then a failure
    naming the bad ones (the good sets stay materialized); otherwise one result for the run's partitions,
    each carrying its own set's metadata."""
    if failures:
        for key, entries in metadata.items():
            yield dg.AssetMaterialization(
                asset_key=context.asset_key,
                partition=key,
                metadata=dict(entries),
                tags={DATA_VERSION_TAG: data_versions[key]} if key in data_versions else None,
            )
        raise dg.Failure(
            description="; ".join(f"{key}: {reason}" for key, reason in failures.items()),
            metadata={"failed_partitions": dg.MetadataValue.json(dict(failures)), "stored": len(metadata)},
        )
    for key, entries in metadata.items():
        context.add_asset_metadata(entries, partition_key=key)
    keys = list(context.partition_keys)
    version = data_versions.get(keys[0]) if len(keys) == 1 else None
    yield dg.MaterializeResult(data_version=dg.DataVersion(version) if version else None)


def batch_output(
    context: dg.AssetExecutionContext,
    values: Mapping[str, Any],
    metadata: Mapping[str, Mapping[str, Any]],
    data_versions: Mapping[str, str],
) -> dg.Output:
    """The output of a run over the context's partitions for its IO manager: the value itself for one
    partition (with its metadata and data version), a dict keyed by partition for several (each partition's
    metadata attached to its own materialization)."""
    keys = list(context.partition_keys)
    if len(keys) == 1:
        (key,) = keys
        return dg.Output(
            values[key], metadata=dict(metadata[key]), data_version=dg.DataVersion(data_versions[key])
        )
    for key in keys:
        context.add_asset_metadata(dict(metadata[key]), partition_key=key)
    return dg.Output(dict(values))
