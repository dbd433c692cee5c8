"""Training datasets: ready items -> a MusicGen dataset zip (`training_dataset`).

A zip is built into a temporary folder, recorded, stored, and only then are its items marked exported, so a
build killed on the way is adopted or redone by the next, never doubled; builds of one artist never overlap.
"""

import hashlib
import json
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import dagster as dg
from pydantic import ValidationError

from dawa_pipeline.als import AlsSummary
from dawa_pipeline.db import dataset_builds
from dawa_pipeline.db.connection import connect
from dawa_pipeline.db.training_items import TrainingItem
from dawa_pipeline.defs.partitions import artist_partitions
from dawa_pipeline.defs.provenance import provenance_stamp
from dawa_pipeline.defs.resources import DatabaseResource, StorageResource
from dawa_pipeline.defs.training.assets import training_prompts
from dawa_pipeline.defs.training.items import ArtistItems, artist_by_slug, caption_path, load_items
from dawa_pipeline.storage import layout
from dawa_pipeline.storage.backend import ObjectNotFound, StorageBackend, StorageError
from dawa_pipeline.storage.leftovers import (
    remove_stale_partials,
    remove_stale_scratch_folders,
    scratch_folder,
)
from dawa_pipeline.training.audio import AudioRejected, inspect_audio_stream
from dawa_pipeline.training.captions import (
    Caption,
)
from dawa_pipeline.training.dataset import (
    DatasetError,
    DatasetItem,
    DatasetManifest,
    write_dataset_zip,
)

# Bump when the zip's layout or content rules change.
DATASET_CODE_VERSION = "1"


class TrainingDatasetConfig(dg.Config):
    full_rebuild: bool = False
    """Zip every ready and exported item again, instead of only the items not exported yet."""
    valid_fraction: float = 0.1
    """Share of items (by a stable hash of their id) held out for validation."""


def _read_caption(backend: StorageBackend, slug: str, item: TrainingItem) -> Caption:
    """The row's `prompt_text` (people may edit it in the web app) with the writer's tags from caption.json;
    without caption.json (a prompt written by hand), the text alone."""
    if not item.prompt_text:
        raise DatasetError(f"training item {item.id} is ready but has no prompt text")
    try:
        tagged = Caption.model_validate_json(backend.get(caption_path(slug, item.id)))
    except StorageError:
        return Caption(
            text=item.prompt_text, genre=[], moods=[], instruments=[], bpm=None, key=None, keywords=[]
        )
    return tagged.model_copy(update={"text": item.prompt_text})


def _dataset_item(
    backend: StorageBackend, slug: str, item: TrainingItem, summary: AlsSummary | None, folder: Path
) -> DatasetItem:
    """One item with its audio downloaded into `folder` and decoded again (durations come from the bytes)."""
    audio_path = item.audio_path or layout.training_audio_path(slug, item.id)
    local = folder / f"{item.id}.audio"
    backend.download(audio_path, local)
    with local.open("rb") as stream:
        info = inspect_audio_stream(stream, audio_path, min_seconds=0.0)
    caption = _read_caption(backend, slug, item)
    title = summary.als_stem if summary else (item.als_filename or str(item.id))
    return DatasetItem(
        item_id=str(item.id),
        audio=local,
        audio_info=info,
        caption=caption,
        title=title,
        key=caption.key,
        bpm=caption.bpm,
    )


def _dataset_version(manifest: DatasetManifest, items: Sequence[TrainingItem]) -> str:
    """Same items, captions and audio bytes give the same version, whatever time the zip was built."""
    prompts = {str(i.id): i.prompt_text for i in items}
    content = sorted((e.item_id, e.split, e.audio_sha256, prompts.get(e.item_id)) for e in manifest.entries)
    return hashlib.sha256(json.dumps(content).encode()).hexdigest()[:16]


SCRATCH_PREFIX = "dawa-dataset"
"""Temp folders of builds (`dawa-dataset-{pid}-…`) and of the check (`dawa-dataset-check-{pid}-…`)."""
CHECK_SCRATCH_PREFIX = f"{SCRATCH_PREFIX}-check"


@dg.asset(
    partitions_def=artist_partitions,
    deps=[training_prompts],
    output_required=False,  # no ready items: no dataset, no materialization
    group_name="training",
    kinds={"python", "storage"},
    code_version=DATASET_CODE_VERSION,
    description=(
        "A MusicGen dataset zip of the artist's ready training items (audiocraft manifests, MusicInfo "
        "sidecars and dset yaml; HF audiofolder metadata; dataset card; provenance), stored at "
        "artists/{slug}/datasets/dataset-{timestamp}.zip; then its items become exported, exactly once: a "
        "build killed after storing its zip is adopted by the next run instead of built again. "
        "A re-run zips only items not yet exported unless `full_rebuild: true`."
    ),
)
def training_dataset(
    context: dg.AssetExecutionContext,
    config: TrainingDatasetConfig,
    database: DatabaseResource,
    storage: StorageResource,
) -> Iterator[dg.MaterializeResult]:
    slug = context.partition_key
    backend = storage.backend()
    with _one_build_per_artist(database, slug) as artist_id, scratch_folder(SCRATCH_PREFIX) as workdir:
        _remove_leftovers(context, backend, slug)
        adopted = _settle_pending_build(context, database, backend, artist_id, workdir)
        built = _build_dataset(context, config, database, backend, slug, workdir)
    if built is not None:
        yield _materialization(built, adopted_zip=adopted.zip_path if adopted else None)
    elif adopted is not None:
        yield _materialization(adopted, adopted_zip=adopted.zip_path)


@contextmanager
def _one_build_per_artist(database: DatabaseResource, slug: str) -> Iterator[UUID]:
    """Hold the artist's dataset-build lock (yielding the artist's id) from settling an earlier build until
    the items are marked exported. Zip names are chosen before the zip is stored, so two overlapping builds
    would otherwise take the same name and one zip would replace the other. A second build fails at once
    rather than waiting, as it may run inside the first's process."""
    with connect(database.resolved_url(), autocommit=True) as conn:
        artist_id = artist_by_slug(conn, slug).id
        if not dataset_builds.lock_dataset_builds(conn, artist_id):
            raise dg.Failure(
                f"{slug}: another training_dataset run is building this artist's dataset; this run built "
                "and changed nothing. Run it again once that one has finished."
            )
        yield artist_id


def _remove_leftovers(context: dg.AssetExecutionContext, backend: StorageBackend, slug: str) -> None:
    """Unfinished writes under the artist's storage folder and scratch folders of killed builds and checks
    (a dead pid in their names, so a concurrent writer's files stay)."""
    removed = remove_stale_partials(backend, layout.artist_prefix(slug))
    for prefix in (SCRATCH_PREFIX, CHECK_SCRATCH_PREFIX):
        removed += [str(folder) for folder in remove_stale_scratch_folders(prefix)]
    if removed:
        context.log.info(f"{slug}: removed what killed runs left: {', '.join(removed)}")


def _settle_pending_build(
    context: dg.AssetExecutionContext,
    database: DatabaseResource,
    backend: StorageBackend,
    artist_id: UUID,
    workdir: Path,
) -> dataset_builds.PendingBuild | None:
    """A build killed after recording its zip: adopt it (its items become exported) when the stored zip is
    whole and its items unchanged; else delete what it stored and forget it, so its items are built again.
    Returns the adopted build."""
    with database.transaction() as conn:
        build = dataset_builds.pending_build(conn, artist_id)
    if build is None:
        return None
    slug = context.partition_key
    if _stored_whole(backend, build, workdir):
        with database.transaction() as conn:
            if dataset_builds.finish_build(conn, build):
                context.log.info(f"{slug}: adopted {build.zip_path}, stored by a build that did not finish")
                return build
    context.log.info(
        f"{slug}: discarding the unfinished build of {build.zip_path}; its items are built again"
    )
    backend.delete([build.zip_path])
    with database.transaction() as conn:
        dataset_builds.discard_build(conn, artist_id)
    return None


def _stored_whole(backend: StorageBackend, build: dataset_builds.PendingBuild, workdir: Path) -> bool:
    """The build's zip is stored with the size and sha256 it was built with."""
    local = workdir / "stored.zip"
    try:
        backend.download(build.zip_path, local)
    except ObjectNotFound:
        return False
    try:
        return local.stat().st_size == build.size_bytes and _sha256(local) == build.sha256
    finally:
        local.unlink()


def _sha256(path: Path) -> str:
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def _build_dataset(
    context: dg.AssetExecutionContext,
    config: TrainingDatasetConfig,
    database: DatabaseResource,
    backend: StorageBackend,
    slug: str,
    workdir: Path,
) -> dataset_builds.PendingBuild | None:
    """Build the zip in `workdir`, record it, store it, then mark its items exported (dropping the record)
    in one transaction: a crash at any point leaves either nothing done or a record the next run settles."""
    data = load_items(context, database, slug, ["ready", "exported"] if config.full_rebuild else ["ready"])
    if not data.items:
        context.log.info(f"{slug}: no training items to export; no dataset written")
        return None
    created_at, zip_path = _free_zip_path(backend, slug)
    local_zip = workdir / zip_path.rsplit("/", 1)[1]
    manifest = _build_zip(context, data, local_zip, created_at, zip_path, backend, config)
    report = {
        "train_seconds": manifest.train_seconds,
        "valid_seconds": manifest.valid_seconds,
        "full_rebuild": config.full_rebuild,
        "data_version": _dataset_version(manifest, data.items),
        "provenance": _dataset_provenance(context, data, zip_path, config, manifest),
    }
    with database.transaction() as conn:
        build = dataset_builds.record_build(
            conn,
            data.artist.id,
            data.items,
            zip_path=zip_path,
            size_bytes=local_zip.stat().st_size,
            sha256=_sha256(local_zip),
            report=report,
        )
    try:
        backend.put_file(zip_path, local_zip, layout.content_type_of(zip_path))
    except StorageError as error:
        with database.transaction() as conn:
            dataset_builds.discard_build(conn, data.artist.id)
        raise dg.Failure(f"{slug}: dataset not stored: {error}") from error
    with database.transaction() as conn:
        if dataset_builds.finish_build(conn, build):
            return build
    backend.delete([zip_path])
    with database.transaction() as conn:
        dataset_builds.discard_build(conn, data.artist.id)
    raise dg.Failure(
        f"{slug}: training items changed while their dataset was built (a prompt edited, an item no longer "
        f"ready); {zip_path} was removed and nothing was exported. Run training_dataset again."
    )


def _materialization(build: dataset_builds.PendingBuild, *, adopted_zip: str | None) -> dg.MaterializeResult:
    report = build.report
    metadata: dict[str, Any] = {
        "items": len(build.item_ids),
        "train_seconds": dg.MetadataValue.float(report["train_seconds"]),
        "valid_seconds": dg.MetadataValue.float(report["valid_seconds"]),
        "zip_path": dg.MetadataValue.path(build.zip_path),
        "size_bytes": build.size_bytes,
        "sha256": build.sha256,
        "full_rebuild": report["full_rebuild"],
        "dawa/provenance": dg.MetadataValue.json(report["provenance"]),
    }
    if adopted_zip is not None:
        metadata["adopted_zip"] = dg.MetadataValue.path(adopted_zip)
    return dg.MaterializeResult(metadata=metadata, data_version=dg.DataVersion(report["data_version"]))


def _free_zip_path(backend: StorageBackend, slug: str) -> tuple[datetime, str]:
    """A timestamp and zip path no earlier dataset holds: names have one-second resolution, so a second
    build within the same second takes the next free second instead of replacing the first zip."""
    created_at = datetime.now(UTC).replace(microsecond=0)
    while backend.exists(path := layout.dataset_zip_path(slug, created_at)):
        created_at += timedelta(seconds=1)
    return created_at, path


def _dataset_provenance(
    context: dg.AssetExecutionContext,
    data: ArtistItems,
    zip_path: str,
    config: TrainingDatasetConfig,
    manifest: DatasetManifest | None = None,
) -> dict[str, Any]:
    return provenance_stamp(
        run_id=context.run.run_id,
        asset="training_dataset",
        partition=context.partition_key,
        inputs={
            "training_items": [
                {
                    "id": str(i.id),
                    "parse_id": i.parse_id,
                    "audio_path": i.audio_path,
                    "prompt_path": i.prompt_path,
                    "model_name": i.model_name,
                    "system_prompt_version": i.system_prompt_version,
                }
                for i in data.items
            ]
        },
        rows=[f"training_items.id={i.id} -> exported" for i in data.items],
        paths=[zip_path],
        extra={
            "full_rebuild": config.full_rebuild,
            "dataset_name": manifest.name if manifest else None,
        },
    )


def _build_zip(
    context: dg.AssetExecutionContext,
    data: ArtistItems,
    target: Path,
    created_at: datetime,
    zip_path: str,
    backend: StorageBackend,
    config: TrainingDatasetConfig,
) -> DatasetManifest:
    """Download and re-check each item's audio, then write the zip; any problem fails the whole build,
    naming the item, before anything is published or any status changes."""
    audio_folder = target.parent / "audio"
    audio_folder.mkdir()
    try:
        linked = {item_id: AlsSummary.model_validate(s) for item_id, s in data.summaries.items()}
        items = [
            _dataset_item(backend, data.artist.slug, item, linked.get(item.id), audio_folder)
            for item in data.items
        ]
        return write_dataset_zip(
            items,
            target,
            artist_name=data.artist.name,
            created_at=created_at,
            provenance=_dataset_provenance(context, data, zip_path, config),
            valid_fraction=config.valid_fraction,
            forbidden_names=data.kept_out.names,
        )
    except (StorageError, AudioRejected, DatasetError, ValidationError) as error:
        raise dg.Failure(f"{data.artist.slug}: dataset not built: {error}") from error
    finally:
        shutil.rmtree(audio_folder, ignore_errors=True)
