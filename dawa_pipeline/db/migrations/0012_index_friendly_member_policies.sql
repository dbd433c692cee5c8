-- The member policies of 0003 (summaries, training items) and 0005 (the dawa-exports bucket), rewritten with
-- the same meaning in a form Postgres plans well at 100k rows (benchmarks/bench_rls.py):
-- * Tables: `artist_id = ANY (ARRAY(subquery))` instead of a correlated EXISTS. The member's artist ids are
--   read once per statement (an InitPlan), so a query without its own artist filter becomes an index scan
--   on (artist_id, ...) instead of a sequential scan that runs the EXISTS for every row. The subquery still
--   sees user_artists through its own policy, exactly as the EXISTS did.
-- * storage.objects: the same folder rule ('artists/{slug}/...' for a slug of one of the member's artists)
--   without calling the plpgsql storage.foldername() twice per row: `name LIKE 'artists/%/%'` holds exactly
--   when foldername(name)[1] = 'artists' and a second folder exists, and split_part(name, '/', 2) is that
--   second folder.
-- Policies are dropped and recreated under their existing names.

DROP POLICY IF EXISTS "read summaries for my artists" ON public.als_summaries;
CREATE POLICY "read summaries for my artists"
ON public.als_summaries FOR SELECT TO authenticated
USING (
    artist_id = ANY (ARRAY(
        SELECT ua.artist_id FROM public.user_artists ua WHERE ua.user_id = (SELECT auth.uid())
    ))
);

DROP POLICY IF EXISTS "Users can read their own training items" ON public.training_items;
CREATE POLICY "Users can read their own training items"
ON public.training_items FOR SELECT TO authenticated
USING (
    artist_id = ANY (ARRAY(
        SELECT ua.artist_id FROM public.user_artists ua WHERE ua.user_id = (SELECT auth.uid())
    ))
);

DROP POLICY IF EXISTS "Users can insert training items for their artists" ON public.training_items;
CREATE POLICY "Users can insert training items for their artists"
ON public.training_items FOR INSERT TO authenticated
WITH CHECK (
    artist_id = ANY (ARRAY(
        SELECT ua.artist_id FROM public.user_artists ua WHERE ua.user_id = (SELECT auth.uid())
    ))
);

-- Without WITH CHECK the USING expression also checks the new row: an item cannot move to another artist.
DROP POLICY IF EXISTS "Users can update their own training items" ON public.training_items;
CREATE POLICY "Users can update their own training items"
ON public.training_items FOR UPDATE TO authenticated
USING (
    artist_id = ANY (ARRAY(
        SELECT ua.artist_id FROM public.user_artists ua WHERE ua.user_id = (SELECT auth.uid())
    ))
);

DROP POLICY IF EXISTS "dawa-exports: members read their artists' files" ON storage.objects;
CREATE POLICY "dawa-exports: members read their artists' files"
ON storage.objects FOR SELECT TO authenticated
USING (
    bucket_id = 'dawa-exports'
    AND name LIKE 'artists/%/%'
    AND split_part(name, '/', 2) = ANY (ARRAY(SELECT dawa_private.member_artist_slugs()))
);

DROP POLICY IF EXISTS "dawa-exports: members add their artists' files" ON storage.objects;
CREATE POLICY "dawa-exports: members add their artists' files"
ON storage.objects FOR INSERT TO authenticated
WITH CHECK (
    bucket_id = 'dawa-exports'
    AND name LIKE 'artists/%/%'
    AND split_part(name, '/', 2) = ANY (ARRAY(SELECT dawa_private.member_artist_slugs()))
);

DROP POLICY IF EXISTS "dawa-exports: members update their artists' files" ON storage.objects;
CREATE POLICY "dawa-exports: members update their artists' files"
ON storage.objects FOR UPDATE TO authenticated
USING (
    bucket_id = 'dawa-exports'
    AND name LIKE 'artists/%/%'
    AND split_part(name, '/', 2) = ANY (ARRAY(SELECT dawa_private.member_artist_slugs()))
)
WITH CHECK (
    bucket_id = 'dawa-exports'
    AND name LIKE 'artists/%/%'
    AND split_part(name, '/', 2) = ANY (ARRAY(SELECT dawa_private.member_artist_slugs()))
);

DROP POLICY IF EXISTS "dawa-exports: members delete their artists' files" ON storage.objects;
CREATE POLICY "dawa-exports: members delete their artists' files"
ON storage.objects FOR DELETE TO authenticated
USING (
    bucket_id = 'dawa-exports'
    AND name LIKE 'artists/%/%'
    AND split_part(name, '/', 2) = ANY (ARRAY(SELECT dawa_private.member_artist_slugs()))
);

-- The listing indexes Supabase Storage's own migrations put on storage.objects, where 0001's stand-in
-- lacks them (on Supabase they exist and nothing changes), and an index on the artist folder of the policy
-- above. Postgres cannot use a member's own `name LIKE 'artists/x/%'` to pick index rows before the policy
-- has passed them (LIKE is not leakproof), so without this index every member listing scans the whole
-- bucket; with it the policy itself selects the member's artists' rows. Where the migration's role may not
-- index storage.objects (a platform that owns the storage schema), the policies still hold, only slower.
DO $$
BEGIN
    IF to_regclass('storage.name_prefix_search') IS NULL THEN
        CREATE INDEX name_prefix_search ON storage.objects (name text_pattern_ops);
    END IF;
    IF to_regclass('storage.idx_objects_bucket_id_name') IS NULL THEN
        CREATE INDEX idx_objects_bucket_id_name ON storage.objects (bucket_id, name COLLATE "C");
    END IF;
    IF to_regclass('storage.dawa_objects_artist_folder') IS NULL THEN
        CREATE INDEX dawa_objects_artist_folder ON storage.objects (bucket_id, split_part(name, '/', 2))
        WHERE name LIKE 'artists/%/%';
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'storage.objects cannot be indexed by %: member storage listings will scan the bucket',
        current_user;
END
$$;
