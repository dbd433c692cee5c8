"""The artist profile domain: DAW fingerprint from set summaries, master-schema refresh, validation, chart.

Pure domain: no Dagster, no SQL, no network.
"""

from dawa_pipeline.profile.chart import render_fingerprint_chart
from dawa_pipeline.profile.fingerprint import compute_fingerprint
from dawa_pipeline.profile.master_schema import (
    MasterSchemaError,
    MergeResult,
    RefreshResult,
    SchemaProblem,
    SummaryRef,
    merge_hand_written,
    refresh_master_schema,
    skeleton_master_schema,
    validate_master_schema,
)
from dawa_pipeline.profile.models import (
    ArtistMasterSchema,
    DawFingerprintAggregates,
    Evidence,
    Fingerprint,
    TempoPoint,
)

__all__ = [
    "ArtistMasterSchema",
    "DawFingerprintAggregates",
    "Evidence",
    "Fingerprint",
    "MasterSchemaError",
    "MergeResult",
    "RefreshResult",
    "SchemaProblem",
    "SummaryRef",
    "TempoPoint",
    "compute_fingerprint",
    "merge_hand_written",
    "refresh_master_schema",
    "render_fingerprint_chart",
    "skeleton_master_schema",
    "validate_master_schema",
]
