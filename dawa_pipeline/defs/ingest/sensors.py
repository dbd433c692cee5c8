"""Sensors: new or changed uploads become set partitions and parse runs."""

import hashlib
from collections.abc import Collection

import dagster as dg

from dawa_pipeline.defs.ingest.assets import DATA_VERSION_TAG, als_summary, als_summary_export
from dawa_pipeline.defs.listing import ListingCursor, artist_slugs
from dawa_pipeline.defs.partitions import artist_partitions, set_partition_key, set_partitions
from dawa_pipeline.defs.resources import StorageResource
from dawa_pipeline.storage import layout
from dawa_pipeline.storage.backend import ObjectNotFound, StoredObject

# Each new or changed upload is downloaded once to hash it, so a tick's work is bounded by this many sets;
# a 10,000-file import is worked through over consecutive ticks, oldest first.
MAX_UPLOADS_PER_TICK = 100


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


@dg.sensor(
    name="als_upload_sensor",
    target=[als_summary, als_summary_export],
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Finds new or changed .als uploads under artists/*/uploads/, adds their set and artist partitions, "
        "records an observation of als_upload with the file's sha256 as data version, and requests one parse "
        f"run per set (run_key = partition + content hash). At most {MAX_UPLOADS_PER_TICK} uploads per tick."
    ),
)
def als_upload_sensor(context: dg.SensorEvaluationContext, storage: StorageResource) -> dg.SensorResult:
    cursor = ListingCursor.parse(context.cursor)
    backend = storage.backend()
    # One listing per artist's uploads folder: never walks the (much larger) daw-data and training trees.
    uploads = [o for slug in artist_slugs(backend) for o in backend.list(layout.uploads_prefix(slug))]
    instance = context.instance
    known_sets = set(instance.get_dynamic_partitions(set_partitions.name))
    batch = pending_uploads(uploads, cursor, MAX_UPLOADS_PER_TICK, known_sets)
    if not batch:
        return dg.SensorResult(skip_reason=dg.SkipReason("no new or changed uploads"), cursor=cursor.dump())

    set_keys: list[str] = []
    artist_keys: set[str] = set()
    run_requests: list[dg.RunRequest] = []
    observations: list[dg.AssetObservation] = []
    for obj in batch:
        ref = layout.parse_upload_path(obj.path)
        assert ref is not None  # pending_uploads keeps upload paths only
        try:
            sha256 = hashlib.sha256(backend.get(obj.path)).hexdigest()
        except ObjectNotFound:  # deleted since it was listed: nothing left to parse
            context.log.info(f"{obj.path}: deleted before it could be read")
            continue
        key = set_partition_key(ref)
        set_keys.append(key)
        artist_keys.add(ref.artist_slug)
        observations.append(
            dg.AssetObservation(
                asset_key="als_upload",
                partition=key,
                metadata={"path": obj.path, "size_bytes": obj.size, "sha256": sha256},
                tags={DATA_VERSION_TAG: sha256},
            )
        )
        # Same bytes give the same run key, so a touched-but-unchanged file is never parsed twice.
        run_requests.append(dg.RunRequest(partition_key=key, run_key=f"{key}@{sha256}"))

    new_sets = [k for k in dict.fromkeys(set_keys) if k not in known_sets]
    new_artists = sorted(
        k for k in artist_keys if not instance.has_dynamic_partition(artist_partitions.name, k)
    )
    context.log.info(f"{len(batch)} uploads: {len(new_sets)} new sets, {len(new_artists)} new artists")
    return dg.SensorResult(
        run_requests=run_requests,
        dynamic_partitions_requests=[
            set_partitions.build_add_request(new_sets),
            artist_partitions.build_add_request(new_artists),
        ],
        asset_events=observations,
        # Never backwards: a batch of old-dated copies alone leaves the high-water mark where it was.
        cursor=max(cursor, ListingCursor.of(batch[-1])).dump(),
    )
