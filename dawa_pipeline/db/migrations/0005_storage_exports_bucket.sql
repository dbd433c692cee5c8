-- The private dawa-exports bucket, reachable only by an artist's members under artists/{slug}/...
-- The seed's "public read/insert/update" policies on this bucket let anyone read every artist's sessions,
-- so any policy that lets public or anon touch the bucket is dropped. The pipeline writes with the service
-- key, which bypasses these policies.

INSERT INTO storage.buckets (id, name, public) VALUES ('dawa-exports', 'dawa-exports', false)
ON CONFLICT (id) DO NOTHING;
UPDATE storage.buckets SET public = false WHERE id = 'dawa-exports' AND public IS DISTINCT FROM false;

DO $$
DECLARE
    open_policy record;
BEGIN
    FOR open_policy IN
        SELECT policyname FROM pg_policies
        WHERE schemaname = 'storage' AND tablename = 'objects'
          AND roles && ARRAY['public', 'anon']::name[]
          AND concat(qual, ' ', with_check) LIKE '%dawa-exports%'
    LOOP
        EXECUTE format('DROP POLICY %I ON storage.objects', open_policy.policyname);
    END LOOP;
END
$$;

-- Slugs of the current user's artists; SECURITY DEFINER for the same reason as member_artist_ids().
CREATE OR REPLACE FUNCTION dawa_private.member_artist_slugs() RETURNS SETOF text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
AS $$
    SELECT a.slug FROM public.artists a
    JOIN public.user_artists ua ON ua.artist_id = a.id
    WHERE ua.user_id = (SELECT auth.uid())
$$;

REVOKE ALL ON FUNCTION dawa_private.member_artist_slugs() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dawa_private.member_artist_slugs() TO authenticated;

-- 'artists/{slug}/...': folder 1 is 'artists', folder 2 the slug. Upserts need SELECT, INSERT and UPDATE.
DROP POLICY IF EXISTS "dawa-exports: members read their artists' files" ON storage.objects;
CREATE POLICY "dawa-exports: members read their artists' files"
ON storage.objects FOR SELECT TO authenticated
USING (
    bucket_id = 'dawa-exports'
    AND (storage.foldername(name))[1] = 'artists'
    AND (storage.foldername(name))[2] = ANY (ARRAY(SELECT dawa_private.member_artist_slugs()))
);

DROP POLICY IF EXISTS "dawa-exports: members add their artists' files" ON storage.objects;
CREATE POLICY "dawa-exports: members add their artists' files"
ON storage.objects FOR INSERT TO authenticated
WITH CHECK (
    bucket_id = 'dawa-exports'
    AND (storage.foldername(name))[1] = 'artists'
    AND (storage.foldername(name))[2] = ANY (ARRAY(SELECT dawa_private.member_artist_slugs()))
);

DROP POLICY IF EXISTS "dawa-exports: members update their artists' files" ON storage.objects;
CREATE POLICY "dawa-exports: members update their artists' files"
ON storage.objects FOR UPDATE TO authenticated
USING (
    bucket_id = 'dawa-exports'
    AND (storage.foldername(name))[1] = 'artists'
    AND (storage.foldername(name))[2] = ANY (ARRAY(SELECT dawa_private.member_artist_slugs()))
)
WITH CHECK (
    bucket_id = 'dawa-exports'
    AND (storage.foldername(name))[1] = 'artists'
    AND (storage.foldername(name))[2] = ANY (ARRAY(SELECT dawa_private.member_artist_slugs()))
);

DROP POLICY IF EXISTS "dawa-exports: members delete their artists' files" ON storage.objects;
CREATE POLICY "dawa-exports: members delete their artists' files"
ON storage.objects FOR DELETE TO authenticated
USING (
    bucket_id = 'dawa-exports'
    AND (storage.foldername(name))[1] = 'artists'
    AND (storage.foldername(name))[2] = ANY (ARRAY(SELECT dawa_private.member_artist_slugs()))
);
