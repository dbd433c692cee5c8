-- What Supabase provides and DAWA's policies rely on, recreated on plain Postgres so that every later
-- migration runs unchanged on both. Each object is created only when missing: on Supabase this file
-- changes nothing but the (idempotent) grants on public and the migrations table.
-- Sources: supabase/postgres init-scripts/00000000000000-initial-schema.sql (roles, grants),
-- supabase/auth 20240624145325_recreate_auth_functions (auth.uid/role/email/jwt),
-- supabase/storage tenant migrations (storage.buckets, storage.objects, storage.foldername).

-- Roles are cluster-wide: another database on the same server may create them concurrently.
DO $$
DECLARE
    wanted record;
BEGIN
    FOR wanted IN
        SELECT * FROM (VALUES
            ('anon', 'NOLOGIN NOINHERIT'),
            ('authenticated', 'NOLOGIN NOINHERIT'),
            ('service_role', 'NOLOGIN NOINHERIT BYPASSRLS')
        ) AS r (name, options)
    LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = wanted.name) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I %s', wanted.name, wanted.options);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;
            END;
        END IF;
    END LOOP;
END
$$;

-- auth: the JWT claims PostgREST sets per request (request.jwt.claims, or the legacy request.jwt.claim.*).
-- A transaction-local setting reads back as '' after its transaction, hence the nullif.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'auth') THEN
        CREATE SCHEMA auth;
        GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role;
    END IF;

    IF to_regprocedure('auth.uid()') IS NULL THEN
        CREATE FUNCTION auth.uid() RETURNS uuid
        LANGUAGE sql STABLE SET search_path = ''
        AS $fn$
            SELECT coalesce(
                nullif(current_setting('request.jwt.claim.sub', true), ''),
                (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
            )::uuid
        $fn$;
    END IF;

    IF to_regprocedure('auth.role()') IS NULL THEN
        CREATE FUNCTION auth.role() RETURNS text
        LANGUAGE sql STABLE SET search_path = ''
        AS $fn$
            SELECT coalesce(
                nullif(current_setting('request.jwt.claim.role', true), ''),
                (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
            )::text
        $fn$;
    END IF;

    IF to_regprocedure('auth.email()') IS NULL THEN
        CREATE FUNCTION auth.email() RETURNS text
        LANGUAGE sql STABLE SET search_path = ''
        AS $fn$
            SELECT coalesce(
                nullif(current_setting('request.jwt.claim.email', true), ''),
                (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
            )::text
        $fn$;
    END IF;

    IF to_regprocedure('auth.jwt()') IS NULL THEN
        CREATE FUNCTION auth.jwt() RETURNS jsonb
        LANGUAGE sql STABLE SET search_path = ''
        AS $fn$
            SELECT coalesce(
                nullif(current_setting('request.jwt.claim', true), ''),
                nullif(current_setting('request.jwt.claims', true), '')
            )::jsonb
        $fn$;
    END IF;

    -- Minimal: enough for REFERENCES auth.users (id) and for tests that create users.
    IF to_regclass('auth.users') IS NULL THEN
        CREATE TABLE auth.users (
            id uuid PRIMARY KEY,
            email text,
            created_at timestamptz DEFAULT now()
        );
    END IF;
END
$$;

-- public: Supabase's default grants. Row level security, not privileges, decides what each role sees, which
-- is why every DAWA table enables it.
GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON FUNCTIONS TO anon, authenticated, service_role;

-- The migrations table is bookkeeping, not API: no policies, and no privileges for API roles.
ALTER TABLE public.dawa_migrations ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.dawa_migrations FROM anon, authenticated;

-- storage: the columns and helper that bucket policies use.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'storage') THEN
        CREATE SCHEMA storage;
        GRANT USAGE ON SCHEMA storage TO anon, authenticated, service_role;
    END IF;

    IF to_regclass('storage.buckets') IS NULL THEN
        CREATE TABLE storage.buckets (
            id text PRIMARY KEY,
            name text NOT NULL,
            owner uuid,
            owner_id text,
            public boolean DEFAULT false,
            file_size_limit bigint,
            allowed_mime_types text[],
            created_at timestamptz DEFAULT now(),
            updated_at timestamptz DEFAULT now()
        );
        CREATE UNIQUE INDEX bname ON storage.buckets (name);
        ALTER TABLE storage.buckets ENABLE ROW LEVEL SECURITY;
        GRANT ALL ON storage.buckets TO anon, authenticated, service_role;
    END IF;

    IF to_regclass('storage.objects') IS NULL THEN
        CREATE TABLE storage.objects (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            bucket_id text REFERENCES storage.buckets (id),
            name text,
            owner uuid,
            owner_id text,
            created_at timestamptz DEFAULT now(),
            updated_at timestamptz DEFAULT now(),
            last_accessed_at timestamptz DEFAULT now(),
            metadata jsonb,
            user_metadata jsonb,
            version text,
            path_tokens text[] GENERATED ALWAYS AS (string_to_array(name, '/')) STORED
        );
        CREATE UNIQUE INDEX bucketid_objname ON storage.objects (bucket_id, name);
        ALTER TABLE storage.objects ENABLE ROW LEVEL SECURITY;
        GRANT ALL ON storage.objects TO anon, authenticated, service_role;
    END IF;

    -- 'artists/a/b/file.mp3' -> {artists,a,b}
    IF to_regprocedure('storage.foldername(text)') IS NULL THEN
        CREATE FUNCTION storage.foldername(name text) RETURNS text[]
        LANGUAGE plpgsql IMMUTABLE SET search_path = ''
        AS $fn$
        DECLARE
            parts text[];
        BEGIN
            parts := string_to_array(name, '/');
            RETURN parts[1:array_length(parts, 1) - 1];
        END
        $fn$;
    END IF;
END
$$;
