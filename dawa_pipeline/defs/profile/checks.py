"""The profile check: the stored master_schema fits the seed's shape."""

import dagster as dg

from dawa_pipeline.db import artists, profiles
from dawa_pipeline.defs.partitions import artist_partitions
from dawa_pipeline.defs.profile.assets import artist_master_schema
from dawa_pipeline.defs.resources import DatabaseResource
from dawa_pipeline.profile import validate_master_schema


@dg.asset_check(
    asset=artist_master_schema,
    partitions_def=artist_partitions,
    description=(
        "The stored master_schema fits the seed's ArtistMasterSchema (present sections complete and "
        "well-typed). Fails listing the path of each problem; the stored data is never changed by it."
    ),
)
def master_schema_valid(
    context: dg.AssetCheckExecutionContext, database: DatabaseResource
) -> dg.AssetCheckResult:
    problems: dict[str, list[str]] = {}
    with database.transaction() as conn:
        for slug in context.partition_keys:
            artist = artists.get_artist(conn, slug=slug)
            stored = profiles.get_profile(conn, artist.id) if artist else None
            if stored is None:
                problems[slug] = ["no artist_profiles row"]
            elif found := validate_master_schema(stored.master_schema):
                problems[slug] = [f"{p.path}: {p.message}" for p in found]
    return dg.AssetCheckResult(
        passed=not problems,
        description="; ".join(f"{slug}: {', '.join(found)}" for slug, found in problems.items()) or None,
        metadata={
            "partitions_checked": len(context.partition_keys),
            "problems": dg.MetadataValue.json(problems),
        },
    )
