"""What a request keeps when it goes to a provider of another wire format.

The neutral request may carry things only Anthropic understands: ``thinking`` blocks in
assistant turns (with signatures only Anthropic can verify), the ``thinking`` and ``top_k``
parameters, Anthropic server tools. Sent to an OpenAI-compatible, Ollama or embedded model they
would be refused (a 400 for the caller) or misread, so they are dropped on the way out, and the
front door says so in ``X-Turnout-Dropped-Params``. ``dropped`` names what a request would lose.

A request from the Responses door likewise carries what only the Responses API takes: its
top-level fields with no chat counterpart (``include``, ``store``, ``reasoning``, ``text``
options, ``metadata``, ..., under their own names), built-in tools (``hosted_tools``) and input
items the chat translation cannot carry (``input_items``: reasoning items, items with fields
of their own). They ride in ``params`` so that privacy detection reads everything the native
pass-through to OpenAI forwards, and are dropped for every other provider (an OpenAI-compatible
one that does not speak the Responses API drops them itself: ``without_responses_fields``).
"""

from __future__ import annotations

from typing import Any

from turnout.types import ChatRequest

ANTHROPIC = "anthropic"
OPENAI = "openai"
RESPONSES = "openai.responses"
# The Responses door's parameters that the chat translation carries; the rest are its own.
RESPONSES_PORTABLE = frozenset({"max_tokens", "temperature", "top_p", "user", "reasoning_effort",
                                "response_format", "tools", "tool_choice", "parallel_tool_calls",
                                # the same name and meaning in Chat Completions
                                "verbosity", "service_tier", "prompt_cache_key", "safety_identifier"})
HOSTED_TOOLS = "hosted_tools"  # Responses built-in tools (web_search, file_search, mcp, ...), as sent
INPUT_ITEMS = "input_items"  # Responses input items the chat translation cannot carry, as sent
# Fields inside the blocks and items a door translates that the translation does not carry (a
# document's ``context``, a text block's ``citations``, an item's ``status``), as sent: only the
# native pass-through forwards them, so they ride here for privacy detection to read. Dropped
# for every other provider; not named in X-Turnout-Dropped-Params, which names parameters.
UNTRANSLATED = "untranslated"
# What the Messages door translates into OpenAI parameters; every other parameter of an
# Anthropic-born request (thinking, top_k, service_tier, container, mcp_servers, ...) is
# Anthropic's own and stays behind.
PORTABLE_PARAMS = frozenset({"max_tokens", "temperature", "top_p", "stop", "user", "tools", "tool_choice",
                             "parallel_tool_calls"})
THINKING_PARTS = frozenset({"thinking", "redacted_thinking"})


def _foreign_tool(tool: Any) -> bool:
    return isinstance(tool, dict) and tool.get("type") not in (None, "function")


def dropped(request: ChatRequest, kind: str) -> list[str]:
    """What ``request`` loses on a provider of ``kind`` (empty when nothing). An OpenAI
    provider decides for itself (it may speak the Responses API): see ``responses_dropped``."""
    if request.origin == RESPONSES:
        return [] if kind == OPENAI else responses_dropped(request)
    if kind == ANTHROPIC or request.origin != "anthropic.messages":
        return []
    names = [p for p in request.params if p not in PORTABLE_PARAMS and p != UNTRANSLATED]
    if "thinking" not in names and any(_has_thinking(m) for m in request.messages):
        names.append("thinking")
    if any(_foreign_tool(t) for t in request.params.get("tools") or ()):
        names.append("tools")
    return names


def _has_thinking(message: dict[str, Any]) -> bool:
    if message.get("thinking_blocks"):
        return True
    content = message.get("content")
    return isinstance(content, list) and any(isinstance(p, dict) and p.get("type") in THINKING_PARTS
                                             for p in content)


def responses_dropped(request: ChatRequest) -> list[str]:
    """What a Responses-door request loses when translated to chat completions."""
    names: list[str] = []
    for name, value in request.params.items():
        if name == HOSTED_TOOLS:
            names.extend(f"tools:{t.get('type')}" for t in value if isinstance(t, dict))
        elif name not in RESPONSES_PORTABLE and name != UNTRANSLATED:
            names.append(name)
    return names


def without_responses_fields(request: ChatRequest) -> ChatRequest:
    """A Responses-door request with only what chat completions carry (itself when nothing
    else was sent; any other request unchanged)."""
    if request.origin != RESPONSES:
        return request
    params = request.params
    if all(name in RESPONSES_PORTABLE for name in params):
        return request
    return ChatRequest(model=request.model, messages=request.messages,
                       params={k: v for k, v in params.items() if k in RESPONSES_PORTABLE},
                       stream=request.stream, origin=request.origin)


def for_provider(request: ChatRequest, kind: str) -> ChatRequest:
    """``request`` without what a provider of ``kind`` cannot take (itself when nothing)."""
    if request.origin == RESPONSES:
        return request if kind == OPENAI else without_responses_fields(request)
    if not dropped(request, kind) and (kind == ANTHROPIC or UNTRANSLATED not in request.params):
        return request
    params = {k: v for k, v in request.params.items() if k in PORTABLE_PARAMS}
    tools = [t for t in params.get("tools") or () if not _foreign_tool(t)]
    if "tools" in params:
        if tools:
            params["tools"] = tools
        else:
            params.pop("tools")
            params.pop("tool_choice", None)
            params.pop("parallel_tool_calls", None)
    messages = []
    for message in request.messages:
        if _has_thinking(message):
            message = {k: v for k, v in message.items() if k != "thinking_blocks"}
            content = message.get("content")
            if isinstance(content, list):
                kept = [p for p in content if not (isinstance(p, dict) and p.get("type") in THINKING_PARTS)]
                message["content"] = kept or ("" if not message.get("tool_calls") else None)
        messages.append(message)
    return ChatRequest(model=request.model, messages=messages, params=params, stream=request.stream,
                       origin=request.origin)
