"""Training prompts: needs_prompt items -> captions (`training_prompts`); the zips are `datasets.py`'s.

Items move through their statuses in Postgres one at a time, so one bad item (a refusal, a missing file) is
marked failed with its reason while the rest go on. Captions, zips and the check keep the same names out
(`items.names_to_keep_out`).
"""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import dagster as dg
import psycopg
from pydantic import ValidationError

from dawa_pipeline.als import AlsSummary
from dawa_pipeline.db import training_items
from dawa_pipeline.db.training_items import TrainingItem
from dawa_pipeline.defs.batches import report_batch
from dawa_pipeline.defs.partitions import artist_partitions
from dawa_pipeline.defs.provenance import provenance_stamp
from dawa_pipeline.defs.resources import DatabaseResource, StorageResource
from dawa_pipeline.defs.training.items import ArtistItems, caption_path, load_items
from dawa_pipeline.defs.training.resources import PromptWriterResource
from dawa_pipeline.storage import layout
from dawa_pipeline.storage.backend import StorageBackend, StorageError
from dawa_pipeline.training.captions import (
    SYSTEM_PROMPT_VERSION,
    Caption,
    CaptionError,
    PromptWriter,
    caption_context,
    caption_problems,
)

NO_SET_REASON = (
    "no Live Set is linked to this item, and prompts are written from a set's summary; "
    "add the audio again with `dawa training add --set FILE.als`"
)


def _caption_for(writer: PromptWriter, item: TrainingItem, queue: ArtistItems) -> Caption:
    """The item's caption from its set's summary and the artist's master schema, naming none of the names
    the dataset build keeps out; CaptionError when there is none to be had (no set, refusal, writer failure,
    or a caption breaking the rules)."""
    summary_json = queue.summaries.get(item.id)
    if summary_json is None:
        raise CaptionError(NO_SET_REASON)
    try:
        summary = AlsSummary.model_validate(summary_json)
    except ValidationError as error:
        raise CaptionError(f"the linked set's summary no longer validates: {error}") from error
    context = caption_context(summary, queue.master_schema, audio_duration=item.audio_duration_seconds)
    names = list(dict.fromkeys([*context.forbidden_names, *queue.kept_out.names]))
    context = context.model_copy(update={"forbidden_names": names})
    caption = writer.write(context)
    problems = caption_problems(caption, context.forbidden_names, context=context)
    if problems:
        raise CaptionError(f"{writer.name} wrote a caption that breaks the rules: {'; '.join(problems)}")
    return caption


def _save_prompt(
    backend: StorageBackend,
    conn: psycopg.Connection,
    slug: str,
    item: TrainingItem,
    caption: Caption,
    writer: PromptWriter,
) -> TrainingItem:
    """prompt.txt and caption.json first, then the row: a ready item always has its files."""
    path = layout.prompt_path(slug, item.id)
    backend.put(path, caption.text.encode(), "text/plain; charset=utf-8")
    backend.put(caption_path(slug, item.id), caption.model_dump_json(indent=2).encode(), "application/json")
    return training_items.record_prompt(
        conn,
        item.id,
        prompt_path=path,
        prompt_text=caption.text,
        system_prompt_version=SYSTEM_PROMPT_VERSION,
        model_name=writer.name,
        generated_at=datetime.now(UTC),
    )


@dg.asset(
    partitions_def=artist_partitions,
    deps=[dg.AssetKey("artist_master_schema")],
    group_name="training",
    kinds={"python", "openai", "postgres"},
    code_version=SYSTEM_PROMPT_VERSION,  # a new caption prompt is a new version of every caption
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool="openai",
    description=(
        "A caption for every needs_prompt training item of the artist, written from its set's summary and "
        "the artist's master schema (OpenAI when OPENAI_API_KEY is set, else the offline writer): prompt.txt "
        "(+ caption.json with the tags) under artists/{slug}/training/{item}/, prompt_text, model and prompt "
        "version on the row, status ready. A refusal or error fails that item with its reason only."
    ),
)
def training_prompts(
    context: dg.AssetExecutionContext,
    database: DatabaseResource,
    storage: StorageResource,
    prompt_writer: PromptWriterResource,
) -> Iterator[dg.MaterializeResult | dg.AssetMaterialization]:
    writer = prompt_writer.writer()
    backend = storage.backend()
    metadata = {
        slug: _write_prompts(context, database, backend, writer, slug) for slug in context.partition_keys
    }
    yield from report_batch(context, metadata, failures={}, data_versions={})


def _write_prompts(
    context: dg.AssetExecutionContext,
    database: DatabaseResource,
    backend: StorageBackend,
    writer: PromptWriter,
    slug: str,
) -> dict[str, Any]:
    """Caption every needs_prompt item of one artist; the partition's metadata."""
    queue = load_items(context, database, slug, ["needs_prompt"])
    ready: list[TrainingItem] = []
    failures: dict[str, str] = {}
    skipped: dict[str, str] = {}
    sample: Caption | None = None
    for queued in queue.items:
        # Each item is captioned holding its row lock, so an overlapping run skips it.
        with database.transaction() as conn:
            item = training_items.claim_for_prompt(conn, queued.id)
            if item is None:
                skipped[str(queued.id)] = "another run is writing its prompt, or already has"
                continue
            try:
                caption = _caption_for(writer, item, queue)
                ready.append(_save_prompt(backend, conn, slug, item, caption, writer))
                sample = sample or caption
                continue
            except (CaptionError, StorageError) as error:
                reason = error.reason if isinstance(error, CaptionError) else str(error)
            context.log.warning(f"training item {item.id} failed: {reason}")
            training_items.mark_failed(conn, item.id, reason)
            failures[str(item.id)] = reason
    stamp = provenance_stamp(
        run_id=context.run.run_id,
        asset="training_prompts",
        partition=slug,
        inputs={
            "training_items": [str(i.id) for i in queue.items],
            "als_summaries.id": sorted({str(i.als_summary_id) for i in queue.items if i.als_summary_id}),
        },
        rows=[f"training_items.id={i.id}" for i in ready],
        paths=[layout.prompt_path(slug, i.id) for i in ready],
        extra={"model_name": writer.name, "system_prompt_version": SYSTEM_PROMPT_VERSION},
    )
    return {
        "ready": len(ready),
        "failed": len(failures),
        "skipped": len(skipped),
        "failures": dg.MetadataValue.json(failures),
        "sample_caption": dg.MetadataValue.text(sample.text if sample else "(none written)"),
        "model_name": dg.MetadataValue.text(writer.name),
        "system_prompt_version": dg.MetadataValue.text(SYSTEM_PROMPT_VERSION),
        "dawa/provenance": dg.MetadataValue.json(stamp),
    }
