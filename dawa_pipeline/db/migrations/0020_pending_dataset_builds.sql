-- A dataset build between building its zip and marking its items exported (issue 13). The row is written
-- before the zip is stored and deleted in the transaction that marks the items exported, so a build killed
-- in between leaves it behind: the artist's next build adopts the stored zip when it is complete and its
-- items unchanged, or deletes the zip and the row and builds again. At most one per artist, as builds of an
-- artist never overlap. In dawa_private (the Supabase API does not expose it); RLS on without policies, so
-- only the pipeline (the owner) reads or writes it.
CREATE TABLE IF NOT EXISTS dawa_private.pending_dataset_builds (
    artist_id uuid PRIMARY KEY REFERENCES public.artists (id) ON DELETE CASCADE,
    zip_path text NOT NULL,
    item_ids uuid[] NOT NULL CHECK (cardinality(item_ids) > 0),
    items_updated_at timestamptz NOT NULL,
    size_bytes bigint NOT NULL CHECK (size_bytes > 0),
    sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    report jsonb NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE dawa_private.pending_dataset_builds ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON TABLE dawa_private.pending_dataset_builds FROM PUBLIC, anon, authenticated;
