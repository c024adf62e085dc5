"""`turnout kb add|remove|list|search` as a user runs them, and bad input as one line + exit 1."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from turnout.cli import app

runner = CliRunner()


def kb(store: str, *args: str):
    return runner.invoke(app, ["kb", *args, "--store", store])


def test_add_list_search_remove(tmp_path):
    store = f"sqlite:///{tmp_path / 'kb.db'}"
    faq = tmp_path / "faq.jsonl"
    faq.write_text('{"question": "How do I reset my password?", "answer": "Settings > Security."}\n'
                   '{"question": "Do you ship abroad?", "answer": "To the EU and Switzerland."}\n')
    guide = tmp_path / "guide.md"
    guide.write_text("# Returns\n\nItems can be returned within 30 days.\n\n# Warranty\n\nTwo years on every product.\n")
    added = kb(store, "add", str(faq), str(guide))
    assert added.exit_code == 0, added.output
    assert "added 2 entries" in added.output and "added 2 entries" in added.output.split("\n")[1]
    listed = kb(store, "list", "--json")
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [r.get("source") for r in rows] == [str(faq)] * 2 + [str(guide)] * 2
    assert rows[3]["text"].startswith("Warranty")
    found = kb(store, "search", "I forgot my password", "-k", "1", "--json")
    assert json.loads(found.stdout)["answer"] == "Settings > Security."
    # re-adding a file replaces its entries instead of duplicating them
    assert kb(store, "add", str(guide)).exit_code == 0
    assert len(kb(store, "list", "--json").stdout.splitlines()) == 4
    removed = kb(store, "remove", "--source", str(guide))
    assert removed.exit_code == 0 and "removed 2 entries" in removed.output
    first = rows[0]["id"]
    assert kb(store, "remove", str(first)).exit_code == 0
    assert [json.loads(x)["id"] for x in kb(store, "list", "--json").stdout.splitlines()] == [rows[1]["id"]]
    indexed = kb(store, "index", "--threads", "1")  # saved for gateways to load at start
    assert indexed.exit_code == 0 and "index of 1 entries saved to" in indexed.output
    assert (tmp_path / "kb.db.turnout_kb.index").exists() and (tmp_path / "kb.db.turnout_kb.index.json").exists()


def test_bad_input_is_one_clear_line(tmp_path):
    store = f"sqlite:///{tmp_path / 'kb.db'}"
    missing = kb(store, "add", str(tmp_path / "nope.md"))
    assert missing.exit_code == 1 and "no file at" in missing.output and "Traceback" not in missing.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "only a question"}\n')
    broken = kb(store, "add", str(bad))
    assert broken.exit_code == 1 and "bad.jsonl:1" in broken.output
    assert kb(store, "remove").exit_code == 1
    assert kb(store, "search", " ").exit_code == 1
    unreachable = runner.invoke(app, ["kb", "list", "--store", "postgresql://nobody@127.0.0.1:1/none"])
    assert unreachable.exit_code == 1 and "cannot open the knowledge base" in unreachable.output
