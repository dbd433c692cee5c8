"""Helpers for training runs: an environment over the test's Postgres, a storage folder and a Dagster
instance that stores real parsed sets as summaries (with their items, as the summary table handler does) and
does what the daemon does with the training audio sensor; and the OpenAI writer over a scripted transport."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import dagster as dg
import httpx
import numpy as np
import openai
import soundfile as sf

from dawa_pipeline.als import parse_als, parse_id
from dawa_pipeline.assets.training import (
    PromptWriterResource,
    training_checks,
    training_dataset,
    training_prompts,
)
from dawa_pipeline.db import summaries, training_items
from dawa_pipeline.db.artists import Artist, ensure_artist
from dawa_pipeline.db.connection import connect
from dawa_pipeline.db.training_items import TrainingItem
from dawa_pipeline.definitions import build_resources
from dawa_pipeline.llm.openai_writer import OpenAIWriter
from dawa_pipeline.partitions import artist_partitions
from dawa_pipeline.resources import DatabaseResource, StorageResource
from dawa_pipeline.storage import layout
from dawa_pipeline.storage.local import LocalStorage
from dawa_pipeline.training.captions import CaptionContext
from dawa_pipeline.training.offline_writer import OfflineWriter
from dawa_pipeline.training_sensors import training_audio_sensor

TRAINING_ASSETS = [training_prompts, training_dataset, *training_checks]
ARTIST = "Nightshift Atlas"
MOCK_MODEL = "gpt-mock-captions"


@dataclass
class TrainingEnv:
    database_url: str
    storage_root: Path
    instance: dg.DagsterInstance
    writer: PromptWriterResource = field(default_factory=lambda: PromptWriterResource(offline=True))
    cursor: str | None = None

    @property
    def storage(self) -> LocalStorage:
        return LocalStorage(self.storage_root)

    @property
    def resources(self) -> dict[str, Any]:
        resources = build_resources(
            DatabaseResource(url=self.database_url), StorageResource(root=str(self.storage_root))
        )
        return {**resources, "prompt_writer": self.writer}

    def artist(self, name: str = ARTIST) -> Artist:
        with connect(self.database_url) as conn:
            artist = ensure_artist(conn, name)
            conn.commit()
        self.instance.add_dynamic_partitions(artist_partitions.name, [artist.slug])
        return artist

    def add_sets(self, files: list[Path], artist_name: str = ARTIST) -> list[TrainingItem]:
        """Parse real sets and store them the way the summary table handler does: upsert, then items."""
        artist = self.artist(artist_name)
        rows = []
        for path in files:
            summary = parse_als(
                path, artist_name=artist_name, project_name=path.parent.name.removesuffix(" Project")
            )
            pid = parse_id(artist_name, summary.source.sha256)
            rows.append(
                summaries.SummaryRow(
                    artist_id=artist.id,
                    parse_id=pid,
                    project_name=summary.project_name,
                    als_filename=summary.als_filename,
                    summary=summary.model_dump(mode="json"),
                    export_path="",
                    source_path=layout.upload_path(artist.slug, summary.project_name, summary.als_filename),
                    source_sha256=summary.source.sha256,
                )
            )
        with connect(self.database_url) as conn:
            stored = summaries.upsert_summaries(conn, rows)
            items = training_items.ensure_items_for_summaries(conn, stored)
            conn.commit()
        return items

    def item(self, item_id: UUID) -> TrainingItem:
        with connect(self.database_url) as conn:
            return training_items.get_item(conn, item_id)

    def put_audio(self, item: TrainingItem, data: bytes, slug: str = "nightshift-atlas") -> str:
        path = layout.training_audio_path(slug, item.id)
        self.storage.put(path, data, "audio/mpeg")
        return path

    def tick(self) -> dg.SensorResult:
        """Evaluate the training audio sensor once and apply its partition requests and cursor."""
        with dg.build_sensor_context(
            instance=self.instance, cursor=self.cursor, resources=self.resources
        ) as context:
            result = training_audio_sensor(context)
        assert isinstance(result, dg.SensorResult)
        for request in result.dynamic_partitions_requests or []:
            self.instance.add_dynamic_partitions(
                request.partitions_def_name, list(request.partition_keys or [])
            )
        self.cursor = result.cursor
        return result

    def materialize(
        self,
        asset: str,
        slug: str = "nightshift-atlas",
        *,
        run_config: dict | None = None,
        raise_on_error: bool = True,
    ) -> dg.ExecuteInProcessResult:
        return dg.materialize(
            TRAINING_ASSETS,
            selection=[asset],
            partition_key=slug,
            instance=self.instance,
            resources=self.resources,
            run_config=run_config,
            raise_on_error=raise_on_error,
        )

    def dataset_zips(self, slug: str = "nightshift-atlas") -> list[str]:
        return [o.path for o in self.storage.list(f"artists/{slug}/datasets/")]


def encoded(signal: np.ndarray, sample_rate: int = 32_000, fmt: str = "MP3") -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, signal, sample_rate, format=fmt)
    return buffer.getvalue()


# --- OpenAI at the HTTP transport ------------------------------------------------------------------------


def _completion(content: str | None, refusal: str | None = None) -> httpx.Response:
    message = {"role": "assistant", "content": content, "refusal": refusal}
    body = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1_800_000_000,
        "model": MOCK_MODEL,
        "choices": [{"index": 0, "message": message, "finish_reason": "stop", "logprobs": None}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    }
    return httpx.Response(200, json=body)


def _answer(reply: str, request: httpx.Request) -> httpx.Response:
    if reply == "refuse":
        return _completion(None, refusal="I can't help with describing this recording.")
    if reply == "error":
        return httpx.Response(400, json={"error": {"message": "bad request: model overloaded", "type": "x"}})
    # A good answer: the offline writer's caption for the evidence the writer sent.
    user = json.loads(request.content)["messages"][1]["content"]
    evidence = json.loads(user.split("\n", 1)[1])
    caption = OfflineWriter().write(CaptionContext(**evidence, forbidden_names=[]))
    return _completion(caption.model_dump_json())


class ScriptedOpenAIWriter(PromptWriterResource):
    """The real OpenAI writer and SDK against an HTTP transport that answers the n-th request with the n-th
    reply of `replies` ("refuse", "error" or "ok"; the last repeats)."""

    replies: list[str]

    def writer(self) -> OpenAIWriter:
        served: list[httpx.Request] = []

        def handler(request: httpx.Request) -> httpx.Response:
            served.append(request)
            return _answer(self.replies[min(len(served), len(self.replies)) - 1], request)

        client = openai.OpenAI(
            api_key="sk-test",
            base_url="http://llm.test/v1",
            http_client=httpx.Client(transport=httpx.MockTransport(handler)),
        )
        return OpenAIWriter(MOCK_MODEL, client=client, max_retries=0, timeout=2.0)
