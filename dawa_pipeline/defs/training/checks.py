"""The training dataset check: the newest zip opens the way audiocraft and HF audiofolder read it."""

import dagster as dg

from dawa_pipeline.defs.partitions import artist_partitions
from dawa_pipeline.defs.resources import DatabaseResource, StorageResource
from dawa_pipeline.defs.training.datasets import CHECK_SCRATCH_PREFIX, training_dataset
from dawa_pipeline.defs.training.items import artist_by_slug, master_schema_of, names_to_keep_out
from dawa_pipeline.storage import layout
from dawa_pipeline.storage.backend import StorageBackend
from dawa_pipeline.storage.leftovers import scratch_folder
from dawa_pipeline.training.dataset_check import check_dataset_zip


def latest_dataset_path(backend: StorageBackend, slug: str) -> str | None:
    """The newest dataset zip of the artist (timestamped names sort in time order), or None."""
    folder = f"{layout.artist_prefix(slug)}{layout.DATASETS}/"
    zips = [o.path for o in backend.list(folder) if o.path.endswith(".zip")]
    return max(zips, default=None)


@dg.asset_check(
    asset=training_dataset,
    partitions_def=artist_partitions,
    description=(
        "The newest stored dataset zip opens the way audiocraft and HF audiofolder read it: every manifest "
        "path present, every MusicInfo field, durations matching the decoded audio, captions within the "
        "rules and naming no one."
    ),
)
def dataset_zip_valid(
    context: dg.AssetCheckExecutionContext, database: DatabaseResource, storage: StorageResource
) -> dg.AssetCheckResult:
    backend = storage.backend()
    problems: dict[str, list[str]] = {}
    checked: dict[str, str | None] = {}
    for slug in context.partition_keys:
        path = checked[slug] = latest_dataset_path(backend, slug)
        if path is None:
            problems[slug] = ["no dataset zip stored"]
            continue
        with database.transaction() as conn:
            artist = artist_by_slug(conn, slug)
            kept_out = names_to_keep_out(conn, artist, master_schema_of(conn, artist.id))
        with scratch_folder(CHECK_SCRATCH_PREFIX) as folder:
            local = folder / "dataset.zip"
            backend.download(path, local)
            found = kept_out.unreadable + check_dataset_zip(local, forbidden_names=kept_out.names)
        if found:
            problems[slug] = found
    return dg.AssetCheckResult(
        passed=not problems,
        metadata={
            "zips_checked": dg.MetadataValue.json(checked),
            "problems": dg.MetadataValue.json(problems),
        },
    )
