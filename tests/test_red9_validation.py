"""A content part that names a known type but lacks its payload is refused at the door with a
400 naming it (red9): the providers' translations read ``part["image_url"]["url"]`` and the like,
so such a part was a KeyError / AttributeError (a 500) on Claude, Gemini and Ollama."""

from __future__ import annotations

import pytest

from turnout.errors import BadRequestError
from turnout.validation import validate_messages

BAD = [
    {"type": "text"}, {"type": "text", "text": 5},
    {"type": "image_url"}, {"type": "image_url", "image_url": None}, {"type": "image_url", "image_url": {}},
    {"type": "image_url", "image_url": {"url": 1}},
    {"type": "input_audio"}, {"type": "input_audio", "input_audio": "x"},
    {"type": "file"}, {"type": "file", "file": "x"},
]
GOOD = [
    {"type": "text", "text": "hi"},
    {"type": "image_url", "image_url": {"url": "https://img.test/a.png", "detail": "low"}},
    {"type": "image_url", "image_url": "data:image/png;base64,iVBORw0KGgo="},
    {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}},
    {"type": "file", "file": {"file_id": "file-1"}},
    {"type": "x_vendor_part", "anything": [1, 2]},
]


@pytest.mark.parametrize("part", BAD)
@pytest.mark.parametrize("role", ["user", "tool"])
def test_a_known_part_without_its_payload_is_a_400(part, role):
    message = {"role": role, "content": [part], **({"tool_call_id": "c"} if role == "tool" else {})}
    with pytest.raises(BadRequestError) as exc:
        validate_messages([message])
    assert exc.value.param == "messages[0].content[0]"


@pytest.mark.parametrize("part", GOOD)
def test_well_formed_and_unknown_parts_pass(part):
    validate_messages([{"role": "user", "content": [part]}])
