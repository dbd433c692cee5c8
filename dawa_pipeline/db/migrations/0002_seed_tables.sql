-- The seed's five tables (spec/dawa-schema.md), exactly: columns, types, nullability, defaults, keys,
-- foreign keys with their ON DELETE actions and the queue index. IF NOT EXISTS everywhere, because the
-- client's Supabase project already holds these tables; DAWA's additions come in later migrations.

CREATE TABLE IF NOT EXISTS public.artists (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    name text NOT NULL,
    created_at timestamptz DEFAULT now(),
    PRIMARY KEY (id),
    UNIQUE (name)
);

CREATE TABLE IF NOT EXISTS public.artist_profiles (
    artist_id uuid NOT NULL,
    name text,
    master_schema jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz DEFAULT now(),
    updated_at timestamptz DEFAULT now(),
    PRIMARY KEY (artist_id),
    FOREIGN KEY (artist_id) REFERENCES public.artists (id) ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS public.user_artists (
    user_id uuid NOT NULL,
    artist_id uuid NOT NULL,
    role text NOT NULL DEFAULT 'owner',
    created_at timestamptz DEFAULT now(),
    PRIMARY KEY (user_id, artist_id),
    FOREIGN KEY (artist_id) REFERENCES public.artists (id) ON DELETE CASCADE
);

-- (artist_id, parse_id) is a plain UNIQUE constraint: NULLS DISTINCT, so summaries without an artist
-- never collide on it.
CREATE TABLE IF NOT EXISTS public.als_summaries (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    project_name text,
    als_filename text NOT NULL,
    parse_id text NOT NULL,
    parse_timestamp timestamptz NOT NULL DEFAULT now(),
    summary jsonb NOT NULL,
    export_path text,
    artist_id uuid,
    created_at timestamptz DEFAULT now(),
    PRIMARY KEY (id),
    UNIQUE (als_filename, parse_id),
    UNIQUE (artist_id, parse_id),
    FOREIGN KEY (artist_id) REFERENCES public.artists (id) ON DELETE SET NULL
);

CREATE TABLE IF NOT EXISTS public.training_items (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    artist_id uuid NOT NULL,
    als_summary_id uuid,
    parse_id text NOT NULL,
    als_filename text,
    project_name text,
    audio_path text,
    prompt_path text,
    prompt_text text,
    status text NOT NULL DEFAULT 'needs_audio',
    system_prompt_version text,
    model_name text,
    generated_at timestamptz,
    created_at timestamptz DEFAULT now(),
    updated_at timestamptz DEFAULT now(),
    PRIMARY KEY (id),
    FOREIGN KEY (artist_id) REFERENCES public.artists (id) ON DELETE CASCADE,
    FOREIGN KEY (als_summary_id) REFERENCES public.als_summaries (id) ON DELETE SET NULL
);

CREATE INDEX IF NOT EXISTS training_items_artist_id_status_idx ON public.training_items (artist_id, status);

-- The seed's five status values, enforced.
DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
        WHERE conrelid = 'public.training_items'::regclass AND conname = 'training_items_status_check'
    ) THEN
        ALTER TABLE public.training_items ADD CONSTRAINT training_items_status_check
            CHECK (status IN ('needs_audio', 'needs_prompt', 'ready', 'exported', 'failed'));
    END IF;
END
$$;

-- DAWA's own functions live in a schema the Supabase API does not expose.
CREATE SCHEMA IF NOT EXISTS dawa_private;
REVOKE ALL ON SCHEMA dawa_private FROM PUBLIC;

CREATE OR REPLACE FUNCTION dawa_private.set_updated_at() RETURNS trigger
LANGUAGE plpgsql SET search_path = ''
AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;

CREATE OR REPLACE TRIGGER artist_profiles_set_updated_at
    BEFORE UPDATE ON public.artist_profiles
    FOR EACH ROW EXECUTE FUNCTION dawa_private.set_updated_at();

CREATE OR REPLACE TRIGGER training_items_set_updated_at
    BEFORE UPDATE ON public.training_items
    FOR EACH ROW EXECUTE FUNCTION dawa_private.set_updated_at();
