-- Row level security on all five seed tables. The seed's four policies keep their names and meaning, in
-- the form Supabase recommends ((select auth.uid()) evaluated once per statement, TO authenticated so anon
-- short-circuits). The seed left artists, artist_profiles and user_artists open "until production"; here
-- members read their artists and profiles, a user reads their own memberships, and only an artist's owners
-- (or the service role, which bypasses RLS) change them. Policies are dropped and recreated so this also
-- upgrades a project that still has the seed's original ones.

ALTER TABLE public.artists ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.artist_profiles ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.user_artists ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.als_summaries ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.training_items ENABLE ROW LEVEL SECURITY;

-- Every policy column is indexed as the leading column of some index: user_artists (user_id, ...) by its
-- primary key, als_summaries (artist_id, parse_id) and training_items (artist_id, status) by the seed.
CREATE INDEX IF NOT EXISTS user_artists_artist_id_idx ON public.user_artists (artist_id);

-- The artists the current user belongs to / owns. SECURITY DEFINER so that policies on user_artists can
-- ask about user_artists without recursing into their own policy; called as ARRAY(SELECT ...) so they run
-- once per statement.
CREATE OR REPLACE FUNCTION dawa_private.member_artist_ids() RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
AS $$
    SELECT ua.artist_id FROM public.user_artists ua WHERE ua.user_id = (SELECT auth.uid())
$$;

CREATE OR REPLACE FUNCTION dawa_private.owned_artist_ids() RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
AS $$
    SELECT ua.artist_id FROM public.user_artists ua
    WHERE ua.user_id = (SELECT auth.uid()) AND ua.role = 'owner'
$$;

REVOKE ALL ON FUNCTION dawa_private.member_artist_ids() FROM PUBLIC;
REVOKE ALL ON FUNCTION dawa_private.owned_artist_ids() FROM PUBLIC;
GRANT USAGE ON SCHEMA dawa_private TO authenticated;
GRANT EXECUTE ON FUNCTION dawa_private.member_artist_ids() TO authenticated;
GRANT EXECUTE ON FUNCTION dawa_private.owned_artist_ids() TO authenticated;

-- als_summaries (seed). Summaries with artist_id IS NULL match no membership and stay invisible.
DROP POLICY IF EXISTS "read summaries for my artists" ON public.als_summaries;
CREATE POLICY "read summaries for my artists"
ON public.als_summaries FOR SELECT TO authenticated
USING (
    EXISTS (
        SELECT 1 FROM public.user_artists ua
        WHERE ua.user_id = (SELECT auth.uid()) AND ua.artist_id = als_summaries.artist_id
    )
);

-- training_items (seed). No DELETE policy: only the service role deletes.
DROP POLICY IF EXISTS "Users can read their own training items" ON public.training_items;
CREATE POLICY "Users can read their own training items"
ON public.training_items FOR SELECT TO authenticated
USING (
    EXISTS (
        SELECT 1 FROM public.user_artists ua
        WHERE ua.user_id = (SELECT auth.uid()) AND ua.artist_id = training_items.artist_id
    )
);

DROP POLICY IF EXISTS "Users can insert training items for their artists" ON public.training_items;
CREATE POLICY "Users can insert training items for their artists"
ON public.training_items FOR INSERT TO authenticated
WITH CHECK (
    EXISTS (
        SELECT 1 FROM public.user_artists ua
        WHERE ua.user_id = (SELECT auth.uid()) AND ua.artist_id = training_items.artist_id
    )
);

-- Without WITH CHECK the USING expression also checks the new row: an item cannot move to another artist.
DROP POLICY IF EXISTS "Users can update their own training items" ON public.training_items;
CREATE POLICY "Users can update their own training items"
ON public.training_items FOR UPDATE TO authenticated
USING (
    EXISTS (
        SELECT 1 FROM public.user_artists ua
        WHERE ua.user_id = (SELECT auth.uid()) AND ua.artist_id = training_items.artist_id
    )
);

-- artists: members read; owners update; creating and deleting artists is the service role's.
DROP POLICY IF EXISTS "members read their artists" ON public.artists;
CREATE POLICY "members read their artists"
ON public.artists FOR SELECT TO authenticated
USING (id = ANY (ARRAY(SELECT dawa_private.member_artist_ids())));

DROP POLICY IF EXISTS "owners update their artists" ON public.artists;
CREATE POLICY "owners update their artists"
ON public.artists FOR UPDATE TO authenticated
USING (id = ANY (ARRAY(SELECT dawa_private.owned_artist_ids())))
WITH CHECK (id = ANY (ARRAY(SELECT dawa_private.owned_artist_ids())));

-- artist_profiles: members read; owners update; the pipeline (service role) writes them.
DROP POLICY IF EXISTS "members read their artist profiles" ON public.artist_profiles;
CREATE POLICY "members read their artist profiles"
ON public.artist_profiles FOR SELECT TO authenticated
USING (artist_id = ANY (ARRAY(SELECT dawa_private.member_artist_ids())));

DROP POLICY IF EXISTS "owners update their artist profiles" ON public.artist_profiles;
CREATE POLICY "owners update their artist profiles"
ON public.artist_profiles FOR UPDATE TO authenticated
USING (artist_id = ANY (ARRAY(SELECT dawa_private.owned_artist_ids())))
WITH CHECK (artist_id = ANY (ARRAY(SELECT dawa_private.owned_artist_ids())));

-- user_artists: a user reads their own memberships; owners read and manage their artists' memberships.
DROP POLICY IF EXISTS "users read their memberships, owners their artists' memberships" ON public.user_artists;
CREATE POLICY "users read their memberships, owners their artists' memberships"
ON public.user_artists FOR SELECT TO authenticated
USING (
    user_id = (SELECT auth.uid())
    OR artist_id = ANY (ARRAY(SELECT dawa_private.owned_artist_ids()))
);

DROP POLICY IF EXISTS "owners add memberships" ON public.user_artists;
CREATE POLICY "owners add memberships"
ON public.user_artists FOR INSERT TO authenticated
WITH CHECK (artist_id = ANY (ARRAY(SELECT dawa_private.owned_artist_ids())));

DROP POLICY IF EXISTS "owners change memberships" ON public.user_artists;
CREATE POLICY "owners change memberships"
ON public.user_artists FOR UPDATE TO authenticated
USING (artist_id = ANY (ARRAY(SELECT dawa_private.owned_artist_ids())))
WITH CHECK (artist_id = ANY (ARRAY(SELECT dawa_private.owned_artist_ids())));

DROP POLICY IF EXISTS "owners remove memberships" ON public.user_artists;
CREATE POLICY "owners remove memberships"
ON public.user_artists FOR DELETE TO authenticated
USING (artist_id = ANY (ARRAY(SELECT dawa_private.owned_artist_ids())));
