-- Beside the seed: artists.slug, the {artist-slug} of every storage path and of the bucket policies.
-- Filled from the name when not given, by the same rule as dawa_pipeline.storage.layout.slugify: NFKD with
-- the combining diacritics (U+0300-U+036F) dropped, lowercased, runs of anything but [a-z0-9] collapsed to
-- '-', trimmed, 'artist' if empty; on collision '-2', '-3', ... is appended. A slug never changes: stored
-- objects are keyed by it.

CREATE OR REPLACE FUNCTION dawa_private.slugify(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = ''
AS $$
    SELECT coalesce(
        nullif(
            btrim(
                regexp_replace(
                    lower(regexp_replace(normalize(coalesce(value, ''), NFKD), '[\u0300-\u036f]', '', 'g')),
                    '[^a-z0-9]+', '-', 'g'
                ),
                '-'
            ),
            ''
        ),
        'artist'
    )
$$;

-- SECURITY DEFINER: the collision check must see every artist, not only those the caller may read.
CREATE OR REPLACE FUNCTION dawa_private.unique_artist_slug(artist_name text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = ''
AS $$
DECLARE
    base text := dawa_private.slugify(artist_name);
    candidate text := base;
    suffix integer := 1;
BEGIN
    WHILE EXISTS (SELECT 1 FROM public.artists a WHERE a.slug = candidate) LOOP
        suffix := suffix + 1;
        candidate := base || '-' || suffix;
    END LOOP;
    RETURN candidate;
END
$$;

CREATE OR REPLACE FUNCTION dawa_private.assign_artist_slug() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = ''
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.slug IS NULL OR NEW.slug = '' THEN
            NEW.slug := dawa_private.unique_artist_slug(NEW.name);
        END IF;
    ELSIF NEW.slug IS DISTINCT FROM OLD.slug THEN
        RAISE EXCEPTION 'artists.slug cannot change (artist %): storage paths are keyed by it', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;

REVOKE ALL ON FUNCTION dawa_private.unique_artist_slug(text) FROM PUBLIC;

ALTER TABLE public.artists ADD COLUMN IF NOT EXISTS slug text;

-- Artists that existed before this migration get slugs in creation order.
DO $$
DECLARE
    pending record;
BEGIN
    FOR pending IN SELECT id, name FROM public.artists WHERE slug IS NULL ORDER BY created_at, id LOOP
        UPDATE public.artists SET slug = dawa_private.unique_artist_slug(pending.name) WHERE id = pending.id;
    END LOOP;
END
$$;

ALTER TABLE public.artists ALTER COLUMN slug SET NOT NULL;

DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint WHERE conrelid = 'public.artists'::regclass AND conname = 'artists_slug_key'
    ) THEN
        ALTER TABLE public.artists ADD CONSTRAINT artists_slug_key UNIQUE (slug);
    END IF;
    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint WHERE conrelid = 'public.artists'::regclass AND conname = 'artists_slug_check'
    ) THEN
        ALTER TABLE public.artists ADD CONSTRAINT artists_slug_check CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$');
    END IF;
END
$$;

CREATE OR REPLACE TRIGGER artists_assign_slug
    BEFORE INSERT OR UPDATE OF slug ON public.artists
    FOR EACH ROW EXECUTE FUNCTION dawa_private.assign_artist_slug();
