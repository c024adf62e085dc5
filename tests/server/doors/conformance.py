"""What each front door must deliver from each provider kind: the recorded answers, what a
client must see of them through each door, and what a door's format cannot carry.

``test_conformance_doors.py`` runs every (door, provider, scenario, streamed or not) through a
real gateway against a fake upstream replaying these answers, with the official SDKs as
clients, and asserts that the client sees exactly ``expected(door, provider, ...)``: every
field the door can carry arrives, and what it cannot is exactly what ``LOSSES`` says. The
tables in docs/architecture.md ("Conformance per front door") are generated from this module
(``python tests/server/doors/conformance.py --write``) and a test keeps them equal.

Answers are recorded payloads (tests/providers/fixtures) where one exists; cache-read counts are
set in some of them so that every count is non-zero somewhere, and the few shapes with no
recording (an OpenAI-compatible reasoning model's ``reasoning_content``, Ollama's ``thinking``,
a streamed Gemini function call, non-reasoning Responses streams) are built from the recorded
ones in the same format.
"""

from __future__ import annotations

import copy
import json
import sys
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parents[2] / "providers" / "fixtures"

DOORS = ("chat", "messages", "responses", "completions")
DOOR_TITLES = {"chat": "OpenAI chat completions (`/v1/chat/completions`)",
               "messages": "Anthropic Messages (`/v1/messages`)",
               "responses": "OpenAI Responses (`/v1/responses`)",
               "completions": "Legacy completions (`/v1/completions`)"}
PROVIDERS = ("openai", "anthropic", "gemini", "openai-responses", "ollama")
PROVIDER_TITLES = {"openai": "OpenAI-compatible", "anthropic": "Anthropic", "gemini": "Gemini (native)",
                   "openai-responses": "OpenAI, Responses API", "ollama": "Ollama"}
SCENARIOS = ("text", "tool", "reasoning", "refusal")  # refusal: only the OpenAI APIs have one
MODELS = {"openai": "gpt-4o-mini", "anthropic": "claude-sonnet-4-5-20250929",
          "gemini": "gemini_native/gemini-2.5-flash", "openai-responses": "o4-mini", "ollama": "ollama/llama3.2"}


def model_configs(url: str) -> list[dict[str, Any]]:
    return [
        {"name": "gpt-4o-mini", "api_base": url + "/v1", "api_key": "k", "extra": {"responses_api": False}},
        {"name": "claude-sonnet-4-5-20250929", "api_base": url, "api_key": "k"},
        {"name": "gemini_native/gemini-2.5-flash", "provider": "gemini_native", "api_base": url + "/v1beta",
         "api_key": "k"},
        {"name": "o4-mini", "api_base": url + "/v1", "api_key": "k", "extra": {"responses_api": True}},
        {"name": "ollama/llama3.2", "provider": "ollama", "api_base": url},
    ]


@dataclass(frozen=True)
class Seen:
    """An answer reduced to what a client can check, in neutral terms."""

    text: str = ""
    tools: tuple[tuple[str, str], ...] = ()  # (name, arguments as canonical JSON)
    refusal: str = ""  # OpenAI's refusal text
    reasoning: str = ""  # reasoning / thinking / summary text
    signature: str = ""  # what lets the reasoning go back to its model (Claude's signature,
    #                      OpenAI's encrypted_content, Gemini's thought signature on a call)
    finish: str = "stop"  # chat finish_reason
    prompt: int = 0  # all input tokens, cache reads and writes included
    completion: int = 0  # all output tokens, reasoning included
    cached: int = 0  # cache reads
    cache_write: int = 0
    reasoning_tokens: int = 0


def call(name: str, arguments: Any) -> tuple[str, str]:
    value = json.loads(arguments) if isinstance(arguments, str) else arguments
    return name, json.dumps(value, sort_keys=True)


COLUMNS = {  # table column -> the Seen fields it stands for
    "text": ("text",), "tool call": ("tools",), "refusal": ("refusal",), "reasoning": ("reasoning",), "signature": ("signature",),
    "finish": ("finish",), "tokens": ("prompt", "completion"), "cached": ("cached",),
    "cache write": ("cache_write",), "reasoning tokens": ("reasoning_tokens",),
}


@dataclass(frozen=True)
class Loss:
    reason: str
    providers: tuple[str, ...] = PROVIDERS  # where it shows (where the provider sends the field)


_GEMINI_SIGNATURE = Loss("Gemini's thought signature rides on a chat tool call (`extra_content.google`, as on "
                         "Google's OpenAI-compatible endpoint); this door's tool call has no place for it, so a "
                         "Gemini 3 tool loop with thinking needs the chat door", ("gemini",))
# (door, Seen field) -> why the door's format cannot carry it. Everything else must arrive.
LOSSES: dict[tuple[str, str], tuple[Loss, ...]] = {
    ("messages", "reasoning_tokens"): (Loss("Anthropic's usage has no reasoning count (it is inside `output_tokens`)"),),
    ("messages", "signature"): (_GEMINI_SIGNATURE,),
    ("responses", "signature"): (Loss(
        "a reasoning item's `encrypted_content` is OpenAI's own; Claude's thinking signature has no place there "
        "(native pass-through to OpenAI keeps `encrypted_content`)", ("anthropic",)), _GEMINI_SIGNATURE),
    ("responses", "cache_write"): (Loss("Responses usage has no cache-write count (they stay inside `input_tokens`)"),),
    ("completions", "reasoning"): (Loss("a text completion has no reasoning field"),),
    ("completions", "signature"): (Loss("a text completion has no reasoning field"),),
    ("completions", "refusal"): (Loss("a text completion has no refusal field", ("openai", "openai-responses")),),
    ("completions", "tools"): (Loss("the legacy API has no tools (not tested: a prompt cannot offer them)"),),
}

# What each provider's API reports at all (the rest is 0 from it, through every door).
REPORTS = {
    "openai": {"cached", "reasoning_tokens", "reasoning", "refusal"},
    "anthropic": {"cached", "cache_write", "reasoning", "signature"},
    "gemini": {"cached", "reasoning_tokens", "reasoning", "signature"},
    "openai-responses": {"cached", "reasoning_tokens", "reasoning", "signature", "refusal"},
    "ollama": {"reasoning"},
}


def lost(door: str, provider: str, field: str) -> Loss | None:
    return next((loss for loss in LOSSES.get((door, field), ()) if provider in loss.providers), None)


def expected(door: str, provider: str, scenario: str, stream: bool) -> Seen:
    """What a client of ``door`` must see: the provider's answer less what the door loses."""
    seen = ANSWERS[_route(door, provider), scenario, stream][1]
    cut = {f.name: type(getattr(seen, f.name))() for f in fields(Seen) if lost(door, provider, f.name)}
    seen = replace(seen, **cut)
    if door == "messages" and seen.refusal:  # Anthropic has no refusal field: text, stop_reason "refusal"
        seen = replace(seen, text=seen.text + seen.refusal, refusal="", finish="content_filter")
    return seen


def cases() -> list[tuple[str, str, str, bool]]:
    """Every (door, provider, scenario, streamed) there is an answer for and a door can ask."""
    return [(door, provider, scenario, stream) for door in DOORS for provider in PROVIDERS for scenario in SCENARIOS
            for stream in (False, True)
            if (_route(door, provider), scenario, stream) in ANSWERS and not (door == "completions" and scenario == "tool")]


def _route(door: str, provider: str) -> str:
    """Only the Responses door speaks the Responses API to an upstream that has it; the other
    doors reach that model through chat completions."""
    return provider if door == "responses" or provider != "openai-responses" else "openai"


# -- recorded answers ---------------------------------------------------------------------------


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def sse_events(name: str) -> list[dict[str, Any]]:
    events = []
    for block in (FIXTURES / name).read_text().strip().split("\n\n"):
        for line in block.split("\n"):
            if line.startswith("data: ") and line[6:] != "[DONE]":
                events.append(json.loads(line[6:]))
    return events


def sse(events: list[dict[str, Any]], *, named: bool = False, done: bool = False) -> str:
    """Events as an SSE body: ``event:`` lines for Anthropic and Responses, ``[DONE]`` for OpenAI."""
    blocks = [(f"event: {e['type']}\n" if named else "") + "data: " + json.dumps(e) for e in events]
    return "\n\n".join(blocks + (["data: [DONE]"] if done else [])) + "\n\n"


def ndjson(lines: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(line) + "\n" for line in lines)


def _openai() -> dict[tuple[str, bool], tuple[tuple[str, Any], Seen]]:
    text = fixture("openai_chat.json")
    text["usage"]["prompt_tokens_details"]["cached_tokens"] = 12
    chunks = sse_events("openai_stream.txt")
    chunks[-1]["usage"]["prompt_tokens_details"]["cached_tokens"] = 12
    said = Seen(text="Hello! How can I assist you today?", prompt=19, completion=10, cached=12)
    tool_chunks = sse_events("openai_stream_tool_calls.txt")
    tool = fixture("openai_chat_tool_calls.json")
    # A reasoning model behind an OpenAI-compatible server (DeepSeek, vLLM, llama-server):
    # the reasoning as reasoning_content, its tokens in completion_tokens_details.
    reasoning = copy.deepcopy(text)
    reasoning["choices"][0]["message"]["reasoning_content"] = "A greeting; greet back."
    reasoning["usage"].update(completion_tokens=30, total_tokens=49)
    reasoning["usage"]["completion_tokens_details"]["reasoning_tokens"] = 20
    head = {k: chunks[0][k] for k in ("id", "object", "created", "model")}
    reasoning_chunks = [
        {**head, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]},
        *({**head, "choices": [{"index": 0, "delta": {"reasoning_content": piece}, "finish_reason": None}]}
          for piece in ("A greeting; ", "greet back.")),
        *chunks[1:-1],
        {**chunks[-1], "usage": reasoning["usage"]},
    ]
    thought = replace(said, reasoning="A greeting; greet back.", completion=30, reasoning_tokens=20)
    # A refusal (structured outputs): no content, the reason in message.refusal.
    refusal = copy.deepcopy(text)
    refusal["choices"][0]["message"].update(content=None, refusal="I can't help with that.")
    refusal_chunks = [
        {**head, "choices": [{"index": 0, "delta": {"role": "assistant", "content": None, "refusal": ""},
                              "finish_reason": None}]},
        *({**head, "choices": [{"index": 0, "delta": {"refusal": piece}, "finish_reason": None}]}
          for piece in ("I can't ", "help with that.")),
        *chunks[-2:],
    ]
    refused = replace(said, text="", refusal="I can't help with that.")
    return {
        ("refusal", False): (("json", refusal), refused),
        ("refusal", True): (("sse", sse(refusal_chunks, done=True)), refused),
        ("text", False): (("json", text), said),
        ("text", True): (("sse", sse(chunks, done=True)), said),
        ("tool", False): (("json", tool), Seen(tools=(call("get_current_weather", {"location": "Boston, MA"}),),
                                               finish="tool_calls", prompt=82, completion=17)),
        ("tool", True): (("sse", sse(tool_chunks, done=True)),
                         Seen(tools=(call("get_weather", {"location": "Paris, France"}),), finish="tool_calls",
                              prompt=55, completion=17)),
        ("reasoning", False): (("json", reasoning), thought),
        ("reasoning", True): (("sse", sse(reasoning_chunks, done=True)), thought),
    }


def _anthropic() -> dict[tuple[str, bool], tuple[tuple[str, Any], Seen]]:
    thinking = fixture("anthropic_message_thinking.json")
    signature = thinking["content"][0]["signature"]
    return {
        ("text", False): (("json", fixture("anthropic_message_cached.json")),
                          Seen(text="The main themes are pride and prejudice.", prompt=21 + 188086, completion=393,
                               cached=188086)),
        ("text", True): (("sse", (FIXTURES / "anthropic_stream.txt").read_text()),
                         Seen(text="Hi! My name is Claude.", prompt=25, completion=15)),
        ("tool", False): (("json", fixture("anthropic_message_tool_use.json")),
                          Seen(text="<thinking>I need to use the get_weather, and the user wants SF, which is likely "
                                    "San Francisco, CA.</thinking>",
                               tools=(call("get_weather", {"location": "San Francisco, CA", "unit": "celsius"}),),
                               finish="tool_calls", prompt=472, completion=89)),
        ("tool", True): (("sse", (FIXTURES / "anthropic_stream_tool_use.txt").read_text()),
                         Seen(text="Okay, let's check the weather for San Francisco, CA:",
                              tools=(call("get_weather", {"location": "San Francisco, CA", "unit": "fahrenheit"}),),
                              finish="tool_calls", prompt=472, completion=89)),
        ("reasoning", False): (("json", thinking),
                               Seen(text="27 * 453 = 12,231", reasoning=thinking["content"][0]["thinking"],
                                    signature=signature, prompt=12 + 2048, completion=64, cache_write=2048)),
        ("reasoning", True): (("sse", (FIXTURES / "anthropic_stream_thinking.txt").read_text()),
                              Seen(text="27 * 453 = 12,231",
                                   reasoning="27 * 453: 27 * 400 = 10800, 27 * 53 = 1431; total 12231.",
                                   signature=signature, prompt=12 + 2048, completion=64, cached=2048)),
    }


def _gemini() -> dict[tuple[str, bool], tuple[tuple[str, Any], Seen]]:
    function_call = fixture("gemini_generate_function_call.json")
    # A thinking model's call carries a thought signature, to be sent back with the call.
    function_call["candidates"][0]["content"]["parts"][0]["thoughtSignature"] = "CiQB0e2Kb3ZsMx8HzQ=="
    thinking = fixture("gemini_generate.json")
    thought_part, text_part = thinking["candidates"][0]["content"]["parts"]
    # Streamed, the thought comes first, then the text with the finish reason and the counts.
    first = {**thinking, "candidates": [{"content": {"parts": [thought_part], "role": "model"}, "index": 0}]}
    first.pop("usageMetadata")
    second = copy.deepcopy(thinking)
    second["candidates"][0]["content"]["parts"] = [text_part]
    tool = Seen(tools=(call("get_weather", {"city": "Paris", "unit": "celsius"}),), finish="tool_calls",
                signature="CiQB0e2Kb3ZsMx8HzQ==", prompt=61, completion=18)
    thought = Seen(text="Paris is the capital of France.", reasoning=thought_part["text"], prompt=9,
                   completion=7 + 28, cached=4, reasoning_tokens=28)
    return {
        ("text", False): (("json", fixture("gemini_generate_stop.json")), Seen(text="1 2 3 4 ", prompt=14, completion=8)),
        ("text", True): (("sse", (FIXTURES / "gemini_stream.txt").read_text()),
                         Seen(text="Paris is the capital of France.", prompt=9, completion=7 + 19, reasoning_tokens=19)),
        ("tool", False): (("json", function_call), tool),
        ("tool", True): (("sse", sse([function_call])), tool),
        ("reasoning", False): (("json", thinking), thought),
        ("reasoning", True): (("sse", sse([first, second])), thought),
    }


def responses_events(response: dict[str, Any]) -> list[dict[str, Any]]:
    """A Responses stream for a finished response object, as OpenAI sends one (deltas included)."""
    events: list[dict[str, Any]] = []
    progress = {**response, "status": "in_progress", "output": [], "usage": None}
    events += [{"type": "response.created", "response": progress}, {"type": "response.in_progress", "response": progress}]
    for index, item in enumerate(response["output"]):
        events.append({"type": "response.output_item.added", "output_index": index,
                       "item": {**item, "status": "in_progress", **({"content": []} if "content" in item else {}),
                                **({"arguments": ""} if "arguments" in item else {})}})
        for part_index, part in enumerate(item.get("content") or ()):
            kind = "refusal" if part["type"] == "refusal" else "output_text"
            events.append({"type": "response.content_part.added", "item_id": item["id"], "output_index": index,
                           "content_index": part_index, "part": {**part, kind.removeprefix("output_"): ""}})
            events.append({"type": f"response.{kind}.delta", "item_id": item["id"], "output_index": index,
                           "content_index": part_index, "delta": part.get("text", part.get("refusal")),
                           **({"logprobs": []} if kind == "output_text" else {})})
            events.append({"type": "response.content_part.done", "item_id": item["id"], "output_index": index,
                           "content_index": part_index, "part": part})
        if "arguments" in item:
            events.append({"type": "response.function_call_arguments.delta", "item_id": item["id"],
                           "output_index": index, "delta": item["arguments"]})
        events.append({"type": "response.output_item.done", "output_index": index, "item": item})
    events.append({"type": "response.completed", "response": response})
    return [{**e, "sequence_number": i} for i, e in enumerate(events)]


def _responses() -> dict[tuple[str, bool], tuple[tuple[str, Any], Seen]]:
    reasoning = fixture("openai_responses_reasoning.json")
    text = copy.deepcopy(reasoning)
    text["output"] = text["output"][1:]
    text["usage"] = {"input_tokens": 13, "input_tokens_details": {"cached_tokens": 8}, "output_tokens": 20,
                     "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 33}
    tool = fixture("openai_responses_function_call.json")
    item = reasoning["output"][0]
    said = Seen(text="27 × 453 = 12,231", prompt=13, completion=20, cached=8)
    tool_seen = Seen(tools=(call("get_weather", {"location": "Boston, MA"}),), finish="tool_calls", prompt=58,
                     completion=18)
    thought = Seen(text="27 × 453 = 12,231", reasoning=item["summary"][0]["text"], signature=item["encrypted_content"],
                   prompt=13, completion=212, reasoning_tokens=192)
    refusal = copy.deepcopy(text)
    refusal["output"][0]["content"] = [{"type": "refusal", "refusal": "I can't help with that."}]
    refused = replace(said, text="", refusal="I can't help with that.")
    return {
        ("refusal", False): (("json", refusal), refused),
        ("refusal", True): (("sse", sse(responses_events(refusal), named=True)), refused),
        ("text", False): (("json", text), said),
        ("text", True): (("sse", sse(responses_events(text), named=True)), said),
        ("tool", False): (("json", tool), tool_seen),
        ("tool", True): (("sse", sse(responses_events(tool), named=True)), tool_seen),
        ("reasoning", False): (("json", reasoning), thought),
        ("reasoning", True): (("sse", (FIXTURES / "openai_responses_stream_reasoning.txt").read_text()), thought),
    }


def _ollama() -> dict[tuple[str, bool], tuple[tuple[str, Any], Seen]]:
    text = fixture("ollama_chat.json")
    lines = [json.loads(line) for line in (FIXTURES / "ollama_stream.txt").read_text().splitlines() if line.strip()]
    streamed = "".join(line["message"]["content"] for line in lines)
    tool = fixture("ollama_chat_tool_calls.json")
    tool_lines = [json.loads(line) for line in (FIXTURES / "ollama_stream_tool_calls.txt").read_text().splitlines()
                  if line.strip()]
    # A thinking model with think: true: the thinking in message.thinking, before the content.
    thinking = copy.deepcopy(text)
    thinking["message"]["thinking"] = "A greeting; greet back."
    head = {k: lines[0][k] for k in ("model", "created_at")}
    thinking_lines = [{**head, "message": {"role": "assistant", "content": "", "thinking": piece}, "done": False}
                      for piece in ("A greeting; ", "greet back.")] + lines
    tool_seen = Seen(tools=(call("get_current_weather", {"format": "celsius", "location": "Paris, FR"}),),
                     finish="tool_calls", prompt=122, completion=33)
    return {
        ("text", False): (("json", text), Seen(text="Hello! How are you today?", prompt=26, completion=298)),
        ("text", True): (("ndjson", ndjson(lines)), Seen(text=streamed, prompt=26, completion=282)),
        ("tool", False): (("json", tool), tool_seen),
        ("tool", True): (("ndjson", ndjson(tool_lines)), tool_seen),
        ("reasoning", False): (("json", thinking), Seen(text="Hello! How are you today?", reasoning="A greeting; greet back.",
                                                       prompt=26, completion=298)),
        ("reasoning", True): (("ndjson", ndjson(thinking_lines)),
                              Seen(text=streamed, reasoning="A greeting; greet back.", prompt=26, completion=282)),
    }


ANSWERS: dict[tuple[str, str, bool], tuple[tuple[str, Any], Seen]] = {
    (provider, scenario, stream): answer
    for provider, table in (("openai", _openai()), ("anthropic", _anthropic()), ("gemini", _gemini()),
                            ("openai-responses", _responses()), ("ollama", _ollama()))
    for (scenario, stream), answer in table.items()
}

# Which upstream path answers which provider (the OpenAI ones differ by path, not by host).
PATHS = {"/v1/chat/completions": "openai", "/v1/messages": "anthropic", "/v1/responses": "openai-responses",
         "/api/chat": "ollama"}


def upstream_answer(path: str, body: Any) -> tuple[str, Any]:
    """The recorded answer for an upstream request: provider by path, scenario by the prompt."""
    provider = "gemini" if ":generateContent" in path or ":streamGenerateContent" in path else PATHS[path]
    stream = ":streamGenerateContent" in path or bool(isinstance(body, dict) and body.get("stream"))
    said = json.dumps(body)
    scenario = next(s for s in SCENARIOS if f"scenario {s}" in said)
    return ANSWERS[provider, scenario, stream][0]


# -- the tables in docs/architecture.md ---------------------------------------------------------


def _cell(door: str, provider: str, column: str, notes: dict[str, int]) -> str:
    names = COLUMNS[column]
    if column in OPTIONAL and names[0] not in REPORTS[_route(door, provider)]:
        return "—"
    if column == "refusal" and door == "messages":
        return "as text"
    for name in names:
        loss = lost(door, provider, name)
        if loss is not None:
            number = notes.setdefault(loss.reason, len(notes) + 1)
            return f"lost ({number})"
    return "✓"


OPTIONAL = ("refusal", "reasoning", "signature", "cached", "cache write", "reasoning tokens")


def render() -> str:
    """One table per door: ✓ checked to arrive, streamed and not; lost (n) with the reason; —
    the provider's API does not send it (through this door)."""
    out = []
    for door in DOORS:
        notes: dict[str, int] = {}
        columns = [c for c in COLUMNS if not (door == "completions" and c == "tool call")]
        rows = [f"| {PROVIDER_TITLES[p]} | " + " | ".join(_cell(door, p, c, notes) for c in columns) + " |"
                for p in PROVIDERS]
        out.append(f"**{DOOR_TITLES[door]}**\n")
        out.append("| provider | " + " | ".join(columns) + " |")
        out.append("| --- |" + " --- |" * len(columns))
        out.extend(rows)
        if notes:
            out.append("")
            out.extend(f"({n}) {reason}." for reason, n in notes.items())
        out.append("")
    return "\n".join(out).rstrip() + "\n"


BEGIN, END = "<!-- conformance tables: generated -->\n", "<!-- end of the generated tables -->\n"


def write(doc: Path = Path(__file__).parents[3] / "docs" / "architecture.md") -> None:
    """Replace the generated tables in ``doc`` (between BEGIN and END) with ``render()``."""
    text = doc.read_text()
    head, rest = text.split(BEGIN, 1)
    doc.write_text(head + BEGIN + render() + END + rest.split(END, 1)[1])


if __name__ == "__main__":
    write() if sys.argv[1:] == ["--write"] else sys.stdout.write(render())
