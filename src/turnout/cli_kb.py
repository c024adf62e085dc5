"""`turnout kb add|remove|list|search`: manage the knowledge base the router answers from.

The store is ``routing.retrieval.store`` of the config (or ``--store``), default
``sqlite:///turnout-kb.db``; a PostgreSQL URL shares one knowledge base between gateways.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any, NoReturn

import orjson
import typer

kb_app = typer.Typer(help="Manage the retrieval knowledge base (add, remove, list, search).", no_args_is_help=True)

DEFAULT_STORE = "sqlite:///turnout-kb.db"

_STORE_OPT = typer.Option(None, "--store", help="sqlite:///path.db or postgresql://... (default: the config's "
                                                "routing.retrieval.store, else sqlite:///turnout-kb.db)")
_CONFIG_OPT = typer.Option(None, "--config", "-c", help="turnout.yaml to read the store from")
_JSON_OPT = typer.Option(False, "--json", help="JSON lines instead of text")


def _fail(message: str) -> NoReturn:
    sys.stderr.write(f"turnout: error: {message}\n")
    raise typer.Exit(1)


def _open(store: str | None, config: str | None, *, threads: int = 1) -> Any:
    from turnout.config import load_config
    from turnout.errors import TurnoutError
    from turnout.kb.store import KnowledgeStore, default_snapshot

    try:
        rcfg = load_config(config).routing.retrieval
        url = store or rcfg.store or DEFAULT_STORE
        # no in-process index: adding, listing and removing never search, and one search
        # scans the stored vectors (seconds at a million) instead of building the index (minutes)
        return KnowledgeStore.open(url, prefix=rcfg.store_prefix, index="lazy", index_threads=threads,
                                   snapshot=rcfg.index_snapshot or default_snapshot(url, rcfg.store_prefix),
                                   search_expansion=rcfg.search_expansion, connectivity=rcfg.index_connectivity,
                                   expansion_add=rcfg.index_expansion_add)
    except TurnoutError as exc:
        _fail(exc.message)
    except Exception as exc:  # a bad URL, an unreachable database: one line, not a traceback
        _fail(f"cannot open the knowledge base: {exc}")


def _show(entry_id: int, entry: Any, score: float | None, as_json: bool) -> None:
    if as_json:
        row = {"id": entry_id, **({"score": round(score, 4)} if score is not None else {}),
               "question": entry.question, "answer": entry.answer, "text": entry.text,
               "source": entry.source, "confidential": entry.confidential}
        sys.stdout.write(orjson.dumps({k: v for k, v in row.items() if v is not None}).decode() + "\n")
        return
    head = f"[{entry_id}]" + (f" {score:.3f}" if score is not None else "")
    head += f"  {entry.source}" if entry.source else ""
    head += "  (confidential)" if entry.confidential else ""
    body = f"Q: {entry.question}\nA: {entry.answer}" if entry.question is not None else (entry.text or "")
    sys.stdout.write(head + "\n" + "\n".join("    " + line for line in body.splitlines()) + "\n")


@kb_app.command("add")
def kb_add(
    paths: list[Path] = typer.Argument(..., help=".jsonl ({question, answer} or {text} rows), .md or .txt files"),
    confidential: bool = typer.Option(False, "--confidential", help="requests that use these entries stay local"),
    max_words: int = typer.Option(120, "--max-words", help="passage size when chunking documents"),
    replace: bool = typer.Option(True, "--replace/--append", help="remove a file's earlier entries first"),
    store: str | None = _STORE_OPT,
    config: str | None = _CONFIG_OPT,
) -> None:
    """Add Q&A rows or chunked documents; each entry remembers its source file."""
    from turnout.kb.chunking import entries_from_file

    batches = []
    for path in paths:
        if not path.is_file():
            _fail(f"no file at {path}")
        try:
            batches.append((path, entries_from_file(path, confidential=confidential, max_words=max_words)))
        except (OSError, ValueError) as exc:
            _fail(str(exc))
    kb = _open(store, config)
    try:
        for path, entries in batches:
            removed = kb.remove(source=str(path)) if replace else 0
            ids = kb.add(entries)
            span = f"ids {ids[0]}-{ids[-1]}" if ids else "nothing"
            sys.stdout.write(f"{path}: added {len(ids)} entries ({span})" + (f", replaced {removed}" if removed else "") + "\n")
    finally:
        kb.close()


@kb_app.command("remove")
def kb_remove(
    ids: list[int] = typer.Argument(None, help="entry ids (see `turnout kb list`)"),
    source: str | None = typer.Option(None, "--source", help="remove every entry from this source"),
    store: str | None = _STORE_OPT,
    config: str | None = _CONFIG_OPT,
) -> None:
    """Remove entries by id or by source."""
    if not ids and source is None:
        _fail("give entry ids or --source")
    kb = _open(store, config)
    try:
        n = kb.remove(ids or [], source=source)
    finally:
        kb.close()
    sys.stdout.write(f"removed {n} entries\n")
    if n == 0:
        raise typer.Exit(1)


@kb_app.command("list")
def kb_list(
    source: str | None = typer.Option(None, "--source"),
    limit: int = typer.Option(100, "--limit", min=1),
    offset: int = typer.Option(0, "--offset", min=0),
    as_json: bool = _JSON_OPT,
    store: str | None = _STORE_OPT,
    config: str | None = _CONFIG_OPT,
) -> None:
    """List entries (id, source, question/answer or passage)."""
    kb = _open(store, config)
    try:
        rows = kb.entries(source=source, limit=limit, offset=offset)
        total = len(kb)
    finally:
        kb.close()
    for row in rows:
        _show(row.id, row.entry, None, as_json)
    if not as_json:
        sys.stderr.write(f"{len(rows)} of {total} entries\n")


@kb_app.command("index")
def kb_index(
    threads: int = typer.Option(os.cpu_count() or 1, "--threads", min=1, help="threads building the index"),
    store: str | None = _STORE_OPT,
    config: str | None = _CONFIG_OPT,
) -> None:
    """Build the search index and save it, so gateways start without building it (after a bulk add)."""
    kb = _open(store, config, threads=threads)
    try:
        started = time.perf_counter()
        kb.sync()  # builds the index (or loads the snapshot and applies what changed since)
        kb.save_snapshot()
        where, count = kb.snapshot_path, len(kb)
    finally:
        kb.close()
    sys.stdout.write(f"index of {count} entries saved to {where} ({time.perf_counter() - started:.1f} s)\n")


@kb_app.command("search")
def kb_search(
    query: str = typer.Argument(...),
    k: int = typer.Option(3, "-k", min=1, max=50),
    as_json: bool = _JSON_OPT,
    store: str | None = _STORE_OPT,
    config: str | None = _CONFIG_OPT,
) -> None:
    """The entries nearest to a question, best first, with their cosine scores."""
    if not query.strip():
        _fail("the query is empty")
    kb = _open(store, config)
    try:
        hits = kb.search(query, k, exact=True)
        entries = kb.get([h.index for h in hits])
    finally:
        kb.close()
    for h in hits:
        if h.index in entries:
            _show(h.index, entries[h.index], h.score, as_json)
