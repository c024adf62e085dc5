"""Text and markdown documents into passages for the knowledge base.

A passage is a run of whole paragraphs of at most ``max_words`` words (a longer paragraph is
cut at sentence ends, then at words), never crossing a markdown heading; each passage starts
with its heading path ("Billing > Refunds") so a passage found alone still says what it is
about. JSONL files hold ready entries instead ({question, answer} or {text}, optional
"confidential" and "source").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import orjson

from turnout.kb.store import Entry

__all__ = ["chunk_text", "entries_from_file"]

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def _pieces(paragraph: str, max_words: int) -> Iterator[str]:
    words = paragraph.split()
    if len(words) <= max_words:
        yield paragraph
        return
    current: list[str] = []
    for sentence in _SENTENCE.split(paragraph):
        sw = sentence.split()
        if current and len(current) + len(sw) > max_words:
            yield " ".join(current)
            current = []
        while len(sw) > max_words:
            yield " ".join(sw[:max_words])
            sw = sw[max_words:]
        current += sw
    if current:
        yield " ".join(current)


def chunk_text(text: str, *, max_words: int = 120, markdown: bool = True) -> list[str]:
    """Passages of a document, in order."""
    if max_words < 10:
        raise ValueError("max_words must be at least 10")
    sections: list[tuple[list[str], list[str]]] = [([], [])]  # (heading path, paragraphs)
    path: list[tuple[int, str]] = []
    paragraph: list[str] = []

    def end_paragraph() -> None:
        if paragraph:
            sections[-1][1].append(" ".join(line.strip() for line in paragraph))
            paragraph.clear()

    for line in text.splitlines():
        m = _HEADING.match(line) if markdown else None
        if m:
            end_paragraph()
            level = len(m.group(1))
            path = [(lv, t) for lv, t in path if lv < level] + [(level, m.group(2))]
            sections.append(([t for _, t in path], []))
        elif line.strip():
            paragraph.append(line)
        else:
            end_paragraph()
    end_paragraph()

    passages: list[str] = []
    for headings, paragraphs in sections:
        prefix = " > ".join(headings)
        current: list[str] = []
        count = 0
        for para in paragraphs:
            for piece in _pieces(para, max_words):
                n = len(piece.split())
                if current and count + n > max_words:
                    passages.append(_with_prefix(prefix, current))
                    current, count = [], 0
                current.append(piece)
                count += n
        if current:
            passages.append(_with_prefix(prefix, current))
    return passages


def _with_prefix(prefix: str, paragraphs: list[str]) -> str:
    body = "\n\n".join(paragraphs)
    return f"{prefix}\n\n{body}" if prefix else body


def entries_from_file(path: str | Path, *, confidential: bool = False, max_words: int = 120) -> list[Entry]:
    """A .jsonl file's rows, or a text/markdown document's passages, with their source."""
    path = Path(path)
    raw = path.read_bytes()
    source = str(path)
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        entries = []
        for number, line in enumerate(raw.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = orjson.loads(line)
                if not isinstance(row, dict):
                    raise ValueError("expected a JSON object")
                entries.append(Entry(question=row.get("question"), answer=row.get("answer"), text=row.get("text"),
                                     source=row.get("source") or source,
                                     confidential=bool(row.get("confidential", confidential))))
            except (orjson.JSONDecodeError, ValueError) as exc:
                raise ValueError(f"{path}:{number}: {exc}") from None
        return entries
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not UTF-8 text (give .txt, .md or .jsonl files)") from None
    markdown = path.suffix.lower() in (".md", ".markdown")
    return [Entry(text=p, source=source, confidential=confidential)
            for p in chunk_text(text, max_words=max_words, markdown=markdown)]
