"""Dynamic partitions: one per uploaded set, one per artist (sensors add keys; assets share these objects),
and how sensors batch consecutive partitions into one run."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence

import dagster as dg

from dawa_pipeline.storage.layout import UploadRef, sanitize_segment, slugify

set_partitions = dg.DynamicPartitionsDefinition(name="als_sets")
artist_partitions = dg.DynamicPartitionsDefinition(name="artists")

# `sanitize_segment` replaces ":" in every segment, so "::" can never occur inside one and splits cleanly.
_SEPARATOR = "::"


def set_partition_key(ref: UploadRef) -> str:
    """The partition key of an uploaded set: artist slug, project and file name, readable in the UI."""
    return _SEPARATOR.join((ref.artist_slug, ref.project, ref.file_name))


def upload_ref_for(partition_key: str) -> UploadRef:
    """The upload a set partition key stands for; refuses keys that no upload could have produced."""
    parts = partition_key.split(_SEPARATOR)
    if len(parts) != 3:
        raise ValueError(f"not a set partition key: {partition_key!r}")
    slug, project, file_name = parts
    if (
        slug != slugify(slug)
        or sanitize_segment(project) != project
        or sanitize_segment(file_name) != file_name
    ):
        raise ValueError(f"not a set partition key: {partition_key!r}")
    return UploadRef(artist_slug=slug, project=project, file_name=file_name)


RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def contiguous_batches(keys: Iterable[str], order: Sequence[str], limit: int) -> list[list[str]]:
    """`keys` split into runs of consecutive partitions of `order` (what one run over a partition range
    covers, so a batch never drags in a partition it was not asked for), at most `limit` keys each."""
    position = {key: index for index, key in enumerate(order)}
    batches: list[list[str]] = []
    for key in sorted(set(keys), key=position.__getitem__):
        last = batches[-1] if batches else None
        if last and position[key] == position[last[-1]] + 1 and len(last) < limit:
            last.append(key)
        else:
            batches.append([key])
    return batches


def batch_run_request(
    batch: Sequence[str], *, run_key: str, assets: Sequence[dg.AssetKey], tags: Mapping[str, str]
) -> dg.RunRequest:
    """One run of `assets` over a batch of consecutive partitions (a single partition, or a range)."""
    if len(batch) == 1:
        return dg.RunRequest(run_key=run_key, asset_selection=list(assets), partition_key=batch[0], tags=tags)
    range_tags = {RANGE_START_TAG: batch[0], RANGE_END_TAG: batch[-1]}
    return dg.RunRequest(run_key=run_key, asset_selection=list(assets), tags={**tags, **range_tags})


def partitions_of(request: dg.RunRequest, order: Sequence[str]) -> list[str]:
    """The partitions a run request covers: its partition, or every partition of its range in `order`."""
    if request.partition_key:
        return [request.partition_key]
    start, end = order.index(request.tags[RANGE_START_TAG]), order.index(request.tags[RANGE_END_TAG])
    return list(order[start : end + 1])


def batch_digest(entries: Iterable[str]) -> str:
    """A short content hash for run keys: the same batch of the same versions gives the same key."""
    return hashlib.sha256("\n".join(entries).encode()).hexdigest()[:16]
