"""A word that opens a sentence or a line reads, to the tagger, as a text's first ("<s>"
before it), whatever the sentence before it says (red9g:
"Fenella Achterberg from accounting has HIV" was a PERSON alone and a place after another
sentence, so the same words in a tool result went to the cloud)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from turnout.config import DetectionConfig
from turnout.detect import names
from turnout.policy.detectors import PiiSensitivityDetector
from turnout.types import Sensitivity

words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=4, max_size=8)  # ("Al." keeps its dot: an initial)
caps = words.map(str.capitalize)
# a sentence's words (abbreviations and numbers inside, a plain word last: "3." or "etc." ending
# a sentence are no full stop the tokens can tell from an abbreviation)
before_sentences = st.builds(lambda inner, last: " ".join([*inner, last]),
                             st.lists(st.one_of(words, caps, st.sampled_from(["Dr.", "etc.", "U.S.", "3", ","])),
                                      max_size=5), words) | st.just("")


@settings(max_examples=400, deadline=None)
@given(before=before_sentences, stop=st.sampled_from([".", "!", "?", "", ":"]),
       sep=st.sampled_from([" ", "\n", "\n\n", " \n "]), first=caps, second=caps, rest=st.lists(words, max_size=5),
       end=st.sampled_from([".", "!", "?"]), after=before_sentences)
def test_a_sentence_opening_word_reads_alike_wherever_it_stands(before, stop, sep, first, second, rest, end, after):
    sentence = " ".join([first, second, *rest]) + end
    if stop in ("", ":") and "\n" not in sep:
        stop = "."  # without a full stop or a line break the words run on into this sentence
    lead = (before + stop + sep) if before else ""
    text = lead + sentence + (" " + after if after else "")
    k = len(lead)
    alone = names._surroundings(sentence, 0, len(first), set(), False)
    there = names._surroundings(text, k, k + len(first), set(), False)
    assert alone[:4] == there[:4]  # the word, its sentence start and the two tokens before it


def test_a_name_with_a_diagnosis_after_another_sentence_is_confidential():
    detector = PiiSensitivityDetector(DetectionConfig())
    text = "Summarise the notes above in two sentences. Quorvel Achterberg from accounting has HIV, keep it quiet"
    assert detector.assess([{"role": "user", "content": text}], None, {}).level is Sensitivity.CONFIDENTIAL
