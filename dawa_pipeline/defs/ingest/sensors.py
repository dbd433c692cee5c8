"""The upload sensor: new or changed uploads become set partitions, `als_upload` materializations and batched
parse runs."""

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import dagster as dg

from dawa_pipeline.defs.batches import DATA_VERSION_TAG
from dawa_pipeline.defs.ingest.assets import als_summary, als_summary_export, als_upload
from dawa_pipeline.defs.listing import ListingCursor, artist_slugs, scan_interval_seconds
from dawa_pipeline.defs.partitions import (
    artist_partitions,
    batch_digest,
    batch_run_request,
    contiguous_batches,
    partitions_of,
    set_partition_key,
    set_partitions,
)
from dawa_pipeline.defs.resources import StorageResource
from dawa_pipeline.storage import layout
from dawa_pipeline.storage.backend import ObjectNotFound, StoredObject

# A tick reads at most this many new or changed uploads (oldest first; the rest follow on the next ticks),
# and one run parses at most MAX_SETS_PER_RUN of them.
MAX_UPLOADS_PER_TICK = 300
MAX_SETS_PER_RUN = 100
# Only uploads the listing shows as new or changed are read (streamed, to hash them), and a tick stops
# reading after this many bytes so it stays within the sensor's time limit.
MAX_BYTES_HASHED_PER_TICK = 512 * 1024 * 1024

STAGE_TAG = "dawa/stage"
INGEST_STAGE = "ingest"


def pending_uploads(
    objects: list[StoredObject], cursor: ListingCursor, limit: int, known_sets: Collection[str]
) -> list[StoredObject]:
    """Uploads modified after the cursor, or at a path that is no set partition yet (a copy that kept an
    older modification time, e.g. `rsync -a` into the storage folder), oldest first, at most `limit`."""
    pending = []
    for obj in objects:
        ref = layout.parse_upload_path(obj.path)
        if ref is not None and (ListingCursor.of(obj) > cursor or set_partition_key(ref) not in known_sets):
            pending.append(obj)
    pending.sort(key=ListingCursor.of)
    return pending[:limit]


@dataclass(frozen=True)
class RecordedUpload:
    """What the newest `als_upload` materialization of a set says: the listing's version of the object
    (size, time, ETag) and the sha256 of its bytes."""

    listed_version: str
    sha256: str


def recorded_uploads(instance: dg.DagsterInstance, keys: Sequence[str]) -> dict[str, RecordedUpload]:
    """The newest `als_upload` materialization of each set (one query, unless some sets have many)."""
    if not keys:
        return {}
    wanted = set(keys)
    recorded: dict[str, RecordedUpload] = {}
    cursor = None
    while True:  # newest first; a set with many recent uploads may push another's past the first page
        page = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=als_upload.key, asset_partitions=list(wanted - set(recorded))),
            limit=len(keys) * 4,
            cursor=cursor,
            ascending=False,
        )
        for record in page.records:
            event = record.asset_materialization
            if record.partition_key and event is not None and record.partition_key not in recorded:
                listed = event.metadata.get("listed_version")
                recorded[record.partition_key] = RecordedUpload(
                    listed_version=str(listed.value) if listed is not None else "",
                    sha256=event.tags.get(DATA_VERSION_TAG, ""),
                )
        if not page.has_more or len(recorded) == len(wanted):
            break
        cursor = page.cursor
    return recorded


def ingest_requests(changed: Mapping[str, str], order: Sequence[str]) -> list[dg.RunRequest]:
    """One parse-and-export run per batch of consecutive changed sets; the run key is the batch's content,
    so a batch is never parsed twice for the same bytes."""
    requests = []
    for batch in contiguous_batches(changed, order, MAX_SETS_PER_RUN):
        digest = batch_digest(f"{key}@{changed[key]}" for key in batch)
        requests.append(
            batch_run_request(
                batch,
                run_key=f"ingest:{batch[0]}..{batch[-1]}@{digest}",
                assets=[als_summary.key, als_summary_export.key],
                tags={STAGE_TAG: INGEST_STAGE},
            )
        )
    return requests


def export_requests(
    instance: dg.DagsterInstance, request: dg.RunRequest, failed: Collection[str]
) -> list[dg.RunRequest]:
    """After a parse run with bad sets: exports of the good sets of its batch, as the automation sensor
    requests them for the daemon (`dawa sync` runs them itself)."""
    order = instance.get_dynamic_partitions(set_partitions.name)
    good = [key for key in partitions_of(request, order) if key not in failed]
    return [
        batch_run_request(
            batch,
            run_key=f"export:{batch[0]}..{batch[-1]}@{request.run_key}",
            assets=[als_summary_export.key],
            tags={STAGE_TAG: INGEST_STAGE},
        )
        for batch in contiguous_batches(good, order, MAX_SETS_PER_RUN)
    ]


@dg.sensor(
    name="als_upload_sensor",
    target=[als_summary, als_summary_export],
    minimum_interval_seconds=scan_interval_seconds(),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Finds new or changed .als uploads under artists/*/uploads/, adds their set and artist partitions, "
        "records each as an als_upload materialization (data version: the file's sha256) and requests one "
        f"parse-and-export run per batch of up to {MAX_SETS_PER_RUN} consecutive sets. A touched file with "
        f"unchanged bytes is skipped. At most {MAX_UPLOADS_PER_TICK} uploads per tick."
    ),
)
def als_upload_sensor(context: dg.SensorEvaluationContext, storage: StorageResource) -> dg.SensorResult:
    cursor = ListingCursor.parse(context.cursor)
    backend = storage.backend()
    # One listing per artist's uploads folder: never walks the (much larger) daw-data and training trees.
    uploads = [o for slug in artist_slugs(backend) for o in backend.list(layout.uploads_prefix(slug))]
    instance = context.instance
    known_order = instance.get_dynamic_partitions(set_partitions.name)
    known_sets = set(known_order)
    batch = pending_uploads(uploads, cursor, MAX_UPLOADS_PER_TICK, known_sets)
    if not batch:
        return dg.SensorResult(skip_reason=dg.SkipReason("no new or changed uploads"), cursor=cursor.dump())

    refs = {obj.path: ref for obj in batch if (ref := layout.parse_upload_path(obj.path))}
    keys = {path: set_partition_key(ref) for path, ref in refs.items()}
    previous = recorded_uploads(instance, [key for key in keys.values() if key in known_sets])
    changed: dict[str, str] = {}
    artists: set[str] = set()
    events: list[dg.AssetMaterialization] = []
    hashed_bytes = 0
    last_seen = batch[0]
    for obj in batch:
        if hashed_bytes >= MAX_BYTES_HASHED_PER_TICK:  # the rest on the next tick, from here
            break
        last_seen = obj
        key = keys[obj.path]
        seen = previous.get(key)
        if seen is not None and seen.listed_version == obj.version:  # listed as it was: unchanged
            continue
        try:
            sha256 = backend.sha256(obj.path)  # streamed: never the whole file in memory
        except ObjectNotFound:  # deleted since it was listed: nothing left to parse
            context.log.info(f"{obj.path}: deleted before it could be read")
            continue
        hashed_bytes += obj.size
        if seen is not None and seen.sha256 == sha256:  # touched, same bytes: already parsed
            continue
        changed[key] = sha256
        artists.add(refs[obj.path].artist_slug)
        events.append(
            dg.AssetMaterialization(
                asset_key=als_upload.key,
                partition=key,
                metadata={
                    "path": obj.path,
                    "size_bytes": obj.size,
                    "sha256": sha256,
                    "listed_version": obj.version,
                },
                tags={DATA_VERSION_TAG: sha256},
            )
        )

    new_sets = [key for key in changed if key not in known_sets]
    new_artists = sorted(a for a in artists if not instance.has_dynamic_partition(artist_partitions.name, a))
    requests = ingest_requests(changed, [*known_order, *new_sets])
    context.log.info(
        f"{len(batch)} uploads listed as new or changed: {len(changed)} with new bytes "
        f"({len(new_sets)} new sets, {len(new_artists)} new artists) in {len(requests)} runs"
    )
    return dg.SensorResult(
        run_requests=requests,
        dynamic_partitions_requests=[
            set_partitions.build_add_request(new_sets),
            artist_partitions.build_add_request(new_artists),
        ],
        asset_events=events,
        # Never backwards: a batch of old-dated copies alone leaves the high-water mark where it was.
        cursor=max(cursor, ListingCursor.of(last_seen)).dump(),
    )
