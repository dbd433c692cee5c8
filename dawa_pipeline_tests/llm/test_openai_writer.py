"""The OpenAI writer with the real openai client; only the HTTP transport is replaced (httpx.MockTransport).
A live test runs against the real API when OPENAI_API_KEY is set."""

from __future__ import annotations

import json
import os
from typing import Any

import httpx
import pytest
from openai_transport import BASE_URL, MODEL, Server, completion

from dawa_pipeline.llm.openai_writer import openai_writer_from_env
from dawa_pipeline.settings import DEFAULT_PROMPT_MODEL
from dawa_pipeline.training.captions import (
    CAPTION_RULES,
    Caption,
    CaptionContext,
    CaptionFailed,
    CaptionRefused,
    caption_problems,
)

CONTEXT = CaptionContext(
    genres=["techno"],
    instruments=["sub bass", "synth pads"],
    synth_palette=["wavetable synth"],
    drum_palette=["kick drum", "hi-hats"],
    effects=["reverb"],
    moods=["hypnotic"],
    textures=["late night"],
    bpm=124.0,
    key="A minor",
    time_signature="4/4",
    audio_seconds=30.0,
    forbidden_names=["Nova Vale", "Ada Quill"],
)
GOOD = {
    "text": "Hypnotic techno with a rolling sub bass, wide pads and crisp hi-hats. It moves at 124 bpm.",
    "genre": ["techno"],
    "moods": ["hypnotic"],
    "instruments": ["sub bass", "synth pads", "kick drum"],
    "bpm": 124.0,
    "key": "A minor",
    "keywords": ["late night"],
}


def test_the_request_carries_the_rules_the_evidence_and_a_strict_schema() -> None:
    server = Server(lambda request: completion(json.dumps(GOOD)))
    written = server.writer().write(CONTEXT)
    assert written == Caption(**GOOD)
    (request,) = server.requests
    assert (request.method, str(request.url)) == ("POST", f"{BASE_URL}/chat/completions")
    assert request.headers["Authorization"] == "Bearer sk-test-key"
    body = json.loads(request.content)
    assert body["model"] == MODEL
    response_format = body["response_format"]
    assert response_format["type"] == "json_schema"
    schema = response_format["json_schema"]
    assert (schema["name"], schema["strict"]) == ("Caption", True)
    assert set(schema["schema"]["required"]) == set(Caption.model_fields)
    assert schema["schema"]["additionalProperties"] is False
    system, user = body["messages"]
    assert system["role"] == "system" and CAPTION_RULES in system["content"]
    assert user["role"] == "user" and '"genres": ["techno"]' in user["content"]
    assert "Nova Vale" not in request.content.decode() and "Ada Quill" not in request.content.decode()


def test_typographic_punctuation_from_the_model_is_folded_to_ascii() -> None:
    fancy = {**GOOD, "text": "Hypnotic techno \u2014 a rolling sub bass\u2019s pulse. It moves at 124 bpm."}
    written = Server(lambda request: completion(json.dumps(fancy))).writer().write(CONTEXT)
    assert written.text == "Hypnotic techno - a rolling sub bass's pulse. It moves at 124 bpm."


def test_a_refusal_becomes_caption_refused_with_the_models_reason() -> None:
    server = Server(lambda request: completion(None, refusal="I can't help with that."))
    with pytest.raises(CaptionRefused) as caught:
        server.writer().write(CONTEXT)
    assert caught.value.reason == "I can't help with that."


def test_a_timeout_becomes_caption_failed_after_the_sdk_retries() -> None:
    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("read timed out", request=request)

    server = Server(hang)
    with pytest.raises(CaptionFailed, match="timed out"):
        server.writer(timeout=0.1, max_retries=1).write(CONTEXT)
    assert len(server.requests) == 2


def test_a_rate_limit_is_retried_by_the_sdk_then_succeeds() -> None:
    limited = httpx.Response(429, headers={"retry-after-ms": "1"}, json={"error": {"message": "slow down"}})
    server = Server(lambda request: limited, lambda request: completion(json.dumps(GOOD)))
    assert server.writer(max_retries=2).write(CONTEXT) == Caption(**GOOD)
    assert len(server.requests) == 2


def test_a_persistent_server_error_names_the_status() -> None:
    broken = httpx.Response(503, headers={"retry-after-ms": "1"}, json={"error": {"message": "overloaded"}})
    server = Server(lambda request: broken)
    with pytest.raises(CaptionFailed, match="API error 503"):
        server.writer(max_retries=2).write(CONTEXT)
    assert len(server.requests) == 3


@pytest.mark.parametrize(
    ("response", "reason"),
    [
        (completion('{"text": "cut off'), "not a valid caption"),
        (completion(json.dumps({**GOOD, "bpm": "fast"})), "not a valid caption"),
        (completion(json.dumps({k: v for k, v in GOOD.items() if k != "genre"})), "not a valid caption"),
        (completion(json.dumps({**GOOD, "text": "Techno in the style of Nova Vale."})), "names 'Nova Vale'"),
        (completion(json.dumps({**GOOD, "genre": []})), "genre is empty"),
        (completion('{"text": "Hypno', finish_reason="length"), "cut off at the length limit"),
        (httpx.Response(401, json={"error": {"message": "bad key"}}), "API error 401"),
    ],
)
def test_unusable_answers_become_caption_failed_with_the_cause(response: httpx.Response, reason: str) -> None:
    with pytest.raises(CaptionFailed, match=reason):
        Server(lambda request: response).writer().write(CONTEXT)


def test_writer_from_env_needs_a_key_and_reads_model_and_base_url() -> None:
    assert openai_writer_from_env({}) is None
    default = openai_writer_from_env({"OPENAI_API_KEY": "sk-x"})
    assert default is not None and default.name == DEFAULT_PROMPT_MODEL
    custom = openai_writer_from_env(
        {
            "OPENAI_API_KEY": "sk-x",
            "OPENAI_BASE_URL": "http://localhost:11434/v1",
            "DAWA_PROMPT_MODEL": "llama3",
        }
    )
    assert custom is not None and custom.name == "llama3"
    assert custom.base_url.rstrip("/") == "http://localhost:11434/v1"


@pytest.mark.live
@pytest.mark.skipif(not os.environ.get("OPENAI_API_KEY"), reason="OPENAI_API_KEY is not set")
def test_live_openai_writes_a_caption_that_follows_the_rules() -> None:
    writer = openai_writer_from_env(dict(os.environ))
    assert writer is not None
    written: Any = writer.write(CONTEXT)
    assert caption_problems(written, CONTEXT.forbidden_names, context=CONTEXT) == []
