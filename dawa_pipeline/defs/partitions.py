"""Dynamic partitions: one per uploaded set, one per artist. Sensors add keys; assets share these objects."""

from __future__ import annotations

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
