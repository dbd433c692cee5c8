-- Which parse is current for each uploaded set. One als_summaries row stands for an artist's bytes (the seed's
-- unique (artist_id, parse_id), parse_id derived from artist and bytes), so identical bytes uploaded at two
-- paths share a row and its source_path names only the last; and a file reverted to earlier bytes points at
-- an older row again. This table keeps each upload path's current parse, whatever other paths did.
-- In dawa_private: the Supabase API does not expose it, and only the pipeline (the owner) reads it.
CREATE TABLE IF NOT EXISTS dawa_private.upload_parses (
    source_path text PRIMARY KEY,
    als_summary_id uuid NOT NULL REFERENCES public.als_summaries (id) ON DELETE CASCADE,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS upload_parses_als_summary_id_idx ON dawa_private.upload_parses (als_summary_id);
REVOKE ALL ON TABLE dawa_private.upload_parses FROM PUBLIC, anon, authenticated;

-- Uploads parsed before this migration: their newest parse, as the pipeline read it until now.
INSERT INTO dawa_private.upload_parses (source_path, als_summary_id, recorded_at)
SELECT DISTINCT ON (source_path) source_path, id, parse_timestamp
FROM public.als_summaries
WHERE source_path IS NOT NULL
ORDER BY source_path, parse_timestamp DESC, created_at DESC
ON CONFLICT (source_path) DO NOTHING;
