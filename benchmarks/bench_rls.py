"""Row level security at scale: a member's queries against the service role's equivalent, on a throwaway
embedded Postgres with every migration applied.

Data: 1,000 artists (one owner each), 100k summaries, 100k training items and 100k objects in the
dawa-exports bucket, 100 of each per artist; the member belongs to one artist. Each query runs as
Supabase's API would run it (SET LOCAL ROLE authenticated + JWT claims, or service_role, which bypasses
RLS); the service role's equivalent names the member's artists itself, so both return the same rows.
Prints the median of each and the ratio member / service role. Target: <= 2x for each.

    .venv/bin/python benchmarks/bench_rls.py
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import uuid
from typing import Any

from scratch import scratch_database

TARGET_RATIO = 2.0
MEMBER = uuid.UUID("aaaaaaaa-0000-4000-8000-000000000001")
QUEUE_STATUSES = ["needs_audio", "needs_prompt"]


def populate(conn: Any, artists: int, per_artist: int) -> tuple[uuid.UUID, str]:
    """The whole data set in a few set-based statements; the member joins the first artist."""
    conn.execute(
        "INSERT INTO public.artists (name, slug) "
        "SELECT format('Bench Artist %%s', n), format('bench-artist-%%s', n) FROM generate_series(1, %s) n",
        (artists,),
    )
    conn.execute(
        "INSERT INTO public.user_artists (user_id, artist_id, role) "
        "SELECT gen_random_uuid(), id, 'owner' FROM public.artists"
    )
    conn.execute(
        """
        INSERT INTO public.als_summaries (artist_id, project_name, als_filename, parse_id, summary)
        SELECT a.id, format('Project %%s', n %% 10), format('Set %%s.als', n), format('%%s-%%s', a.slug, n),
               jsonb_build_object('tempo', 120 + n %% 20)
        FROM public.artists a CROSS JOIN generate_series(1, %s) n
        """,
        (per_artist,),
    )
    conn.execute(
        """
        INSERT INTO public.training_items (artist_id, parse_id, als_filename, status, created_at)
        SELECT a.id, format('p-%%s', n), format('Set %%s.als', n),
               (ARRAY['needs_audio', 'needs_prompt', 'ready', 'exported', 'failed'])[1 + n %% 5],
               now() - n * interval '1 minute'
        FROM public.artists a CROSS JOIN generate_series(1, %s) n
        """,
        (per_artist,),
    )
    conn.execute(
        """
        INSERT INTO storage.objects (bucket_id, name, metadata)
        SELECT 'dawa-exports', format('artists/%%s/uploads/Project %%s/Set %%s.als', a.slug, n %% 10, n),
               jsonb_build_object('size', 1000 + n)
        FROM public.artists a CROSS JOIN generate_series(1, %s) n
        """,
        (per_artist,),
    )
    artist_id, slug = conn.execute(
        "SELECT id, slug FROM public.artists ORDER BY created_at, name LIMIT 1"
    ).fetchone()
    conn.execute(
        "INSERT INTO public.user_artists (user_id, artist_id, role) VALUES (%s, %s, 'member')",
        (MEMBER, artist_id),
    )
    for table in ("public.artists", "public.user_artists", "public.als_summaries", "public.training_items"):
        conn.execute(f"ANALYZE {table}")
    conn.execute("ANALYZE storage.objects")
    return artist_id, slug


def timed(conn: Any, role: str, query: str, params: tuple[Any, ...], repeats: int) -> tuple[float, int]:
    """Median milliseconds of `query` as `role` (the member's claims for authenticated), and its row count."""
    claims = {"role": role} | ({"sub": str(MEMBER)} if role == "authenticated" else {})
    samples: list[float] = []
    rows = 0
    for _ in range(repeats):
        with conn.transaction():
            conn.execute(f"SET LOCAL ROLE {role}")
            conn.execute("SELECT set_config('request.jwt.claims', %s, true)", (json.dumps(claims),))
            started = time.perf_counter()
            rows = len(conn.execute(query, params).fetchall())
            samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--artists", type=int, default=1000)
    parser.add_argument("--per-artist", type=int, default=100, help="summaries, items and objects each")
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args()

    from dawa_pipeline.db.connection import connect

    with scratch_database("dawa-bench-rls-") as (_, url), connect(url, autocommit=True) as conn:
        started = time.perf_counter()
        artist_id, slug = populate(conn, args.artists, args.per_artist)
        print(
            f"{args.artists} artists, {args.artists * args.per_artist} summaries, training items and "
            f"objects each, loaded in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        mine = [artist_id]
        folder = f"artists/{slug}/%"
        summary = "SELECT id, parse_id, als_filename FROM public.als_summaries"
        queue = "SELECT id, parse_id, status FROM public.training_items"
        listing = (
            "SELECT name, metadata FROM storage.objects "
            "WHERE bucket_id = 'dawa-exports' AND name LIKE %s ORDER BY name COLLATE \"C\" LIMIT 1001"
        )
        cases = [
            ("unfiltered listing", summary, (), f"{summary} WHERE artist_id = ANY(%s)", (mine,)),
            (
                "filtered listing",
                f"{summary} WHERE artist_id = %s",
                (artist_id,),
                f"{summary} WHERE artist_id = %s",
                (artist_id,),
            ),
            (
                "training queue",
                f"{queue} WHERE status = ANY(%s) ORDER BY created_at, id",
                (QUEUE_STATUSES,),
                f"{queue} WHERE artist_id = ANY(%s) AND status = ANY(%s) ORDER BY created_at, id",
                (mine, QUEUE_STATUSES),
            ),
            ("storage folder listing", listing, (folder,), listing, (folder,)),
        ]
        print(f"\n{'query':<24} {'member ms':>10} {'service ms':>11} {'rows':>6} {'ratio':>7}  target")
        worst = 0.0
        for name, member_sql, member_params, service_sql, service_params in cases:
            timed(conn, "authenticated", member_sql, member_params, 5)  # warm the caches and plans
            member_ms, member_rows = timed(conn, "authenticated", member_sql, member_params, args.repeats)
            service_ms, service_rows = timed(conn, "service_role", service_sql, service_params, args.repeats)
            if member_rows != service_rows:
                raise SystemExit(f"{name}: member saw {member_rows} rows, service role {service_rows}")
            ratio = member_ms / service_ms
            worst = max(worst, ratio)
            verdict = "ok" if ratio <= TARGET_RATIO else "OVER"
            print(
                f"{name:<24} {member_ms:>10.3f} {service_ms:>11.3f} {member_rows:>6} {ratio:>6.2f}x  "
                f"<= {TARGET_RATIO:g}x {verdict}"
            )
        print(f"\nworst ratio {worst:.2f}x (target <= {TARGET_RATIO:g}x)")
        return 0 if worst <= TARGET_RATIO else 1


if __name__ == "__main__":
    raise SystemExit(main())
