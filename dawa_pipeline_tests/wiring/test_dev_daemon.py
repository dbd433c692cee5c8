"""`make dev` then `dawa upload`, as a person does it: the daemon alone turns the uploads into stored
summaries and a refreshed profile, and stopping the server with Ctrl-C leaves nothing running."""

from __future__ import annotations

import time

import pytest
from dev_server import dawa, dev_server

from dawa_pipeline.db.connection import connect
from dawa_pipeline.db.embedded import running_url

ARTIST = "Velvet Marrow"
BUDGET_SECONDS = 170  # the whole test, server start and stop included, within CI's three minutes


def profile_sources(home, artist: str) -> list[str]:
    """The sets the artist's stored profile says it was computed from (empty without a profile)."""
    with connect(running_url(home / "pg")) as conn:
        row = conn.execute(
            "SELECT p.master_schema #> '{provenance,sources,daw}' FROM artist_profiles p "
            "JOIN artists a ON a.id = p.artist_id WHERE a.name = %s",
            (artist,),
        ).fetchone()
    return list(row[0] or []) if row else []


@pytest.mark.slow
def test_the_daemon_refreshes_the_profile_of_uploaded_sets(tmp_path, demo_sets):
    sets = demo_sets[ARTIST][:3]
    deadline = time.monotonic() + BUDGET_SECONDS
    home = tmp_path / "dawa-home"

    with dev_server(home, ready_timeout=90, stop_timeout=20) as server:
        uploaded = dawa(server.env, "upload", "--artist", ARTIST, *map(str, sets), timeout=60)
        assert uploaded.returncode == 0, uploaded.stderr
        sources: list[str] = []
        while len(sources) < len(sets) and time.monotonic() < deadline - 30:  # 30 s left to stop
            time.sleep(1)
            sources = profile_sources(home, ARTIST)

        # Each source reads "project/file.als@parse-id".
        assert sorted(source.split("@")[0].split("/")[-1] for source in sources) == sorted(
            path.name for path in sets
        ), server.log_tail()
