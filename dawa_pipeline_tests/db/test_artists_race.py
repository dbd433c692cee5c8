"""Two new artist names with one slug, created at the same moment, are both created, with distinct slugs."""

from __future__ import annotations

import threading

from dawa_pipeline.db.artists import ensure_artist
from dawa_pipeline.db.connection import connect


def test_names_sharing_a_slug_created_concurrently_get_distinct_slugs(database_url):
    result = {}
    with connect(database_url) as first, connect(database_url) as second:

        def create_second() -> None:
            with second.transaction():
                result["artist"] = ensure_artist(second, "nova vale!")  # waits on the slug's unique key

        worker = threading.Thread(target=create_second)
        with first.transaction():
            nova = ensure_artist(first, "Nova Vale")  # inserted, committed when this block ends
            worker.start()
            worker.join(timeout=1.0)
            assert worker.is_alive(), "the second insert should wait for the first transaction"
        worker.join(timeout=30)

    assert (nova.slug, result["artist"].slug) == ("nova-vale", "nova-vale-2")
