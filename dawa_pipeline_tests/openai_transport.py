"""OpenAI at the HTTP transport: the real SDK and OpenAIWriter against an httpx.MockTransport that records the
requests and answers them with scripted handlers."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import openai

from dawa_pipeline.defs.training.resources import PromptWriterResource
from dawa_pipeline.llm.openai_writer import OpenAIWriter
from dawa_pipeline.training.captions import CaptionContext
from dawa_pipeline.training.offline_writer import OfflineWriter

BASE_URL = "http://llm.test/v1"
MODEL = "gpt-test-mini"

Handler = Callable[[httpx.Request], httpx.Response]


def completion(
    content: str | None, *, refusal: str | None = None, finish_reason: str = "stop"
) -> httpx.Response:
    """A chat completion as the API returns it, with `content` or a `refusal` as the message."""
    message = {"role": "assistant", "content": content, "refusal": refusal}
    body = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1_800_000_000,
        "model": MODEL,
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason, "logprobs": None}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    }
    return httpx.Response(200, json=body)


class Server:
    """Records requests and answers each with the next handler (the last one repeats)."""

    def __init__(self, *handlers: Handler) -> None:
        self.handlers = list(handlers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        handler = self.handlers[min(len(self.requests), len(self.handlers)) - 1]
        return handler(request)

    def writer(self, *, timeout: float = 5.0, max_retries: int = 0) -> OpenAIWriter:
        http_client = httpx.Client(transport=httpx.MockTransport(self))
        client = openai.OpenAI(api_key="sk-test-key", base_url=BASE_URL, http_client=http_client)  # type: ignore[arg-type]
        return OpenAIWriter(MODEL, client=client, timeout=timeout, max_retries=max_retries)


def _offline_caption(request: httpx.Request) -> httpx.Response:
    """A good answer: the offline writer's caption for the evidence the writer sent."""
    user = json.loads(request.content)["messages"][1]["content"]
    evidence = json.loads(user.split("\n", 1)[1])
    caption = OfflineWriter().write(CaptionContext(**evidence, forbidden_names=[]))
    return completion(caption.model_dump_json())


REPLIES: dict[str, Handler] = {
    "ok": _offline_caption,
    "refuse": lambda request: completion(None, refusal="I can't help with describing this recording."),
    "error": lambda request: httpx.Response(
        400, json={"error": {"message": "bad request: model overloaded", "type": "x"}}
    ),
}


class ScriptedOpenAIWriter(PromptWriterResource):
    """The prompt writer resource with the real OpenAI writer and SDK, answering the n-th request with the
    n-th of `replies` (keys of REPLIES; the last repeats)."""

    replies: list[str]

    def writer(self) -> OpenAIWriter:
        return Server(*(REPLIES[reply] for reply in self.replies)).writer(timeout=2.0)
