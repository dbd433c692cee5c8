"""Dagster wiring, one folder per area (ingest, profile, training) plus what they share (resources,
partitions, provenance). `dawa_pipeline.definitions` loads all of it."""
