"""The lexical cover check: what a question asks that a stored entry never states."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from turnout.embeddings import default_embedder
from turnout.kb.coverage import content_terms, uncovered_terms

EMBEDDER = default_embedder()


def gaps(question: str, entry: str, similarity: float = 0.6) -> dict[str, bool]:
    return {t.word: t.strict for t in uncovered_terms(question, entry, EMBEDDER, similarity=similarity)}


def test_strict_terms_need_the_same_word():
    hours = "When is the bakery open? Tuesday to Saturday, 7:00 to 13:00."
    assert gaps("Is the bakery open on Mondays?", hours) == {"mondays": True}  # near word, still uncovered
    assert gaps("is the bakery open on saturdays", hours) == {}  # plural and case do not matter
    assert gaps("Does the bakery deliver to Lisbon?", "Does the bakery deliver? Yes, within Porto.") == {"lisbon": True}
    assert gaps("Can I pay 50 euros by card?", "Can I pay by card? Yes, from 10 euros.") == {"50": True}
    assert gaps("Are the croissants made with no butter?", "How are the croissants made? With flour, butter, yeast.") == {"no": True}
    assert gaps("Is there a QR menu?", "Is there a menu? Yes, on the wall.") == {"qr": True}  # an acronym


def test_stop_words_ask_nothing_and_the_first_word_is_not_a_name():
    assert content_terms("What can I do about it, please?") == []
    assert [t.strict for t in content_terms("Delivery to Porto?")] == [False, True]


def test_near_words_cover_loose_terms_unless_turned_off():
    entry = "How do I reset my password? Open Settings and choose reset."
    assert gaps("how do I reset my passwords", entry, similarity=2.0) == {}  # stemming alone
    loose = gaps("reset my login passphrase", entry, similarity=2.0)
    assert loose and not any(loose.values())  # uncovered, but not strict
    assert set(gaps("reset my login passphrase", entry, similarity=0.0)) == set()  # any word covers a loose one


_WORDS = st.sampled_from(["refund", "Refunds", "parcel", "Sunday", "monday", "Oslo", "12", "3.5", "not", "the",
                          "open", "opening", "delivery", "deliver", "VAT", "what", "price", "cost", "June", "garden"])
_TEXT = st.lists(_WORDS, min_size=0, max_size=12).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(_TEXT)
def test_an_entry_always_covers_its_own_question(question):
    assert gaps(question, question) == {}


@settings(max_examples=200, deadline=None)
@given(_TEXT, _TEXT, _TEXT)
def test_a_longer_entry_never_covers_less(question, entry, extra):
    assert set(gaps(question, f"{entry} {extra}")) <= set(gaps(question, entry))


@settings(max_examples=100, deadline=None)
@given(_TEXT, st.sampled_from(["Sunday", "Friday", "Zurich", "42", "never"]))
def test_a_strict_term_the_entry_lacks_is_always_reported(entry, term):
    if term.lower() not in entry.lower():
        assert gaps(f"Is it about {term} here?", entry).get(term.lower()) is True
