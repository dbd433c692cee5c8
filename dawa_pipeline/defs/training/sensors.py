"""The training audio sensor: rendered audio at artists/*/training/{item}/audio.mp3 is checked and queued.

Each new or changed file is decoded once (`inspect_audio`): its item moves to needs_prompt with the measured
duration and sample rate, or to failed with the reason; then one `training_prompts` run is requested for
each batch of artists that gained work. Recording the same audio again is harmless, so a tick retried after a
crash is safe.
"""

import tempfile
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import dagster as dg

from dawa_pipeline.db import artists, training_items
from dawa_pipeline.db.training_items import TransitionRefused
from dawa_pipeline.defs.listing import ListingCursor, artist_slugs, scan_interval_seconds
from dawa_pipeline.defs.partitions import (
    artist_partitions,
    batch_digest,
    batch_run_request,
    contiguous_batches,
)
from dawa_pipeline.defs.resources import DatabaseResource, StorageResource
from dawa_pipeline.defs.training.assets import training_prompts
from dawa_pipeline.storage import layout
from dawa_pipeline.storage.backend import StorageBackend, StorageError, StoredObject
from dawa_pipeline.training.audio import AudioInfo, AudioRejected, inspect_audio_stream

# Each file is downloaded and fully decoded, so a tick handles at most this many; the rest follow on the
# next ticks, oldest first.
MAX_AUDIO_PER_TICK = 20
MAX_ARTISTS_PER_RUN = 50


@dataclass(frozen=True)
class AudioOutcome:
    slug: str
    item_id: str
    status: str  # "needs_prompt", "failed" or "ignored"
    detail: str


def pending_audio(
    objects: list[StoredObject], cursor: ListingCursor, limit: int, awaiting: Collection[str]
) -> list[StoredObject]:
    """Training audio modified after the cursor, or for an item still awaiting its audio (a copy that kept an
    older modification time, e.g. `rsync -a`), oldest first, at most `limit` of them."""
    pending = []
    for obj in objects:
        ref = layout.parse_training_audio_path(obj.path)
        if ref is not None and (ListingCursor.of(obj) > cursor or ref.item_id in awaiting):
            pending.append(obj)
    pending.sort(key=ListingCursor.of)
    return pending[:limit]


def check_training_audio(
    backend: StorageBackend, database: DatabaseResource, obj: StoredObject
) -> AudioOutcome:
    """Decode one uploaded file and move its item on; files of no known item are ignored (and said so)."""
    ref = layout.parse_training_audio_path(obj.path)
    assert ref is not None  # pending_audio keeps training audio paths only
    try:
        item_id = UUID(ref.item_id)
    except ValueError:
        return AudioOutcome(ref.artist_slug, ref.item_id, "ignored", "folder name is not a training item id")
    with database.transaction() as conn:
        item = training_items.find_item(conn, item_id)
        artist = artists.get_artist(conn, id=item.artist_id) if item else None
    if item is None or artist is None or artist.slug != ref.artist_slug:
        return AudioOutcome(ref.artist_slug, ref.item_id, "ignored", "no such training item for this artist")
    if item.status not in training_items.AUDIO_ACCEPTED_FROM:
        return AudioOutcome(
            ref.artist_slug, ref.item_id, "ignored", f"item is {item.status}; its audio is no longer replaced"
        )
    try:
        info = _inspect(backend, obj.path)
    except AudioRejected as rejected:
        with database.transaction() as conn:
            training_items.mark_failed(conn, item_id, rejected.reason)
        return AudioOutcome(ref.artist_slug, ref.item_id, "failed", rejected.reason)
    with database.transaction() as conn:
        training_items.record_audio(
            conn,
            item_id,
            audio_path=obj.path,
            duration_seconds=info.duration,
            sample_rate=info.sample_rate,
        )
    return AudioOutcome(
        ref.artist_slug, ref.item_id, "needs_prompt", f"{info.duration:.1f} s at {info.sample_rate} Hz"
    )


def _inspect(backend: StorageBackend, path: str) -> AudioInfo:
    """Decode through a temporary file, so a long render is never held in memory whole."""
    with tempfile.TemporaryDirectory(prefix="dawa-audio-") as folder:
        local = Path(folder) / "audio"
        backend.download(path, local)
        with local.open("rb") as stream:
            return inspect_audio_stream(stream, path)


def prompt_requests(queued: dict[str, list[str]], order: list[str]) -> list[dg.RunRequest]:
    """One training_prompts run per batch of consecutive artists that gained items; the run key is the
    files that queued them, so a retried tick asks for the same run."""
    return [
        batch_run_request(
            batch,
            run_key=f"training_prompts:{batch[0]}..{batch[-1]}@"
            + batch_digest(file for slug in batch for file in queued[slug]),
            assets=[training_prompts.key],
            tags={},
        )
        for batch in contiguous_batches(queued, order, MAX_ARTISTS_PER_RUN)
    ]


@dg.sensor(
    name="training_audio_sensor",
    target=[training_prompts],
    minimum_interval_seconds=scan_interval_seconds(),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Finds new or changed training audio at artists/*/training/{item}/audio.mp3, decodes and checks it: "
        "the item moves needs_audio -> needs_prompt (duration and sample rate recorded) or failed with the "
        "reason. Requests one training_prompts run for the artists that gained items. At most "
        f"{MAX_AUDIO_PER_TICK} files per tick."
    ),
)
def training_audio_sensor(
    context: dg.SensorEvaluationContext, storage: StorageResource, database: DatabaseResource
) -> dg.SensorResult:
    cursor = ListingCursor.parse(context.cursor)
    backend = storage.backend()
    audio = [
        o
        for slug in artist_slugs(backend)
        for o in backend.list(f"{layout.artist_prefix(slug)}{layout.TRAINING}/")
    ]
    with database.transaction() as conn:
        awaiting = {str(item_id) for item_id in training_items.ids_awaiting_audio(conn)}
    batch = pending_audio(audio, cursor, MAX_AUDIO_PER_TICK, awaiting)
    if not batch:
        return dg.SensorResult(skip_reason=dg.SkipReason("no new training audio"), cursor=cursor.dump())

    queued: dict[str, list[str]] = {}
    for obj in batch:
        try:
            outcome = check_training_audio(backend, database, obj)
        except (StorageError, TransitionRefused) as error:  # changed under us; the next change retries it
            context.log.warning(f"{obj.path}: {error}")
            continue
        log = context.log.warning if outcome.status != "needs_prompt" else context.log.info
        log(f"{obj.path}: {outcome.status} ({outcome.detail})")
        if outcome.status == "needs_prompt":
            queued.setdefault(outcome.slug, []).append(f"{obj.path}@{obj.updated_at.isoformat()}")

    known = context.instance.get_dynamic_partitions(artist_partitions.name)
    new_artists = sorted(set(queued) - set(known))
    return dg.SensorResult(
        run_requests=prompt_requests(queued, [*known, *new_artists]),
        dynamic_partitions_requests=[artist_partitions.build_add_request(new_artists)] if new_artists else [],
        cursor=max(cursor, ListingCursor.of(batch[-1])).dump(),
    )
