-- DAWA's additions beside the seed's als_summaries: where the set came from in storage and its content hash,
-- so the pipeline finds the latest parse of an upload and re-parses only changed bytes.
ALTER TABLE public.als_summaries ADD COLUMN IF NOT EXISTS source_path text;
ALTER TABLE public.als_summaries ADD COLUMN IF NOT EXISTS source_sha256 text;
CREATE INDEX IF NOT EXISTS als_summaries_artist_source_idx
    ON public.als_summaries (artist_id, source_path, parse_timestamp DESC);
