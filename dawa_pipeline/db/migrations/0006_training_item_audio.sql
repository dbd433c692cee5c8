-- Beside the seed's training_items: why an item failed (the training issue asks for "the reason kept in a
-- new column"), and what the audio checks measured on the uploaded file.
ALTER TABLE public.training_items ADD COLUMN IF NOT EXISTS failure_reason text;
ALTER TABLE public.training_items ADD COLUMN IF NOT EXISTS audio_duration_seconds double precision;
ALTER TABLE public.training_items ADD COLUMN IF NOT EXISTS audio_sample_rate integer;

DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
        WHERE conrelid = 'public.training_items'::regclass AND conname = 'training_items_audio_measures_check'
    ) THEN
        ALTER TABLE public.training_items ADD CONSTRAINT training_items_audio_measures_check
            CHECK (audio_duration_seconds > 0 AND audio_sample_rate > 0);
    END IF;
END
$$;
