"""The corpus as artists and their fingerprints, as a markdown table for a closing note or a review.

The sets of each source repository in SOURCES.tsv are one artist (default corpus: $DAWA_ALS_CORPUS, else
../shared/als/corpus); every artist with at least --min-sets sets gets a row: tempo range and centres, the
first statement of each field, and the fields left empty for lack of evidence.

    python benchmarks/fingerprint_table.py [CORPUS_DIR] [--min-sets 2]
"""

from __future__ import annotations

import argparse
import csv
import os
from collections import defaultdict
from pathlib import Path

from tabulate import tabulate

from dawa_pipeline.als import parse_als
from dawa_pipeline.profile import Fingerprint, compute_fingerprint

_DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "als" / "corpus"


def _first(statements: list[str], count: int = 1) -> str:
    return "; ".join(statements[:count]) or "-"


def _row(artist: str, fingerprint: Fingerprint) -> list[str]:
    a = fingerprint.aggregates
    bpm = a.core_bpm_range
    centres = ", ".join(f"{c:g}" for c in bpm.cluster_centers) or "none"
    return [
        artist,
        str(fingerprint.set_count),
        f"{bpm.min:g}-{bpm.max:g}",
        centres,
        _first(a.tempo_tendencies),
        _first(a.frequent_plugins_tools, 3),
        _first(a.core_synth_palette, 2),
        _first(a.drum_palette.kick_character + a.drum_palette.percussion_notes, 2),
        _first(a.bass_workflow, 2),
        ", ".join(field.split(".")[-1] for field in fingerprint.missing_evidence) or "-",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "corpus", nargs="?", type=Path, default=Path(os.environ.get("DAWA_ALS_CORPUS", _DEFAULT_CORPUS))
    )
    parser.add_argument("--min-sets", type=int, default=2)
    args = parser.parse_args()
    files: dict[str, list[str]] = defaultdict(list)
    with (args.corpus / "SOURCES.tsv").open(newline="") as sources:
        for row in csv.DictReader(sources, delimiter="\t"):
            files[row["repo"]].append(row["local_filename"])
    rows = [
        _row(repo, compute_fingerprint([parse_als(args.corpus / name, artist_name=repo) for name in names]))
        for repo, names in sorted(files.items(), key=lambda item: item[0].casefold())
        if len(names) >= args.min_sets
    ]
    headers = ["artist", "sets", "BPM", "centres", "tempo", "plug-ins", "synths", "drums", "bass", "empty"]
    print(tabulate(rows, headers=headers, tablefmt="github"))


if __name__ == "__main__":
    main()
