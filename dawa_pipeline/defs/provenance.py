"""Provenance stamped on every materialization and beside every export: what ran, on what, wrote what."""

from __future__ import annotations

import functools
import os
import subprocess
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dawa_pipeline import __version__


@functools.cache
def git_commit() -> str | None:
    """The commit of the running code: DAWA_GIT_COMMIT (set by deployments) or the checkout's HEAD."""
    if commit := os.environ.get("DAWA_GIT_COMMIT"):
        return commit
    repo = Path(__file__).resolve().parent.parent
    try:
        out = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def provenance_stamp(
    *,
    run_id: str,
    asset: str,
    partition: str | None,
    inputs: Mapping[str, Any],
    rows: Sequence[str] = (),
    paths: Sequence[str] = (),
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One JSON-ready provenance record; `inputs` holds hashes and sizes, `rows`/`paths` what was written."""
    from dawa_pipeline.als import PARSER_NAME, PARSER_VERSION

    return {
        "run_id": run_id,
        "asset": asset,
        "partition": partition,
        "code_version": __version__,
        "parser": {"name": PARSER_NAME, "version": PARSER_VERSION},
        "git_commit": git_commit(),
        "inputs": dict(inputs),
        "rows_written": list(rows),
        "paths_written": list(paths),
        "stamped_at": datetime.now(UTC).isoformat(),
        **(dict(extra) if extra else {}),
    }
