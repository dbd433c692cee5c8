"""Pydantic models of the seed's `ArtistMasterSchema` (dawa-schema.md), names and shapes exactly.

Optional versus wrong (the rule `validate_master_schema` applies):
- Required at the top: `schema_version`, `uuids` (`name`, `artist_id`) and `artist.name` — what a freshly
  created skeleton holds.
- Every other section (`artist.origin`, `artist.members`, `artist.brand_narrative`, `artist.core_identities`,
  `catalog`, `semantic_views`, `creative_policy`, `daw_fingerprint_aggregates`, `provenance`) may be absent:
  people write them by hand, some never.
- A section that is present must be complete in the seed's shape (every key the seed does not mark `?`,
  with the seed's type), because the front end reads a present section without checking each key.
- Values are checked strictly (no "128" for a number, no null for a string); keys the seed marks `?` may be
  absent or null. Keys the seed does not name are allowed beside the seed's ones (DAWA and the front end
  add beside the seed, never rename), except inside the computed `daw_fingerprint_aggregates`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class _SeedShape(BaseModel):
    """A seed object: strict types, extra keys allowed beside the seed's."""

    model_config = ConfigDict(strict=True, extra="allow")


class _Computed(BaseModel):
    """A part the pipeline computes: strict types, only the seed's keys."""

    model_config = ConfigDict(strict=True, extra="forbid")


# --- computed: daw_fingerprint_aggregates ----------------------------------------------------------


class CoreBpmRange(_Computed):
    min: float
    max: float
    cluster_centers: list[float]


class KeysAndModes(_Computed):
    common_keys: list[str]
    modal_tendencies: list[str]


class DrumPalette(_Computed):
    kick_character: list[str]
    snare_clap_character: list[str]
    percussion_notes: list[str]


class DawFingerprintAggregates(_Computed):
    core_bpm_range: CoreBpmRange
    keys_and_modes: KeysAndModes
    drum_palette: DrumPalette
    bass_workflow: list[str]
    core_synth_palette: list[str]
    frequent_plugins_tools: list[str]
    arrangement_habits: list[str]
    tempo_tendencies: list[str]


# --- hand-written: artist ----------------------------------------------------------------------------


class Uuids(_SeedShape):
    name: str
    artist_id: str


class Origin(_SeedShape):
    city: str
    country: str


class BrandNarrative(_SeedShape):
    tone: list[str]
    description: str


class CoreIdentities(_SeedShape):
    tempo_center: str
    energy_profile: list[str]
    primary_genre_space: list[str]
    secondary_spaces: list[str]
    melodic_character: list[str]
    sound_design_signature: list[str]
    sync_pitch_identity: list[str]


class Artist(_SeedShape):
    name: str
    origin: Origin | None = None
    members: list[str] | None = None
    brand_narrative: BrandNarrative | None = None
    core_identities: CoreIdentities | None = None


class CatalogWork(_SeedShape):
    work_id: str
    title: str
    primary_artist: str
    release_role: Literal["original", "remix"]
    remixer: str | None = None
    label: str | None = None
    tempo_bpm: float
    key_center: str
    energy_arc: str
    core_tags: list[str]
    mood_profile: list[str]
    sync_notes: list[str]
    daw_summary_id: str | None = None


# --- hand-written: semantic views and creative policy -----------------------------------------------


class MoodView(_SeedShape):
    description: str
    typical_elements: list[str]
    suitable_for: list[str]


class UsageView(_SeedShape):
    description: str
    features: list[str]
    ideal_for: list[str] | None = None


class EnergyArcView(_SeedShape):
    description: str
    structure_traits: list[str]


class SemanticViews(_SeedShape):
    by_mood: dict[str, MoodView]
    by_usage: dict[str, UsageView]
    by_energy_arc: dict[str, EnergyArcView]


class CreativePolicy(_SeedShape):
    keep_foreground: list[str]
    no_go_zones: list[str]
    production_guides: list[str]
    sync_specific_notes: list[str]


# --- provenance and the whole document --------------------------------------------------------------


class ProvenanceSources(_SeedShape):
    daw: list[str]
    metadata_provided: list[str]


class Provenance(_SeedShape):
    last_refreshed: str
    sources: ProvenanceSources


class ArtistMasterSchema(_SeedShape):
    """`artist_profiles.master_schema`. Only the skeleton's parts are required; see the module docstring."""

    schema_version: str
    uuids: Uuids
    artist: Artist
    catalog: list[CatalogWork] | None = None
    semantic_views: SemanticViews | None = None
    creative_policy: CreativePolicy | None = None
    daw_fingerprint_aggregates: DawFingerprintAggregates | None = None
    provenance: Provenance | None = None


# --- the fingerprint a computation returns ----------------------------------------------------------


class Evidence(_Computed):
    """The counts behind one statement: which of the artist's sets say so."""

    statement: str
    subject: str
    sets: list[str]
    of: int

    @property
    def count(self) -> int:
        return len(self.sets)


class TempoPoint(_Computed):
    """One set's tempo as clustered: `folded_bpm` differs from `bpm` for a half- or double-time set;
    `cluster` is the index of its centre, None when the set is near no centre."""

    set_name: str
    bpm: float
    folded_bpm: float
    cluster: int | None


class Fingerprint(_Computed):
    """The aggregates as stored, the evidence for each of their statements, and the per-set tempos.

    `evidence` is keyed by the aggregate's dotted path ("drum_palette.kick_character"); its list runs parallel
    to the statements of that field. `missing_evidence` names each empty field (same keys) and what its sets
    lacked, for the materialization's metadata. `set_count == 0` is the "no sets" state: every list is empty
    and `core_bpm_range` is 0-0 with no centres.
    """

    aggregates: DawFingerprintAggregates
    evidence: dict[str, list[Evidence]]
    set_count: int
    tempo_points: list[TempoPoint]
    missing_evidence: dict[str, str] = {}

    @property
    def is_empty(self) -> bool:
        return self.set_count == 0
