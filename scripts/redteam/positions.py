"""Positions: where each front door's request carries the planted text."""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Callable
from typing import Any

from redteam.planting import b64

FILLER = "Summarise the notes above in two sentences."
WAV = b64(b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(16) + b"data\x00\x00\x00\x00")
PNG_URL = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
TOOL = {"type": "function", "function": {"name": "lookup", "description": "Look a record up.",
                                         "parameters": {"type": "object", "properties": {"q": {"type": "string"}}}}}


def _tool(description: str = "Look a record up.", prop: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"type": "function", "function": {"name": "lookup", "description": description, "parameters": {
        "type": "object", "properties": {"q": prop or {"type": "string"}}}}}


def _as_number(s: str) -> int | str:
    """The card in ``s`` as a JSON number (its groups joined), else ``s``: a long integer is still
    a card. Only the card's own digits: an expiry glued on would make it another number."""
    joined = re.sub(r"(?<=\d)\W+(?=\d)", "", s)
    run = re.search(r"(?<!\d)\d{13,19}(?!\d)", joined)
    return int(run.group(0)) if run else s


def _nested(s: str) -> dict[str, Any]:
    return {"trace": {"spans": [{"attrs": {"note": s, "n": 1}}]}}


# chat: (messages, extra params). s is the planted text (one piece); turns for splits.
ChatBuild = Callable[[str], tuple[list[dict[str, Any]], dict[str, Any]]]
U = {"role": "user", "content": FILLER}


def _tc(args: str, call_id: str = "call_1") -> list[dict[str, Any]]:
    return [{"role": "user", "content": "look it up"},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": call_id, "type": "function", "function": {"name": "lookup", "arguments": args}}]},
            {"role": "tool", "tool_call_id": call_id, "content": "found"}, U]


CHAT: dict[str, ChatBuild] = {
    "user_content": lambda s: ([{"role": "user", "content": s}], {}),
    "user_text_part": lambda s: ([{"role": "user", "content": [{"type": "text", "text": "note:"}, {"type": "text", "text": s}]}], {}),
    "system": lambda s: ([{"role": "system", "content": s}, U], {}),
    "developer": lambda s: ([{"role": "developer", "content": s}, U], {}),
    "assistant_history": lambda s: ([{"role": "user", "content": "hi"}, {"role": "assistant", "content": s}, U], {}),
    "message_name": lambda s: ([{"role": "user", "name": s, "content": FILLER}], {}),
    "tool_call_args": lambda s: (_tc(json.dumps({"q": s})), {"tools": [TOOL]}),
    "tool_result": lambda s: ([{"role": "user", "content": "look it up"},
                               {"role": "assistant", "content": None, "tool_calls": [
                                   {"id": "call_1", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}]},
                               {"role": "tool", "tool_call_id": "call_1", "content": s}, U], {"tools": [TOOL]}),
    "tool_description": lambda s: ([U], {"tools": [_tool(s)]}),
    "tool_param_schema": lambda s: ([U], {"tools": [_tool(prop={"type": "string", "description": s})]}),
    "metadata": lambda s: ([U], {"metadata": {"note": s}, "store": True}),
    "user": lambda s: ([U], {"user": s}),
    "response_format_schema": lambda s: ([U], {"response_format": {"type": "json_schema", "json_schema": {
        "name": "out", "schema": {"type": "object", "description": s, "properties": {"a": {"type": "string"}}}}}}),
    "unknown_field": lambda s: ([U], {"x_note": s}),
    "unknown_part_type": lambda s: ([{"role": "user", "content": [{"type": "x_note", "x_note": {"body": s}}, {"type": "text", "text": FILLER}]}], {}),
    "file_data_text": lambda s: ([{"role": "user", "content": [{"type": "text", "text": FILLER}, {"type": "file", "file": {
        "filename": "notes.txt", "file_data": "data:text/plain;base64," + b64(s)}}]}], {}),
    # red9g: positions the earlier harness did not try
    "stop": lambda s: ([U], {"stop": ["END", s]}),
    "tool_choice_extra": lambda s: ([U], {"tools": [TOOL], "tool_choice": {"type": "function", "function": {"name": "lookup", "description": s}}}),
    "prediction": lambda s: ([U], {"prediction": {"type": "content", "content": s}}),
    "prediction_parts": lambda s: ([U], {"prediction": {"type": "content", "content": [{"type": "text", "text": s}]}}),
    "input_audio_transcript": lambda s: ([{"role": "user", "content": [{"type": "text", "text": FILLER}, {"type": "input_audio", "input_audio": {
        "data": WAV, "format": "wav", "transcript": s}}]}], {}),
    "assistant_audio_transcript": lambda s: ([{"role": "user", "content": "hi"}, {"role": "assistant", "content": "", "audio": {
        "id": "audio_1", "transcript": s}}, U], {}),
    "image_url_query": lambda s: ([{"role": "user", "content": [{"type": "text", "text": FILLER}, {"type": "image_url", "image_url": {
        "url": "https://img.example.com/a.png?note=" + urllib.parse.quote(s, safe="")}}]}], {}),
    "image_url_fragment": lambda s: ([{"role": "user", "content": [{"type": "text", "text": FILLER}, {"type": "image_url", "image_url": {
        "url": "https://img.example.com/a.png#" + urllib.parse.quote(s, safe="")}}]}], {}),
    "image_data_url_text": lambda s: ([{"role": "user", "content": [{"type": "text", "text": FILLER}, {"type": "image_url", "image_url": {
        "url": "data:image/png;base64," + b64(s)}}]}], {}),
    "unknown_nested": lambda s: ([U], {"x_vendor": _nested(s)}),
    "unknown_in_message": lambda s: ([{"role": "user", "content": FILLER, "x_meta": _nested(s)}], {}),
    "unknown_in_part": lambda s: ([{"role": "user", "content": [{"type": "text", "text": FILLER, "x_meta": _nested(s)}]}], {}),
    "refusal_part": lambda s: ([{"role": "user", "content": "hi"}, {"role": "assistant", "content": [{"type": "refusal", "refusal": s}]}, U], {}),
    "assistant_refusal_field": lambda s: ([{"role": "user", "content": "hi"}, {"role": "assistant", "content": "ok", "refusal": s}, U], {}),
    "tool_call_id": lambda s: (_tc("{}", call_id=s), {"tools": [TOOL]}),
    "tool_param_enum": lambda s: ([U], {"tools": [_tool(prop={"type": "string", "enum": ["a", s]})]}),
    "tool_param_default": lambda s: ([U], {"tools": [_tool(prop={"type": "string", "default": s})]}),
    "metadata_key": lambda s: ([U], {"metadata": {s[:64]: "1"}, "store": True}),
    "web_search_location": lambda s: ([U], {"web_search_options": {"user_location": {"type": "approximate", "approximate": {"city": s}}}}),
    "logit_bias_key": lambda s: ([U], {"logit_bias": {s: 1}}),
    "number_field": lambda s: ([U], {"x_ref": _as_number(s)}),
}
NEW_CHAT = {"stop", "tool_choice_extra", "prediction", "prediction_parts", "input_audio_transcript",
            "assistant_audio_transcript", "image_url_query", "image_url_fragment", "image_data_url_text",
            "unknown_nested", "unknown_in_message", "unknown_in_part", "refusal_part", "assistant_refusal_field",
            "tool_call_id", "tool_param_enum", "tool_param_default", "metadata_key", "web_search_location",
            "logit_bias_key", "number_field"}

RespBuild = Callable[[str], dict[str, Any]]
RESPONSES: dict[str, RespBuild] = {
    "input_string": lambda s: {"input": s},
    "input_text_part": lambda s: {"input": [{"role": "user", "content": [{"type": "input_text", "text": s}]}]},
    "instructions": lambda s: {"instructions": s, "input": FILLER},
    "developer_item": lambda s: {"input": [{"role": "developer", "content": s}, {"role": "user", "content": FILLER}]},
    "assistant_history": lambda s: {"input": [{"role": "user", "content": "hi"}, {"type": "message", "role": "assistant", "content": [
        {"type": "output_text", "text": s}]}, {"role": "user", "content": FILLER}]},
    "function_call_args": lambda s: {"tools": [{"type": "function", "name": "lookup", "parameters": {"type": "object", "properties": {}}}],
                                     "input": [{"role": "user", "content": "look"}, {"type": "function_call", "call_id": "c1", "name": "lookup",
                                                                                     "arguments": json.dumps({"q": s})},
                                               {"type": "function_call_output", "call_id": "c1", "output": "none"}]},
    "function_call_output": lambda s: {"input": [{"role": "user", "content": "look"}, {"type": "function_call", "call_id": "c1", "name": "lookup",
                                                                                       "arguments": "{}"},
                                                 {"type": "function_call_output", "call_id": "c1", "output": s}]},
    "tool_description": lambda s: {"input": FILLER, "tools": [{"type": "function", "name": "lookup", "description": s,
                                                               "parameters": {"type": "object", "properties": {}}}]},
    "tool_param_schema": lambda s: {"input": FILLER, "tools": [{"type": "function", "name": "lookup", "parameters": {
        "type": "object", "properties": {"q": {"type": "string", "description": s}}}}]},
    "text_format_schema": lambda s: {"input": FILLER, "text": {"format": {"type": "json_schema", "name": "out", "schema": {
        "type": "object", "description": s, "properties": {"a": {"type": "string"}}}}}},
    "metadata": lambda s: {"input": FILLER, "metadata": {"note": s[:512]}},
    "user": lambda s: {"input": FILLER, "user": s},
    "unknown_field": lambda s: {"input": FILLER, "x_note": s},
    "input_file_text": lambda s: {"input": [{"role": "user", "content": [{"type": "input_text", "text": FILLER}, {
        "type": "input_file", "filename": "n.txt", "file_data": "data:text/plain;base64," + b64(s)}]}]},
    # red9g
    "safety_identifier": lambda s: {"input": FILLER, "safety_identifier": s},
    "prompt_cache_key": lambda s: {"input": FILLER, "prompt_cache_key": s},
    "prompt_variables": lambda s: {"input": FILLER, "prompt": {"id": "pmpt_1", "variables": {"who": s}}},
    "reasoning_summary_item": lambda s: {"input": [{"role": "user", "content": "hi"}, {"type": "reasoning", "id": "rs_1", "summary": [
        {"type": "summary_text", "text": s}]}, {"role": "user", "content": FILLER}]},
    "input_image_query": lambda s: {"input": [{"role": "user", "content": [{"type": "input_text", "text": FILLER}, {
        "type": "input_image", "image_url": "https://img.example.com/a.png?note=" + urllib.parse.quote(s, safe="")}]}]},
    "unknown_nested": lambda s: {"input": FILLER, "x_vendor": _nested(s)},
    "unknown_in_item": lambda s: {"input": [{"role": "user", "content": FILLER, "x_meta": _nested(s)}]},
    "tool_choice_extra": lambda s: {"input": FILLER, "tools": [{"type": "function", "name": "lookup", "parameters": {"type": "object", "properties": {}}}],
                                    "tool_choice": {"type": "function", "name": "lookup", "x_note": s}},
    "call_id": lambda s: {"input": [{"role": "user", "content": "look"}, {"type": "function_call", "call_id": s, "name": "lookup",
                                                                          "arguments": "{}"},
                                    {"type": "function_call_output", "call_id": s, "output": "none"}]},
    "item_id": lambda s: {"input": [{"type": "message", "id": s, "role": "user", "content": [{"type": "input_text", "text": FILLER}]}]},
    "input_audio_transcript": lambda s: {"input": [{"role": "user", "content": [{"type": "input_text", "text": FILLER}, {
        "type": "input_audio", "input_audio": {"data": WAV, "format": "wav", "transcript": s}}]}]},
    "refusal_part": lambda s: {"input": [{"role": "user", "content": "hi"}, {"type": "message", "role": "assistant", "content": [
        {"type": "refusal", "refusal": s}]}, {"role": "user", "content": FILLER}]},
}
NEW_RESPONSES = {"item_id", "safety_identifier", "prompt_cache_key", "prompt_variables", "reasoning_summary_item", "input_image_query",
                 "unknown_nested", "unknown_in_item", "tool_choice_extra", "call_id", "input_audio_transcript", "refusal_part"}

MsgBuild = Callable[[str], dict[str, Any]]
MU = {"role": "user", "content": FILLER}


def _tool_use(inp: dict[str, Any], result: Any, tid: str = "toolu_1") -> list[dict[str, Any]]:
    return [{"role": "user", "content": "look it up"},
            {"role": "assistant", "content": [{"type": "tool_use", "id": tid, "name": "lookup", "input": inp}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": tid, "content": result}, {"type": "text", "text": FILLER}]}]


ATOOL = {"name": "lookup", "description": "Look a record up.", "input_schema": {"type": "object", "properties": {"q": {"type": "string"}}}}
MESSAGES: dict[str, MsgBuild] = {
    "user_content": lambda s: {"messages": [{"role": "user", "content": s}]},
    "user_text_block": lambda s: {"messages": [{"role": "user", "content": [{"type": "text", "text": "note:"}, {"type": "text", "text": s}]}]},
    "system_string": lambda s: {"system": s, "messages": [MU]},
    "system_block": lambda s: {"system": [{"type": "text", "text": s}], "messages": [MU]},
    "assistant_history": lambda s: {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": s}, MU]},
    "tool_use_input": lambda s: {"tools": [ATOOL], "messages": _tool_use({"q": s}, "none")},
    "tool_result_string": lambda s: {"tools": [ATOOL], "messages": _tool_use({}, s)},
    "tool_result_blocks": lambda s: {"tools": [ATOOL], "messages": _tool_use({}, [{"type": "text", "text": s}])},
    "tool_description": lambda s: {"tools": [{**ATOOL, "description": s}], "messages": [MU]},
    "tool_input_schema": lambda s: {"tools": [{**ATOOL, "input_schema": {"type": "object", "properties": {"q": {"type": "string", "description": s}}}}],
                                    "messages": [MU]},
    "metadata_user_id": lambda s: {"metadata": {"user_id": s}, "messages": [MU]},
    "unknown_field": lambda s: {"x_note": s, "messages": [MU]},
    "document_text": lambda s: {"messages": [{"role": "user", "content": [{"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": s}},
                                                                         {"type": "text", "text": FILLER}]}]},
    "document_title_context": lambda s: {"messages": [{"role": "user", "content": [{"type": "document", "title": "notes", "context": s, "source": {
        "type": "text", "media_type": "text/plain", "data": "nothing here"}}, {"type": "text", "text": FILLER}]}]},
    # red9g
    "stop_sequences": lambda s: {"stop_sequences": ["END", s], "messages": [MU]},
    "image_url_query": lambda s: {"messages": [{"role": "user", "content": [{"type": "image", "source": {"type": "url", "url": "https://img.example.com/a.png?note=" + urllib.parse.quote(s, safe="")}},
                                                                          {"type": "text", "text": FILLER}]}]},
    "thinking_block": lambda s: {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": [
        {"type": "thinking", "thinking": s, "signature": "sig"}, {"type": "text", "text": "ok"}]}, MU]},
    "search_result_block": lambda s: {"messages": [{"role": "user", "content": [{"type": "search_result", "source": "https://kb.example.com/1", "title": "kb",
                                                                              "content": [{"type": "text", "text": s}]}, {"type": "text", "text": FILLER}]}]},
    "document_content_blocks": lambda s: {"messages": [{"role": "user", "content": [{"type": "document", "source": {"type": "content", "content": [{"type": "text", "text": s}]}},
                                                                                  {"type": "text", "text": FILLER}]}]},
    "tool_choice_extra": lambda s: {"tools": [ATOOL], "tool_choice": {"type": "tool", "name": "lookup", "x_note": s}, "messages": [MU]},
    "unknown_nested": lambda s: {"x_vendor": _nested(s), "messages": [MU]},
    "unknown_in_block": lambda s: {"messages": [{"role": "user", "content": [{"type": "text", "text": FILLER, "x_meta": _nested(s)}]}]},
    "metadata_extra": lambda s: {"metadata": {"user_id": "u1", "note": s}, "messages": [MU]},
    "mcp_server_url": lambda s: {"mcp_servers": [{"type": "url", "name": "kb", "url": "https://mcp.example.com/?q=" + urllib.parse.quote(s, safe="")}], "messages": [MU]},
    "tool_use_id": lambda s: {"tools": [ATOOL], "messages": _tool_use({}, "none", tid=s)},
    "citations_in_text": lambda s: {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": [{"type": "text", "text": "ok", "citations": [
        {"type": "char_location", "cited_text": s, "document_index": 0, "start_char_index": 0, "end_char_index": 1}]}]}, MU]},
    "tool_input_examples": lambda s: {"tools": [{**ATOOL, "input_examples": [{"q": s}]}], "messages": [MU]},
}
NEW_MESSAGES = {"stop_sequences", "image_url_query", "thinking_block", "search_result_block", "document_content_blocks",
                "tool_choice_extra", "unknown_nested", "unknown_in_block", "metadata_extra", "mcp_server_url", "tool_use_id",
                "citations_in_text"}

COMPLETIONS: dict[str, Callable[[str], dict[str, Any]]] = {
    "prompt": lambda s: {"prompt": s},
    "prompt_list": lambda s: {"prompt": ["Say hi.", s]},
    "user": lambda s: {"prompt": FILLER, "user": s},
    "unknown_field": lambda s: {"prompt": FILLER, "x_note": s},
    # red9g
    "stop": lambda s: {"prompt": FILLER, "stop": ["END", s]},
    "unknown_nested": lambda s: {"prompt": FILLER, "x_vendor": _nested(s)},
    "prompt_list_split": lambda s: {"prompt": ["Say hi.", "Say bye.", s]},
}
NEW_COMPLETIONS = {"stop", "unknown_nested", "prompt_list_split"}

EMBEDDINGS: dict[str, Callable[[str], dict[str, Any]]] = {
    "input": lambda s: {"input": s},
    "input_list": lambda s: {"input": ["hello", s]},
    "user": lambda s: {"input": "hello", "user": s},
    "unknown_field": lambda s: {"input": "hello", "x_note": s},
    "unknown_nested": lambda s: {"input": "hello", "x_vendor": _nested(s)},
}
NEW_EMBEDDINGS = {"unknown_nested"}

# count_tokens: the Messages body, counted by Anthropic when the request would go there and is
# not confidential (the body reaches the cloud without a completion)
DOORS = {"chat": CHAT, "responses": RESPONSES, "messages": MESSAGES, "completions": COMPLETIONS, "embeddings": EMBEDDINGS,
         "count_tokens": MESSAGES}
NEW_POSITIONS = {"chat": NEW_CHAT, "responses": NEW_RESPONSES, "messages": NEW_MESSAGES,
                 "completions": NEW_COMPLETIONS, "embeddings": NEW_EMBEDDINGS, "count_tokens": set(MESSAGES)}
DOOR_MODELS = {
    "chat": ["gpt-4o-mini", "gpt-4o-mini", "claude-haiku-4-5-20251001", "auto"],
    "responses": ["gpt-4.1-mini", "gpt-4.1-mini", "gpt-4o-mini", "claude-haiku-4-5-20251001"],
    "messages": ["claude-haiku-4-5-20251001", "claude-haiku-4-5-20251001", "gpt-4o-mini"],
    "completions": ["gpt-4o-mini", "claude-haiku-4-5-20251001"],
    "embeddings": ["text-embedding-3-small", "auto"],
    "count_tokens": ["claude-haiku-4-5-20251001"],
}
DOOR_WEIGHTS = {"chat": 4, "responses": 3, "messages": 3, "completions": 1, "embeddings": 1, "count_tokens": 1}


def split_turns(door: str, form: str, pieces: list[str]) -> tuple[str, dict[str, Any]]:
    """A split form's request: the pieces in consecutive turns (or parts) of one request."""
    if door in ("chat", "messages"):
        if form == "split_system_user":
            user = [{"role": "user", "content": pieces[1]}]
            if door == "chat":
                return "system+user", {"messages": [{"role": "system", "content": pieces[0]}, *user]}
            return "system+user", {"system": pieces[0], "messages": user}
        if form == "split_parts":
            return "text parts", {"messages": [{"role": "user", "content": [{"type": "text", "text": p} for p in pieces]}]}
        msgs = [{"role": "user", "content": p} for p in pieces]
        if form == "split2_assistant":
            msgs.insert(1, {"role": "assistant", "content": "go on"})
        return "user turns", {"messages": msgs}
    # responses
    if form == "split_system_user":
        return "system+user", {"instructions": pieces[0], "input": pieces[1]}
    if form == "split_parts":
        return "text parts", {"input": [{"role": "user", "content": [{"type": "input_text", "text": p} for p in pieces]}]}
    items: list[dict[str, Any]] = [{"role": "user", "content": p} for p in pieces]
    if form == "split2_assistant":
        items.insert(1, {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "go on"}]})
    return "user turns", {"input": items}
