"""When names, places and dates make a request internal or confidential: the policy as data.

A structured identifier (a card, an IBAN, a key) is sensitive on its own; a name, a city or a
date rarely is. What makes "Patient Maria Gonzalez, 14 Elm Street, was admitted on 3 March"
confidential is the *combination*: a person together with a health, financial or address
detail. This module holds that part of the policy:

- levels of the new entity types alone (:data:`UNSTRUCTURED_LEVELS`): a place, an
  organisation or a date on its own is public ("weather in Paris", "founded in 1992"); a
  person is internal (the base levels in ``sensitivity.DEFAULT_LEVELS``);
- *public figures*: a person finding that names a well-known person ("Who was Napoleon?",
  "Albert Einstein's theory") counts as no finding, unless the request also holds a private
  cue ("my name is Napoleon"); so do all people named in a text about history or public life
  (a year before 1900, "century", "empire", "president": :func:`historical`), which no list
  of famous names could cover;
- *context categories* found by key words, not spans (nothing to redact): ``HEALTH``
  ("patient", "diagnosed", "prescription"), ``FINANCIAL`` ("salary", "loan", "bank account")
  and ``PRIVATE_CUE`` ("my name is", "send it to", "my daughter", a letter's salutation
  to someone by name "Dear Anna,", "I'm Anna's daughter");
- *combinations* (:data:`DEFAULT_COMBINATIONS`): when all the listed types or categories occur
  in one request, it gets at least the rule's level. Each rule is data; the config's
  ``detection.combinations`` replaces the list.

The whole request is one unit: a name in one message and a diagnosis in the next combine.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from turnout.detect.names import lexicon
from turnout.detect.private_frames import Frames, private_frame
from turnout.detect.public_terms import names_a_thing
from turnout.types import Sensitivity

__all__ = [
    "CONTEXT_CATEGORIES",
    "DEFAULT_COMBINATIONS",
    "NEAR_LIMIT",
    "NEAR_WINDOW",
    "UNSTRUCTURED_LEVELS",
    "Combination",
    "PiiPolicy",
    "context_categories",
    "has_category",
    "historical",
    "historical_lower",
    "known_for",
    "person_frame",
]

HEALTH = "HEALTH"
FINANCIAL = "FINANCIAL"
PRIVATE_CUE = "PRIVATE_CUE"
CONTEXT_CATEGORIES = frozenset({HEALTH, FINANCIAL, PRIVATE_CUE})

# levels of the new span types alone (PERSON, STREET_ADDRESS, DATE_TIME: see DEFAULT_LEVELS)
UNSTRUCTURED_LEVELS: dict[str, Sensitivity] = {
    "LOCATION": Sensitivity.PUBLIC,
    "ORGANIZATION": Sensitivity.PUBLIC,
    "DATE": Sensitivity.PUBLIC,
}

# Key words of each context category, matched on the lower-cased text as whole words. HEALTH
# also names conditions and medicines that a sentence about a person's health uses without any
# general word ("tested positive for hepatitis C", "has epilepsy", "takes sertraline"; red9g:
# 115 of 196 leaks were such sentences); words with an everyday sense are left out ("seizure",
# "virus", "disabled", "lithium").
_CUES: dict[str, str] = {
    HEALTH: r"""patients? | diagnos\w* | admitted | discharged | hospitali[sz]\w* | hospital | clinic
        | symptoms? | prescri\w* | medications? | medical | medicine | surgery | surgeon
        | therapy | therapist | treatment | treated | disease | disorder | cancer | tumou?r
        | diabetes | diabetic | hiv | aids | covid | pregnan\w* | depression | depressed | anxiety
        | blood[ ](?:pressure|tests?|sugar|count|work|results) | allerg\w* | illness | sick[ ]leave | chemotherapy | psychiatr\w*
        | mental[ ]health | health[ ]record | x-ray | mri | biopsy | vaccin\w* | insulin
        | heart[ ]attack | stroke | injur\w* | fractur\w*
        | cardiolog\w* | neurolog\w* | dermatolog\w* | gastroenterolog\w* | gyn[a]?ecolog\w* | urolog\w*
        | rheumatolog\w* | endocrinolog\w* | nephrolog\w* | orthop[a]?edic\w* | obstetric\w* | paediatrician | pediatrician
        | ecg | ekg | ultrasound | mammogram | colonoscopy | endoscopy
        | presenting[ ]with | presented[ ]with | reason[ ]for[ ](?:the[ ])?visit | sick[ ]note
        | infections? | fever | influenza | sprained | slipped[ ]disc | sciatica | shingles | measles | mumps
        | chickenpox | appendicitis | gallstones? | kidney[ ]stones? | ulcers? | hernia | tonsillitis | sinusitis
        | gout | anaemi[ac] | anemi[ac] | thyroid\w* | hypothyroid\w* | broken[ ](?:arm|leg|wrist|ankle|hip|ribs?|collarbone)
        | sclerosis | schizophreni\w* | epilep\w* | hepatitis | cirrhosis | asthma\w* | arthritis
        | dementia | alzheimer\w* | autis[mt]\w* | adhd | ptsd | ocd | bipolar | dyslexi\w* | lupus
        | crohn's | crohn’s | coeliac | celiac | copd | tuberculosis | pneumonia | bronchitis | leuk[a]?emia
        | lymphoma | melanoma | carcinoma | sarcoma | metasta\w* | oncolog\w* | cardiac | dialysis
        | transplant | rehab | addiction | alcoholism | overdosed? | suicid\w* | self-harm
        | anorexi\w* | bulimi\w* | obesity | hypertension | cholesterol | migraines? | concussion
        | paraly[sz]\w* | disabilit\w* | infertil\w* | ivf | miscarriage | abortion | chlamydia
        | herpes | syphilis | gonorrh\w* | hiv-positive | antidepressants? | antiretrovirals?
        | antibiotics? | opioids? | methadone | sertraline | fluoxetine | prozac | zoloft | xanax
        | adderall | ritalin | lexapro | metformin | ozempic | wegovy | chemo | radiotherapy
        | physiotherapy | psychotherapy | panic[ ]attacks? | insomnia | sleep[ ]apn[o]?ea | eczema
        | psoriasis | cerebral[ ]palsy | syndrome | hospice | palliative | terminally[ ]ill
        | tested[ ]positive | inhaler | wheelchair | amputat\w* | prosthe\w*""",
    FINANCIAL: r"""salary | salaries | wages? | income | bank[ ]account | account[ ]number | loan | loans
        | mortgage | debts? | credit[ ]score | tax[ ]return | taxes | invoice | overdue | owes?
        | owed | balance | wire[ ]transfer | iban | credit[ ]card | debit[ ]card | bankrupt\w*
        | pension | payroll | net[ ]worth | insurance[ ]claim | refund | paycheck | payslip | arrears""",
    PRIVATE_CUE: r"""my[ ]name[ ]is | my[ ]name's | i[ ]am[ ]called | call[ ]me | i'm[ ]called | patient
        | (?:my|our|this)[ ](?:client|customer|tenant|employee|applicant|candidate|colleague|patient|intern
        |volunteer|contractor|beneficiary|policyholder|claimant|new[ ](?:hire|starter|joiner|colleague|employee
        |intern|team[ ]member))
        | my[ ](?:wife|husband|son|daughter|mother|father|mom|mum|dad|brother|sister|friend
        |boss|neighbou?r|partner|child|kids?|grandmother|grandfather|aunt|uncle|cousin|girlfriend
        |boyfriend|fianc[ée]e?|landlord|landlady|doctor|lawyer|teacher|manager|coworker
        |co-worker|roommate|flatmate|tenant|client|patient|employee|nanny|babysitter|student|guest|subscriber
        |passenger|team[ ]member|stepson|stepdaughter|stepmother|stepfather|stepmom|stepmum|stepdad|grandma
        |grandpa|granny|grandson|granddaughter|niece|nephew|godson|goddaughter|godmother|godfather|spouse
        |housemate|classmate|in-laws|(?:mother|father|sister|brother|son|daughter)-in-law)
        | send[ ](?:it|this|that|them|the[ ]\w+)[ ]to | ship[ ](?:it[ ])?to | deliver(?:ed)?[ ](?:it[ ])?to
        | forward[ ](?:it|this|the[ ]\w+)[ ]to | lives[ ]at | living[ ]at | i[ ]live[ ](?:at|in|on)
        | who[ ](?:works?|worked|has[ ]worked)[ ](?:as|for|with)[ ](?:my|our|me|us)(?![\w])
        | (?:lives|living)[ ](?:at|on)[ ](?:no\.[ ]|number[ ])?\d+[a-z]?(?=[ ,]) | born[ ]on | date[ ]of[ ]birth | home[ ]address | contact[ ]details | emergency[ ]contact

        | (?:i[ ]am|i'm|im)[ ]\w+(?:'s|’s)[ ](?:daughter|son|wife|husband|mother|father|mom|mum|dad
        |brother|sister|child|kid|partner|girlfriend|boyfriend|niece|nephew|grand\w+)
        | (?:^|\n|(?<=[:"“]))[ \t]*dear[ ](?!sir\b|madam\b|all\b|friends?\b|colleagues\b|customers?\b|team\b
        |reader\b|members\b|everyone\b|hiring\b|valued\b)\w[\w'’-]*\.?(?:[ ]\w[\w'’-]*\.?){0,2}[ \t]*,""",
}
_CUE_RES: dict[str, re.Pattern[str]] = {
    cat: re.compile(r"(?<![\w])(?:" + words + r")(?![\w])", re.VERBOSE | re.MULTILINE)
    for cat, words in _CUES.items()
}
# cheap literal gates: a category is searched only when one of its literals occurs (HEALTH,
# with far more key words than the others, is gated by its words' starts instead: see below)
_CUE_GATES: dict[str, tuple[str, ...]] = {
    FINANCIAL: ("salar", "wage", "income", "account", "loan", "mortgage", "debt", "credit",
                "tax", "invoice", "overdue", "owe", "balance", "transfer", "iban", "card",
                "bankrupt", "pension", "payroll", "worth", "claim", "refund", "pay", "arrear"),
    PRIVATE_CUE: ("name", "call", "patient", "client", "customer", "tenant", "employee",
                  "applicant", "candidate", "colleague", "my ", "our ", "this ", "send", "ship",
                  "deliver", "forward", "live", "living", "born", "birth", "address", "contact",
                  "'s ", "’s ", "dear"),
}  # fmt: skip


# words that put a text in history: people named there are historical figures, not private
# persons ("In the 16th century, Ferdinand ...")
# (Not words that private texts use as often: "in general", "the United Kingdom", "Vancouver, BC",
# a house or extension number "1432": a year counts after "in", "of", "since" ..., as "1840s", in a
# range with a dash or before "C.E.", or closing a citation: "Letter to Queen Victoria, 1839.")
_HISTORICAL = re.compile(
    r"(?<![\w])(?:centur(?:y|ies)|empire|emperor|empress|dynasty|reign(?:ed)?|ancient|medieval"
    r"|pharaoh|(?<!united[ ])kingdom|monarch|colonial|coloni[sz]ation|revolution|treaty|crusades?|renaissance"
    r"|enlightenment|(?<=\d[ ])b\.?c\.?e?|(?<=\d)b\.?c\.?e?|a\.d\.|(?<=in[ ]|of[ ]|by[ ])1[0-8]\d\d"
    r"|(?<=since[ ]|until[ ]|circa[ ]|about[ ]|after[ ]|early[ ])1[0-8]\d\d|(?<=around[ ]|before[ ]|during[ ])1[0-8]\d\d"
    r"|(?<=c\.[ ])1[0-8]\d\d|(?<=ca\.[ ])1[0-8]\d\d|(?<=period[ ])1[0-8]\d\d|(?<=,[ ])1[0-8]\d\d(?=[.,;:)\]\n]|\Z)|1[0-8]\d0s"
    r"|1[0-8]\d\d(?=[–—]\d|[ ]c\.?e\.?(?![\w]))|historians?|philosophers?|president|senator"
    r"|prime minister|chancellor|statesman|poet|novelist|composer|painter|theorist)(?![\w])"
)
# (pii16g) philosophy, religions and myths: "Aquinas argues ...", "Vishnu's avatars", "Which Guru
# ..." (not "god": "thank god"; "christian", a given name; "saint": "Rue Saint-Denis"); searched
# only when one of _SUBJECT_GATES occurs (a longer _HISTORICAL cost ~13 µs a prose prompt)
_SUBJECT = re.compile(
    r"(?<![\w])(?:philosophy|philosophical|metaphysics|epistemology|theolog(?:y|ical|ians?)|utilitarian\w*|deontolog\w*"
    r"|existentialis[mt]|stoicism|gods|goddess(?:es)?|deity|deities|divinity|prophets?|scriptures?|bible|biblical"
    r"|gospels?|qur'?an|koran|torah|talmud|sutras?|vedas|vedic|upanishads?|buddhis[mt]s?|hinduism|hindus?"
    r"|islam(?:ic)?|christianity|judaism|jainism|jains?|jaina|sikhism|sikhs?|daoism|taoism|confucianism|shinto(?:ism)?"
    r"|zoroastrian\w*|mytholog(?:y|ies|ical)|myths?|religions?|religious|apostles?|disciples?"
    r"|bodhisattvas?|incarnations?|gurus?)(?![\w])"
)
_SUBJECT_GATES = ("philosoph", "metaphys", "epistem", "theolog", "utilitarian", "deontolog", "existentialis", "stoicism",
                  "god", "deit", "divinit", "prophet", "scriptur", "bibl", "gospel", "qur", "koran", "torah", "talmud",
                  "sutra", "veda", "upanishad", "buddhis", "hindu", "islam", "christianity", "judaism", "jain", "sikh",
                  "daoism", "taoism", "confucianism", "shinto", "zoroastrian", "myth", "religio", "apostle",
                  "disciple", "bodhisattva", "incarnation", "guru")


# the roles of a private person in an organisation's records: a text that speaks of an employee,
# a tenant or a customer is about someone's records, not history, whatever else it mentions
_RECORD_ROLES = r"""employees? | tenants? | customers? | patients? | applicants? | colleagues?
    | subscribers? | contractors? | interns? | policyholders? | claimants? | account[ ]holders? | staff[ ]members?"""
_PRIVATE_ROLE = re.compile(r"(?<![\w])(?:" + _RECORD_ROLES + r")(?![\w])", re.VERBOSE)
# (right before a name, roles that history also has count too: "student Ada Byron", "client Ada Byron";
# "client states" and "students" alone are common in history)
_PRIVATE_ROLES = _RECORD_ROLES + r""" | clients? | candidates? | residents? | students? | passengers? | guests?
    | team[ ]members? | members? | volunteers? | beneficiar(?:y|ies) | cardholders? | new[ ]hires?"""
# right before a name: "employee Dana Wells", "customer named Marie Curie", "the file of Ada Byron"
_PRIVATE_BEFORE_NAME = re.compile(
    r"(?<![\w])(?:(?:" + _PRIVATE_ROLES + r")(?:[ ](?:named|called|id|no\.?|number))?|(?:record|records|file|profile"
    r"|account|payslip|appraisal|performance[ ]review|contract|invoice|medical[ ]history|details|timesheet"
    r"|application|complaint|booking|order|appointment|reservation|prescription|ticket|claim|assessment"
    r"|reference)[ ](?:for|of))[ ]\Z",
    re.VERBOSE | re.IGNORECASE,
)


def historical(text: str) -> bool:
    """Is ``text`` about history or public life (a year before 1900, "century", "empire")?"""
    return historical_lower(text.lower())


def historical_lower(low: str) -> bool:
    """:func:`historical` of a text already lower-cased (also: philosophy, religions, myths, and
    multiple-choice questions). Not when it speaks of a private
    person's role ("employee", "tenant", "customer"): "the president of the tenants' board"
    names private persons."""
    return (_HISTORICAL.search(low) is not None or _quiz(low) or _subject(low)) and _PRIVATE_ROLE.search(low) is None


def _subject(low: str) -> bool:
    return any(g in low for g in _SUBJECT_GATES) and _SUBJECT.search(low) is not None


def _quiz(low: str) -> bool:
    """A multiple-choice question ("...\nA. ...\nB. ..."): an exam's or a quiz's, whose people
    are the figures of its subject ("According to Moore, ...\nA. pleasure\nB. ...")."""
    return ("\na. " in low and "\nb. " in low) or ("\na) " in low and "\nb) " in low)


def context_categories(text: str, wanted: Iterable[str] = CONTEXT_CATEGORIES) -> set[str]:
    """The context categories (of ``wanted``) whose key words occur in ``text``."""
    low = text.lower()
    return {cat for cat in wanted if has_category(low, cat, text)}


def _alternatives(words: str) -> list[str]:
    """The top-level alternatives of a verbose pattern's word list (groups and classes kept whole)."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(words):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "|" and depth == 0:
            out.append(words[start:i])
            start = i + 1
    out.append(words[start:])
    return ["".join(alt.split()) for alt in out]


def _word_start(alternative: str) -> str:
    """The letters every match of ``alternative`` starts its first word with: its leading
    literal up to the first character that is no word character or no literal ("tumou?r" ->
    "tumo", "hospitali[sz]\\w*" -> "hospitali", "crohn's" -> "crohn"). Under three letters, the
    word must end there ("x-ray" -> "x"): the index below is keyed by a word's first three."""
    lit = []
    for i, ch in enumerate(alternative):
        if not (ch.isalnum() or ch == "_"):
            break
        if alternative[i + 1 : i + 2] in ("?", "*", "{"):
            break  # the character is optional
        lit.append(ch)
    start = "".join(lit)
    rest = alternative[len(start) : len(start) + 1]
    if len(start) < 3 and (not start or rest in ("", "\\", "[", "(", "?", "*", "{", "+")):
        raise ValueError(f"a key word needs three letters or a whole short word first: {alternative!r}")
    return start


class _WordStarts:
    """A category's key words found from the text's words instead of by a pattern search over
    the whole text: every match starts a word (the pattern opens with ``(?<![\\w])``) whose
    letters begin with one of the category's word starts, so the pattern is tried only where
    such a word occurs. The same answer as ``pattern.search(low)``; a literal gate per key word
    (a substring search over the whole text each) cost ~6 µs a key word on a 5 KB prompt."""

    _ASCII_WORDS = str.maketrans({c: " " for c in map(chr, range(128)) if not (c.isalnum() or c == "_")})
    _WORD = re.compile(r"\w+")

    def __init__(self, words: str, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.by_three: dict[str, tuple[str, ...]] = {}
        for start in {_word_start(alt) for alt in _alternatives(words)}:
            self.by_three[start[:3]] = (*self.by_three.get(start[:3], ()), start)
        self.keys = frozenset(self.by_three)

    def search(self, low: str) -> bool:
        words = set(low.translate(self._ASCII_WORDS).split() if low.isascii() else self._WORD.findall(low))
        if self.keys.isdisjoint({word[:3] for word in words}):
            return False  # most texts: no word starts like a key word
        match, find = self.pattern.match, low.find
        for word in words:
            starts = self.by_three.get(word[:3])
            if starts is None or not word.startswith(starts):
                continue
            at = find(word)
            while at >= 0:
                if match(low, at) is not None:
                    return True
                at = find(word, at + 1)
        return False


_HEALTH_WORDS = _WordStarts(_CUES[HEALTH], _CUE_RES[HEALTH])


# (pii16g) cues on the lower-cased text that need a name's slot but not its capital ("typed without
# capitals"), each searched only when its literals occur: "i'm meeting ... for coffee", "add ... to the
# guest list", a booking line "... — 2 tickets"
_LOWER_CUES = (
    (("meeting ",), re.compile(r"(?<![\w])(?:i'm|i am|im|we're|we are) meeting \w+(?: \w+)? for (?:coffee|lunch|dinner"
                               r"|drinks|a drink|breakfast)(?![\w])")),
    (("guest list", "invite list", "invitation list", "seating plan", " rota"), re.compile(r"(?<![\w])add \w+(?: \w+)?(?: \w+)? to (?:the|my|our) (?:guest list"
                                             r"|invite list|invitation list|seating plan|rota)(?![\w])")),
    ((" ticket", " seat", " guests", " adults"),
     re.compile(r"(?:^|\n)[ \t]*[^\W\d_][\w'’.-]*(?: [\w'’.-]+){0,3} [—–-] \d+ (?:tickets?|seats?|guests?|adults?|places)"
                r"(?![\w])")),
)


def has_category(low: str, category: str, text: str | None = None) -> bool:
    """Does the lower-cased text ``low`` hold a key word of ``category``? With ``text`` (``low``
    as written), a PRIVATE_CUE is also a frame only a person fills (:func:`person_frame`)."""
    if category == HEALTH:
        return _HEALTH_WORDS.search(low)
    pattern = _CUE_RES.get(category)
    if pattern is not None and any(g in low for g in _CUE_GATES[category]) and pattern.search(low) is not None:
        return True
    if category != PRIVATE_CUE:
        return False
    if any(any(g in low for g in gates) and pattern.search(low) is not None for gates, pattern in _LOWER_CUES):
        return True
    return text is not None and person_frame(text, low)


# -- frames that only a person fills, on the text as written (a capitalised word in the slot) ----
# The tagger misses names no list holds that sit where its slot rules do not look ("Cheers,\nSeek",
# "Booked by: Quorvel", "my mentor Quorvel"); the request is about a private person all the same.
# Each frame asks for a capitalised word in the slot, so a lower-cased or a plural word ("Hello
# world", "Thanks in advance", "Name: Quarterly report") does not count, nor do the words of
# _NOT_A_NAME. The frames run on every request still public after its findings, so each is found
# from a literal (a substring test, a pattern that starts with its literal, the colons of the
# text): frames searched as one pattern, or as patterns led by a look-behind, cost 4-8x the
# private cues' own search (see docs/benchmarks.md, pii16e).
_CAP = r"[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ'’-]+(?:[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ'’-]+)*"  # (and "Anne-Laure", "O'Brien", "McKay")
_NAME = "(" + _CAP + ")"  # (the slot patterns' only capturing groups)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_NOT_A_NAME = _words("""
    The A An All Any Every Everyone Everybody Each Team Teams World There Sir Madam Sirs Friend Friends
    Folks Guys Colleagues Customer Customers Members Support Sales Accounts Management Staff Admin Reception
    Marketing Finance Security Service Services Department Office Company Committee Board Hiring Human
    Mr Mrs Ms Dr Prof Again In For From To And Or Of On At With So Very Much Lots Advance
    Regards Thanks Thank Best Cheers Love Yours Sincerely Today Tomorrow Monday Tuesday Wednesday
    Thursday Friday Saturday Sunday Python Java Google Siri Alexa ChatGPT Chatbot Claude Gemini Assistant Bot
    User Human System AI Not None No Yes Please Hello Hi Hey Dear This That These Those It Me You We
    They He She I Here What Who How Why When Where Which Christmas Easter Halloween Valentine's Valentine
    Thanksgiving Hanukkah Diwali Eid Ramadan Santa Congress Parliament Mum Mom Dad Granny Grandma Grandpa
    Beginners Dummies Kids Children Students Adults Men Women God Jesus Answer Answers Question Questions
    Options Choices Explanation Solution Note Notes Summary Example Examples Input Output Context
""")
_ROLE = (r"(?:assistant|coach|tutor|mentor|cleaner|secretary|supervisor|carer|caregiver|nurse|dentist|accountant"
         r"|teammate|trainer|physio|therapist|gardener|plumber|electrician|builder|mechanic|hairdresser"
         r"|babysitter|nanny|landlord|landlady|treasurer|caretaker|receptionist|line[ ]manager|team[ ]lead"
         r"|fiancée?|fiance|sweetheart|pal|buddy|bestie|best[ ]friend|childminder|neighbou?r|doctor|driver|vet"
         r"|lodger)")
# a greeting by name opening a message: "Hey Quorvel, ...", "Hi Seek!"
_GREETING_GATES = ("Hi", "Hey", "Hello", "Morning", "Good m", "Good a", "Good e")
_GREETING = re.compile(
    r"[ \t\n]*(?:Hi|Hey|Hello|Hiya|Morning|Good[ ](?:morning|afternoon|evening))[ \t]*,?[ \t]+"
    + _NAME + r"(?:[ ]" + _CAP + r")?[ \t]*[,!:—–-]"
)
# a sign-off closing a message, then a name on the next line or after a dash: "Cheers,\nQuorvel",
# "Kind regards,\nQuorvel\nAccounts Team", "Thanks — Seek" (the last _SIGNOFF_LINES lines)
_SIGNOFF_WORDS = (r"(?:Many[ ]thanks|Thanks|Thank[ ]you|Cheers|Regards|Kind[ ]regards|Best[ ]regards|Warm[ ]regards"
                  r"|Best[ ]wishes|Best|All[ ]the[ ]best|Sincerely|Yours(?:[ ](?:truly|sincerely|faithfully))?|Love"
                  r"|Lots[ ]of[ ]love|Take[ ]care|Talk[ ]soon|Signed)")
_SIGNOFF_STARTS = ("Many", "Thank", "Cheers", "Regards", "Kind", "Warm", "Best", "All the", "Sincerely", "Yours",
                   "Love", "Lots", "Take care", "Talk soon", "Signed")
_SIGNOFF_LINE = re.compile(_SIGNOFF_WORDS + r"[ \t]*[,:!.]?[ \t]*\Z")
_SIGNOFF_DASH = re.compile(r"(?:^|(?<=[.!?][ ]))" + _SIGNOFF_WORDS + r"[ \t]*[,:!.]?[ \t]*(?:[—–]|-[ ])[ \t]*" + _NAME)
_SIGNOFF_LINES = 4
# a form's line that holds a person's name: "Full name: ...", "Passenger: ...", "Booked by: ..."
_FORM_LABELS = frozenset(
    [f"{w}{sep}name" for w in ("full", "first", "last", "given", "family", "patient", "guest", "client", "customer",
                                "employee", "student", "tenant", "applicant", "contact", "sender", "recipient",
                                "passenger", "member", "candidate", "maiden", "preferred") for sep in (" ", "")]
    + ["name", "guest", "passenger", "attendee", "organiser", "organizer", "host", "booked by", "requested by",
       "prepared by", "submitted by", "approved by", "reported by", "referred by", "signed", "signature",
       "contact person", "tenant", "applicant", "resident", "recipient", "attn", "attention", "assignee", "caller",
       "witness", "emergency contact", "next of kin", "parent", "guardian", "spouse", "beneficiary", "policyholder",
       "claimant", "cardholder", "account holder", "to", "cc", "bcc", "from"]
)
_FORM_SLOT = re.compile(
    r"[ \t]*(?:(?:Mr|Mrs|Ms|Dr|Prof)\.?[ ])?" + _NAME + r"(?:[ ](?:[A-Z]\.|" + _CAP + r"))*[ \t]*(?=\n|\Z|[,;(])"
)
# "my mentor Quorvel", "our nanny, Seek": a role a prompt also gives the assistant ("act as my
# tutor") counts only with a name after it (found on the lower-cased text, the name checked as
# written; "the babysitter, Seek," was one more miss of 1,200 tuning rows for ~1.5 µs a request)
_ROLE_HEADS = (("my ", re.compile(r"my " + _ROLE + r"[ ]?,?[ ](?=\w)")),
               ("our ", re.compile(r"our " + _ROLE + r"[ ]?,?[ ](?=\w)")))  # fmt: skip
_NAME_AT = re.compile(_NAME + r"(?![\w'’-])")
# (the patterns below start with their literal words, spaces written as spaces, not "[ ]": so the
# regex engine scans for the literal and tries the pattern only there, 5-10x quicker on long text)
# something made for someone or written by them: "a present for Keel", "the speech Petan wrote"
_FOR = re.compile(r" for " + _NAME + r"(?:(?:'s|’s)(?=[ ]))?(?![\w'’-])(?![ ](?:Day|Eve)\b)")
_FOR_BEFORE = _words("present gift card note letter message reminder reference recommendation toast speech poem party"
                     " leaving do farewell shower send-off"
                     " surprise cake buy get bake knit book")
_WROTE = re.compile(r"the (?:speech|letter|e-?mail|note|message|card|text|toast|poem|review|feedback|complaint) "
                    r"(?=\w+[ ](?:wrote|sent|gave|left|posted|made|forwarded|signed)(?![\w]))")
# an appointment, a meeting, a meal with someone: "an appointment with Quorvel"
_WITH = re.compile(r" with (?:(?:Mr|Mrs|Ms|Dr|Prof)\.?[ ])?" + _NAME
                   + r"(?![\w'’-])(?![ ](?:Inc|Ltd|Corp|LLC|GmbH|Group|Bank|Airlines?)\b)")
_WITH_BEFORE = _words("appointment meeting call interview lunch coffee dinner drinks session catch-up one-on-one"
                      " argument row fight date chat conversation consultation viewing")
# (pii16g) a colleague, a carer's resident, a friend in a chat: "... from accounts says", "... is off
# sick today", "replace ... on the rota", "... just texted me", "... (ext. 4412)". The frames are
# looked for around each capitalised word that may be a name, and only when the word before it or
# the word after it is one a frame needs (_BEFORE_WORDS, _AFTER_WORDS): a search of each frame's
# pattern over the whole text cost ~100k instructions a prose prompt (docs/benchmarks.md, pii16g).
_SECOND = r"(?:[ ]" + _CAP + r")?"  # a second word of the name
_AWAY_WORDS = (r"(?:out|off|away|on leave|on holiday|on vacation|on annual leave|off sick|out sick|working from home"
               r"|wfh|running late|late again|late to|late for|absent|in hospital|in the hospital)(?![\w])")
# the words after the name (matched where the name ends)
_AFTER_FRAMES = re.compile(
    _SECOND + r"(?:"
    r" from (?:the )?(?:accounts|accounting|sales|hr|it|finance|marketing|legal|support|reception|payroll|procurement"
    r"|ops|operations|engineering|admin|facilities|the office|work|the gym|next door|upstairs|downstairs|my team"
    r"|our team|the team)(?![\w])"
    r"|(?: is| was| will be|'s|’s) " + _AWAY_WORDS
    + r"| (?:(?:had|has had) a (?:fall|seizure|fit|bad night|good night|turn|nap)|fell (?:over|out of bed|in))"
    r"|(?: (?:keeps|kept|just|never|always))? (?:borrow(?:s|ed|ing)?|took|takes|taking|broke|breaks|lost|loses|forgot"
    r"|forgets|ate|eats|used|uses|using|stole|steals|stealing|ignores|ignored|ignoring) my "
    r"|(?: (?:just|finally|never|still|already))? (?:texted|messaged|emailed|e-mailed|called|rang|phoned|dm'd|dmed|pinged"
    r"|replies to|replied to|answers|answered|lent|gave|sent|told|showed|asked|invited|owes|helped|drove|visited|hugged"
    r"|blocked|unfriended) (?:me|us|my)(?![\w])"
    r"|(?:'s|’s) (?:dog|cat|puppy|kitten|car|flat|apartment|house|room|wedding|birthday|party|baby|kids|children|son"
    r"|daughter|husband|wife|partner|boyfriend|girlfriend|mum|mom|dad|parents|boss|phone|number|address|email|e-mail"
    r"|rent|leaving do|retirement|funeral|garden)(?![\w])"
    r"| and I (?:are|were|have|had|will|went|both|met|used to|got|broke up)(?![\w])"
    r"| \((?:ext|x)\.?[ ]?\d{2,5}\))"
)
# the words before the name, by the word right before it (each pattern searched, in a window
# ending where the name starts, only after its own last word)
_ASK_VERBS = ("tell ask remind thank text message invite approach confront forgive comfort congratulate convince"
              " persuade")
_BEFORE_BY_WORD: dict[str, re.Pattern[str]] = {
    **dict.fromkeys(("replace", "relieve", "for", "with"), re.compile(
        r"(?<![\w])(?:replace|cover for|covering for|swap shifts with|stand in for|relieve) \Z")),
    "to": re.compile(r"(?<![\w])(?:(?:card|note|letter|message|email|e-mail|text|invitation|invite|reply|thank-you"
                     r"|postcard|gift|present|flowers) to|(?i:apologi[sz]e|say sorry|reply|respond) to) \Z"),
    "between": re.compile(r"(?<![\w])(?:chat|conversation|messages|texts|argument|row|fight|call|emails|e-mails|thread"
                          r"|dispute) between \Z"),
    **dict.fromkeys([*_ASK_VERBS.split(), "up"], re.compile(
        r"(?i:how (?:do|should|can|would) i|should i|can i|do i|help me) (?i:tell|ask|remind|thank|text|message|invite"
        r"|approach|confront|forgive|break up with|cheer up|comfort|congratulate|convince|persuade) \Z")),
}
# frames with words on both sides: "this is ... from", "buy ... for her birthday"
_AROUND_BY_WORD: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {
    **dict.fromkeys(("is", "it's", "i'm", "am"), (re.compile(r"(?:[Tt]his is|[Ii]t's|[Ii]t is|I'm|I am) \Z"),
                                                  re.compile(_SECOND + r" from "))),
    **dict.fromkeys(("get", "buy", "give", "make", "bake", "knit", "order"), (
        re.compile(r"(?<![\w])(?:get|buy|give|make|bake|knit|order) \Z"),
        re.compile(_SECOND + r" (?:something )?for (?:his|her|their) "))),
}
# "the babysitter, ..., will": a role, then the name between commas
_THE_ROLE_BEFORE = re.compile(r"(?<![\w])[Tt]he " + _ROLE + r", \Z")
_THE_ROLE_AFTER = re.compile(_SECOND + r",")
_AFTER_WORDS = _words("from is was will 's ’s had has fell keeps kept just never always finally still already and"
                      " borrowed borrows borrowing took takes taking broke breaks lost loses forgot forgets ate eats used"
                      " uses using stole steals stealing ignores ignored ignoring texted messaged emailed e-mailed called"
                      " rang phoned dm'd dmed pinged replies replied answers answered lent gave sent told showed asked"
                      " invited owes helped drove visited hugged blocked unfriended for (ext (ext. (x , ,")
# ranks that open a public figure's name ("a letter to Queen Victoria"), no private person's
_RANKS = _words("King Queen President Pope Saint St Sir Lord Lady Prince Princess Emperor Empress General Senator"
                " Chancellor Prime Governor Mayor Admiral Captain Chairman Tsar Czar Sultan Shah Pharaoh Prophet Guru")
_NO_NAME_OR_RANK = _NOT_A_NAME | _RANKS  # (priv16h: private_frames' stop words)
_CAP_FULL = re.compile(_CAP)
_CAP_SCAN = re.compile(r"[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ'’-]+")
_FORM_COLONS = 16  # colons looked at per text (a form's lines come first; a long text's colons are prose)


def person_frame(text: str, low: str | None = None) -> bool:
    """Does ``text`` hold a frame only a person fills, with a capitalised word in its slot (a
    greeting or a sign-off by name, a form's name line, "my mentor Quorvel", "a meeting with
    Seek", "a present for Keel")? ``low``: ``text`` lower-cased, when the caller has it."""
    # a greeting opens a message and a sign-off closes it
    if text.lstrip().startswith(_GREETING_GATES) and (m := _GREETING.match(text)) and _may_be_a_name(m.group(1)):
        return True
    if _signed(text):
        return True
    if ":" in text and _form_line(text):
        return True
    if " for " in text and any(
        _word_before(text, m.start()) in _FOR_BEFORE and _may_be_a_name(m.group(1)) for m in _FOR.finditer(text)
    ):
        return True
    pos = text.find(" with ")
    while pos >= 0:  # (a capital after "with" first: most are "with the", "with a")
        if text[pos + 6 : pos + 7].isupper() and _word_before(text, pos) in _WITH_BEFORE:
            m = _WITH.match(text, pos)
            if m is not None and _may_be_a_name(m.group(1)):
                return True
        pos = text.find(" with ", pos + 6)
    if low is None or len(low) != len(text):
        low = text.lower()
        if len(low) != len(text):
            return False  # (the lower-cased offsets would not be the text's)
    for gate, pattern in _ROLE_HEADS:
        if gate in low and any(_name_at(text, m.end()) for m in pattern.finditer(low)):
            return True
    if "the " in low and any(_name_at(text, m.end()) for m in _WROTE.finditer(low)):
        return True
    if _everyday_frame(text, low):
        return True
    # (priv16h) a text typed in lower case, a table's name column: the more frames of
    # private_frames (the capitalised words were asked in _everyday_frame's loop); not in a text
    # about history or a quiz, as the everyday frames
    if "\n" not in text and not text.islower():
        return False  # (no table, not typed in lower case: private_frame has nothing more to look at)
    return private_frame(text, low, _may_be_a_name, _is_figure_key, _NO_NAME_OR_RANK, capitalised=False) and (
        not historical_lower(low)
    )


# The everyday frames look at the capitalised words of a piece's first and last EVERYDAY_ENDS
# characters: a chat's or a note's whole text, a long document's opening and closing lines. On
# every word of a 5 KB prompt they cost ~80 µs of Router.route (the lead, ninth landing); the
# name tagger still reads the whole text.
EVERYDAY_ENDS = 1000


def _capitalised_near_the_ends(text: str) -> Iterator[re.Match[str]]:
    if len(text) <= 2 * EVERYDAY_ENDS:
        yield from _CAP_SCAN.finditer(text)
        return
    yield from _CAP_SCAN.finditer(text, 0, EVERYDAY_ENDS)
    yield from _CAP_SCAN.finditer(text, len(text) - EVERYDAY_ENDS)


def _everyday_frame(text: str, low_text: str | None = None) -> bool:
    """A colleague, a resident, a friend by name in an everyday frame (see _AFTER_FRAMES ...),
    or in one of private_frames' (a form's line, a ticket, a chat, a possessive: branch
    priv16h). Not a public figure's name ("Obama is on holiday in Hawaii" is news), nor in a
    text about history or a quiz (see :func:`historical`)."""

    lex = lexicon()
    frames: Frames | None = None
    # (a scan led by a plain character class: with _CAP's look-behind and inner capitals it cost
    # ~90k instructions a prose prompt, a loop over str.split() ~200k)
    for m in _capitalised_near_the_ends(text):
        start = m.start()
        if start and (text[start - 1].isalnum() or text[start - 1] in "'’-_"):
            continue
        if text[m.end() : m.end() + 1].isupper():  # "Anne-Laure", "McKay"
            m = _CAP_FULL.match(text, start) or m
        word, end = m.group(), m.end()
        if word.endswith(("'s", "’s")):
            word, end = word[:-2], end - 2
        if word in _NOT_A_NAME or word in _RANKS:
            continue
        low = word.lower()
        if low in lex.common and low not in lex.first:
            continue
        if not _frame_around(text, start, end):
            if frames is None:
                if low_text is None or len(low_text) != len(text):
                    low_text = text.lower()
                frames = Frames(text, low_text, _may_be_a_name, _is_figure_key, _NO_NAME_OR_RANK)
            if frames.at(start, end):
                return not historical_lower(low_text or text.lower())
            continue
        if _may_be_a_name(word) and not _alone_is_the_figure(_norm_name(word)):
            # (in a text about history, a letter's or a speech's words: "a letter to John")
            return not historical_lower(text.lower())
    return False


def _frame_around(text: str, start: int, end: int) -> bool:
    """Does an everyday frame hold the name at ``text[start:end]``? (The words either side first.)"""
    after = text[end : end + 40].split(None, 3)
    if text.startswith(("'s", "’s"), end):
        after.insert(0, "'s")
    elif after and after[0][:1].isupper():
        after = after[1:]  # (a second word of the name)
    if after and after[0] in _AFTER_WORDS and _AFTER_FRAMES.match(text, end):
        return True
    if not start or text[start - 1] != " ":
        return False
    before = _word_before(text, start - 1)
    window = max(0, start - 60)
    if before.endswith(","):
        return bool(_THE_ROLE_BEFORE.search(text, window, start) and _THE_ROLE_AFTER.match(text, end))
    pattern = _BEFORE_BY_WORD.get(before)
    if pattern is not None and pattern.search(text, window, start):
        return True
    around = _AROUND_BY_WORD.get(before)
    return around is not None and bool(around[0].search(text, window, start) and around[1].match(text, end))


def _signed(text: str) -> bool:
    """A sign-off among the last lines, with a name on the next line or after a dash."""
    tail = text[-240:]
    if "\n" not in tail and "—" not in tail and "–" not in tail and " - " not in tail:
        return False
    lines = tail.rstrip().split("\n")[-_SIGNOFF_LINES:]
    for k, line in enumerate(lines):
        line = line.strip()
        if k + 1 < len(lines) and line.startswith(_SIGNOFF_STARTS) and _SIGNOFF_LINE.match(line):
            m = _NAME_AT.match(lines[k + 1].strip())
            if m is not None and _may_be_a_name(m.group(1)):
                return True
        dash = "—" in line or "–" in line or " - " in line
        if dash and (m := _SIGNOFF_DASH.search(line)) is not None and _may_be_a_name(m.group(1)):
            return True
    return False


def _name_at(text: str, pos: int) -> bool:
    m = _NAME_AT.match(text, pos)
    return m is not None and _may_be_a_name(m.group(1))


def _word_before(text: str, pos: int) -> str:
    """The lower-cased word that ends at ``pos``."""
    cut = text.rfind(" ", max(0, pos - 24), pos)
    return text[cut + 1 if cut >= 0 else max(0, pos - 24) : pos].lower()


def _form_line(text: str) -> bool:
    """A line "<label>: <Name>" whose label names a person (_FORM_LABELS)."""
    colon = text.find(":")
    for _ in range(_FORM_COLONS):
        if colon < 0:
            return False
        line = text.rfind("\n", 0, colon) + 1
        if colon - line <= 24 and text[line:colon].strip().lower() in _FORM_LABELS:
            m = _FORM_SLOT.match(text, colon + 1)
            if m is not None and _may_be_a_name(m.group(1)):
                return True
        colon = text.find(":", colon + 1)
    return False


def _is_figure_key(key: str) -> bool:
    """A public figure's name (lower case, one word or several) for private_frames: one word
    only when it names the figure alone ("kant", not "jordan")."""
    key = _norm_name(key)
    if " " in key:
        return key in figures() or (not key.isascii() and _plain(key) in figures())
    return _alone_is_the_figure(key)


def _may_be_a_name(word: str) -> bool:
    """Not a country ("France and I": some are given names too, but prose about states fills these
    slots far more often), a nationality, or a place that no list has as a given name."""

    if word in _NOT_A_NAME:
        return False
    lex = lexicon()
    key = _norm_name(word)
    if key in lex.country or key in lex.nationality:
        return False
    return key in lex.first or key not in lex.place


@dataclass(frozen=True, slots=True)
class Combination:
    """All of ``types`` (entity types or context categories) in one request -> at least ``level``.
    ``near``: the categories count only within NEAR_WINDOW characters of a finding of the
    entity types (one of the first NEAR_LIMIT), not anywhere in the request (without entity
    types, anywhere)."""

    types: frozenset[str]
    level: Sensitivity
    near: bool = False

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Combination:
        unknown = set(data) - {"types", "level", "near"}
        if unknown:
            raise ValueError(f"unknown keys in a PII combination: {', '.join(sorted(unknown))}")
        types = data.get("types")
        if isinstance(types, str) or not isinstance(types, Iterable) or not types:
            raise ValueError("a PII combination needs 'types': a non-empty list")
        level = data.get("level")
        if not isinstance(level, (str, Sensitivity)):
            raise ValueError("a PII combination needs 'level': public, internal or confidential")
        near = data.get("near", False)
        if not isinstance(near, bool):
            raise ValueError("a PII combination's 'near' must be true or false")
        return cls(frozenset(str(t).upper() for t in types), Sensitivity.parse(level), near)


DEFAULT_COMBINATIONS: tuple[Combination, ...] = (
    # a person with a health, financial, address or person-tied date detail
    Combination(frozenset({"PERSON", HEALTH}), Sensitivity.CONFIDENTIAL),
    Combination(frozenset({"PERSON", FINANCIAL}), Sensitivity.CONFIDENTIAL),
    Combination(frozenset({"PERSON", "STREET_ADDRESS"}), Sensitivity.CONFIDENTIAL),
    Combination(frozenset({"PERSON", "DATE_TIME"}), Sensitivity.CONFIDENTIAL),
    # "my name is ...", "send it to ...", "my daughter ...": about a private person
    Combination(frozenset({PRIVATE_CUE}), Sensitivity.INTERNAL),
    # a private person's home with their health or finances, even without a name
    Combination(frozenset({"STREET_ADDRESS", HEALTH}), Sensitivity.CONFIDENTIAL),
    Combination(frozenset({"STREET_ADDRESS", FINANCIAL}), Sensitivity.CONFIDENTIAL),
    # an e-mail address or phone number beside a health detail: "maria.123@example.org was diagnosed
    # with ..." (looked for near the address only: see NEAR_TYPES; money words left out, they sit
    # beside a shop's support address in ordinary requests)
    Combination(frozenset({"EMAIL_ADDRESS", HEALTH}), Sensitivity.CONFIDENTIAL, near=True),
    Combination(frozenset({"PHONE_NUMBER", HEALTH}), Sensitivity.CONFIDENTIAL, near=True),
)

# A ``near`` combination holds when its category's key word is within NEAR_WINDOW characters of
# one of the first NEAR_LIMIT findings of its types (the same sentence, roughly): an e-mail
# address stands for a person only where it is written. The key words are then looked for in
# those windows, not in the whole request (a whole-text search ran on every request with an
# e-mail address: +12-17% of Router.route's p50).
NEAR_WINDOW = 120
NEAR_LIMIT = 4


def _norm_name(text: str) -> str:
    name = " ".join(text.lower().replace("’", "'").split()).rstrip(".")
    return name[:-2] if name.endswith("'s") else name


# "Maxwell's equations", "Parkinson's disease": a name that names a law, a theorem, an illness
_EPONYM_AFTER = re.compile(
    r"(?:'s|’s)?[ \t]+(?:laws?|theorems?|equations?|theory|theories|principle|paradox|constant|rule"
    r"|effect|conjecture|hypothesis|method|algorithm|disease|syndrome|number|series|transform"
    r"|distribution|test|model|problem|inequality|lemma|formula|cycle|scale|prize|award|medal)\b",
    re.IGNORECASE,
)


# (pub16h) a name that names a calendar or an era, without a possessive ("the Julian calendar",
# "the Meiji era"; "Maria's calendar" is hers)
_EPONYM_THING = re.compile(r"[ \t]+(?:calendars?|era)(?![\w])", re.IGNORECASE)


# a question about what a person is known for: "Who was ...?", "a biography of ...", "...'s
# contribution to", "What did ... discover?" (a private person's name in such a frame still
# meets the private cues and roles first: "employee ...", "my name is")
_KNOWN_FOR_BEFORE = re.compile(
    r"(?<![\w])(?:who[ ](?:was|is|were)|biography[ ]of|(?:early[ ])?li(?:fe|ves)[ ]of|legacy[ ]of|works[ ]of"
    r"|achievements[ ]of|exhibition[ ](?:on|about)|(?:what|how|why|when)[ ]did"
    r"|(?:works|books|paintings|novels|poems|songs|music|quotes|films|plays|symphonies)[ ](?:by|of)"
    r"|(?:what|who)[ ]influenced|influences[ ]on|famous[ ]quotes[ ](?:by|of|from)"
    # a work named after its hero: "Who wrote ...", "the plot of ..."
    r"|who[ ](?:wrote|painted|composed|directed|sculpted|designed|built|invented|discovered)|plot[ ]of|author[ ]of"
    r"|characters[ ]in|themes[ ](?:of|in)|adaptations?[ ]of"
    # what one asks or writes about a public figure: "tell me about ...", "in the style of ..."
    r"|tell[ ]me[ ]about|facts[ ]about|essay[ ](?:on|about)|in[ ]the[ ]style[ ]of|quotes?[ ](?:by|from)"
    # (pii16g) what one asks of a public figure, not of a private person: "How old was ... when",
    # "the reign of ...", "sayings of ...", "a portrait of ...", "the assassination of ..."
    r"|how[ ]old[ ](?:was|is|were)|quotations?[ ](?:by|from|of)|sayings[ ](?:of|by)|(?:the[ ])?teachings[ ]of"
    r"|(?:reign|presidency|papacy|assassination|discography|filmography|writings|dialogues|operas|sonnets"
    r"|sculptures|inventions|discoveries|theories|philosophy|ethics|poetry|canonization|crucifixion|martyrdom"
    r"|conquests|campaigns|dynasty|administration|premiership|chancellorship|abdication|coronation)[ ]of"
    r"|(?:paintings|portraits?|statues?|busts?|biopics?|films|documentar(?:y|ies))[ ](?:of|about)"
    r"|(?:compared?|comparing|contrast(?:ing)?)[ ](?:the[ ])?(?:views|ideas|philosoph(?:y|ies)|theories|works|styles"
    r"|teachings|policies|legacies|careers|music|art)[ ]of)(?:[ ]the)?[ ]\Z",
    re.IGNORECASE,
)
# "Which films did ... direct?", "What books has ... written?": a question about someone's works,
# with a verb of making after the name ("Which books did ... borrow?" is no such question)
_WORKS_QUESTION_BEFORE = re.compile(
    r"(?<![\w])(?:which|what)(?:[ ]\w+){0,2}?[ ](?:films?|movies?|books?|novels?|songs?|albums?|paintings?|plays?"
    r"|operas?|symphon(?:y|ies)|roles?|awards?|prizes?|records?|poems?|works?|inventions?|discover(?:y|ies)|theor(?:y|ies)"
    r"|battles?|wars?|countries|teams?|clubs?|titles?|medals?|trophies|characters?)[ ](?:did|has|have|does|do)[ ]\Z",
    re.IGNORECASE,
)
_MADE_AFTER = re.compile(
    r"[ ](?:write|wrote|written|direct(?:ed)?|star(?:red)?[ ]in|act(?:ed)?[ ]in|appear(?:ed)?[ ]in|paint(?:ed)?"
    r"|compose[d]?|record(?:ed)?|release[d]?|sing|sang|sung|produce[d]?|publish(?:ed)?|win|won|invent(?:ed)?"
    r"|discover(?:ed)?|play(?:ed)?[ ](?:for|in)|design(?:ed)?|found(?:ed)?|lead|led|fight|fought|conquer(?:ed)?"
    r"|rule[d]?|invade[d]?|create[d]?|propose[d]?|develop(?:ed)?|coach(?:ed)?|manage[d]?|score[d]?)(?![\w])",
    re.IGNORECASE,
)
_KNOWN_FOR_AFTER = re.compile(
    r"(?:'s|’s)?[ ](?:contributions?|legacy|achievements?|discoveries|inventions?|philosophy|teachings|paintings"
    r"|novels|poems|poetry|symphonies|compositions|theories|ideas|influence|impact|policies|government|reforms"
    r"|speeches|era|career|works|books|music|songs|films|plays|sonnets|quotes|views|presidency|reign"
    # (pii16g) "...'s philosophies", "...'s discography", "... is best known for", "...'s role in the Reformation"
    r"|philosophies|ethics|metaphysics|epistemology|dialogues|writings|essays|lyrics|albums|discography|filmography"
    r"|operas|concertos|sonatas|sculptures|portraits|masterpieces?|oeuvre|biography|autobiography|memoirs"
    r"|administration|premiership|papacy|dynasty|empire|kingdom|regime|conquests|campaigns|assassination|abdication"
    r"|coronation|doctrines?|quotations|sayings|aphorisms|parables|miracles|crucifixion|resurrection|prophecies"
    r"|(?:best|most|widely|well|universally)[ -]known|(?:is|was|are|were)(?:[ ](?:best|most|still|mainly|mostly|chiefly))?"
    r"[ ](?:known|famous|remembered|celebrated|renowned|revered|worshipp?ed)[ ](?:for|as)|famous[ ]for"
    r"|(?:best|most|mainly|mostly|chiefly)[ ](?:known|famous|remembered|celebrated)[ ](?:for|as)"
    r"|(?:best[- ]known|most[ ](?:famous|important|influential|celebrated|popular|famous)|greatest|seminal|iconic"
    r"|famous|signature|major|debut|magnum[ ]opus)[ ](?:works?|paintings?|songs?|novels?|books?|films?|albums?"
    r"|speech(?:es)?|quotes?|roles?|discover(?:y|ies)|inventions?|achievements?|contributions?|theor(?:y|ies)"
    r"|theorems?|poems?|plays?|symphon(?:y|ies)|operas?|sculptures?|battles?|victor(?:y|ies)|treatises?|essays?)"
    r"|role[ ]in[ ](?:the[ ])?(?:(?-i:[A-Z])|(?:\w+[ ]){0,2}(?:war|revolution|movement|reformation|renaissance|independence"
    r"|history|civil[ ]rights|enlightenment|crusades?|empire|republic|constitution|treaty|church))"
    r")(?![\w])",
    re.IGNORECASE,
)
# a courtesy title right before a name: "Mr Okonkwo", "Dr. Sato", "Frau Keller"
_TITLE_BEFORE = re.compile(
    r"(?<![\w])(?:mr|mrs|ms|mx|miss|dr|prof|herr|frau|mme|madame|monsieur|señor|señora|sr|sra)\.?[ ]\Z", re.IGNORECASE
)
# a word of a name the finding may have left out: capitalised, or a particle ("Ludwig van ...")
_NAME_WORD = r"(?:[A-Z][\w.-]*|van|von|de|da|di|du|del|der|den|of|la|le)"
_CAPITALISED_BEFORE = re.compile(r"(?<![\w'’.-])" + _NAME_WORD + r"[ ]\Z")
_CAPITALISED_AFTER = re.compile(r"[ ]" + _NAME_WORD + r"(?![\w-])")
_NAME_AFTER = re.compile(r"[ ](?:" + _NAME_WORD + r"|the)(?![\w-])")  # (and "the": "Catherine the Great")
_LIST_JOIN_AFTER = re.compile(r"(?:,[ ]and|,[ ]or|,|[ ]and|[ ]or|[ ]&)(?=[ ][A-Z])")  # " and Aristotle"
_LIST_JOIN_BEFORE = re.compile(r"(?<![\w'’.-])[A-Z][\w.'’-]*(?:,|[ ]and|,[ ]and)[ ]\Z")  # "Lovelace and "
# (pub16h) two names paired: "X and Y", "X or Y", "X vs Y", "X, Y" (each up to three capitalised words)
_PAIR_NAME = r"([A-Z][\w'’.-]*(?:[ ](?:[A-Z][\w'’.-]*|van|von|de|da|di|del|der|la|le)){0,2})"
_PAIR_AFTER = re.compile(r"(?:'s|’s)?(?:[ ]and|[ ]or|[ ]&|[ ]vs\.?|[ ]versus|,)[ ]" + _PAIR_NAME + r"(?![\w'’-])")
_PAIR_BEFORE = re.compile(r"(?<![\w'’.-])" + _PAIR_NAME + r"(?:'s|’s)?(?:[ ]and|[ ]or|[ ]&|[ ]vs\.?|[ ]versus|,)[ ]\Z")
_DID_AFTER = re.compile(
    r"[ ](?:achieve|discover|invent|contribute|compose|paint|write|prove|found|conquer|rule|believe|teach"
    r"|become[ ]famous|die|influence|inspire|change[ ]the[ ]world|win)(?![\w])"
)


def known_for(text: str, start: int, end: int) -> bool:
    """Is the person at ``text[start:end]`` asked about for what they are known for?"""
    pos = end
    name_end = -1
    for _ in range(6):  # ... the words of the name after the finding ("Ludwig van" + "Beethoven's")
        if _KNOWN_FOR_AFTER.match(text, pos) is not None:
            return True
        w = _CAPITALISED_AFTER.match(text, pos)
        if w is None:
            # ... and the names listed after it, once: "Compare Plato and Aristotle's philosophies"
            if name_end >= 0 or (w := _LIST_JOIN_AFTER.match(text, pos)) is None:
                break
            name_end = pos
        pos = w.end()
    if name_end < 0:
        name_end = pos  # "Why did Ludwig van Beethoven become famous?" found as "Ludwig"
    pos = start
    # the frame may stand before a given name the finding left out ("Who was Frida Kahlo"), or
    # before the names listed first ("the early lives of Ada Lovelace and Leo Tolstoy")
    joins = 0
    for _ in range(8):
        m = _KNOWN_FOR_BEFORE.search(text, max(0, pos - 40), pos)
        if m is not None:
            return joins > 0 or not m.group().lower().endswith("did ") or _DID_AFTER.match(text, name_end) is not None
        if _WORKS_QUESTION_BEFORE.search(text, max(0, pos - 48), pos) is not None:
            return _MADE_AFTER.match(text, name_end) is not None
        w = _CAPITALISED_BEFORE.search(text, max(0, pos - 24), pos)
        if w is None:
            if joins or (j := _LIST_JOIN_BEFORE.search(text, max(0, pos - 30), pos)) is None:
                return False
            joins, pos = 1, j.start()
            continue
        pos = w.start()
    return False


# Where a capitalised word is a place or a firm, not a person (the tagger's span says PERSON):
# in a place's slot ("museums in ...", "a trip to ...", "the centre of ...", and the places
# listed after it: "flights from Hanoi, Tbilisi and ..."), before a firm's suffix ("... Freight
# AS", "... Holdings"). A private cue in the request still makes it a person again (see
# sensitivity.assess_located). ("in" after the verbs that take a person: "confide in ...")
_IN_VERBS = _words("believe believed believes confide confided interested interest faith trust joined join cc loop")
_PLACE_PREPS = _words("into near around across visit visiting")
_TRAVEL = _words("trip trips travel travelling traveling fly flying flight flights drive driving train bus ferry"
                 " route road move moving relocate relocating holiday vacation")
_PLACE_NOUNS = _words("centre center capital outskirts population suburbs streets mayor map climate weather history"
                      " museums airport city region province")


def _place_words(words: list[str], end: int) -> bool:
    """Do ``words[:end]`` end with a place's slot ("museums in", "a trip to", "far from")?"""
    last = words[end - 1].lower() if end else ""
    prev = words[end - 2].lower() if end > 1 else ""
    return (
        last in _PLACE_PREPS
        or (last == "in" and prev not in _IN_VERBS)
        or (last in ("to", "from", "into", "in") and prev in _TRAVEL)
        or (last == "of" and prev in _PLACE_NOUNS)
        or (last == "from" and prev == "far")
    )


def _not_a_person_here(text: str, start: int, end: int) -> bool:
    """Is the capitalised word at ``text[start:end]`` a place or a firm where it stands (a
    place's slot, or the places listed after one: "flights from Hanoi, Tbilisi and ...")? Not
    when it is a possessive ("in Maria's car")."""
    if start and text[start - 1] == " ":
        # the word before could end a place's slot or a list (the cheap test first: most names
        # stand after other words)
        cut = text.rfind(" ", max(0, start - 40), start - 1)
        before = text[cut + 1 if cut >= 0 else max(0, start - 40) : start - 1]
        place = before.endswith(",") or before.lower() in _SLOT_ENDS
    else:
        place = False
    firm = text[end : end + 1] == " " and text[end + 1 : end + 2].isupper()
    if not (place or firm) or text.startswith(("'s", "’s"), end) or text.endswith(("'s", "’s"), start, end):
        return False
    if place:
        words = text[max(0, start - 80) : start].split()
        i = len(words)
        for _ in range(4):
            if _place_words(words, i):
                return True
            # the names listed before: "Hanoi, Tbilisi and " / "Bilbao or " / "Chiang Mai, "
            j = i - 1 if i and words[i - 1] in ("and", "or") else i
            if j == i and not (j and words[j - 1].endswith(",")):
                break
            k = j
            while k and words[k - 1][:1].isupper():
                k -= 1
                if k < j - 1 and words[k].endswith(","):
                    k += 1  # (another listed name: stop at its comma)
                    break
            if k == j:
                break
            i = k
    return firm and _firm_after(text, end)


_SLOT_ENDS = _PLACE_PREPS | {"in", "to", "from", "of", "and", "or"}


def _firm_after(text: str, end: int) -> bool:
    """A firm's suffix after the name and at most two more capitalised words ("... Freight AS")."""

    suffixes = lexicon().org_suffix
    for word in text[end : end + 60].split(None, 3)[:3]:
        word = word.rstrip(",;:!?)")
        if not word[:1].isupper():
            return False
        if word.lower() in suffixes and (len(word) > 2 or word.isupper()):
            return True
    return False


def _private_before(text: str, start: int) -> bool:
    """A private role or record right before the name at ``start``, or before the words of the
    name the finding left out ("Guest Vincent van" before "Gogh", "volunteer Queen" before
    "Victoria")."""
    pos = start
    for _ in range(4):
        if _PRIVATE_BEFORE_NAME.search(text, max(0, pos - 40), pos) is not None:
            return True
        w = _CAPITALISED_BEFORE.search(text, max(0, pos - 24), pos)
        if w is None:
            return False
        pos = w.start()
    return False


def figures() -> frozenset[str]:
    """The public figures the policy knows (see ``names.Lexicon.figures``)."""
    return lexicon().figures


_UNFOLDED = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "đ": "d", "ł": "l", "ı": "i", "þ": "th", "ð": "d"})


def _plain(key: str) -> str:
    """``key`` without accents, as scripts/build_pii_lexicon.py writes the list's plain spellings."""
    return "".join(c for c in unicodedata.normalize("NFKD", key.translate(_UNFOLDED)) if not unicodedata.combining(c))


def _alone_is_the_figure(key: str) -> bool:
    """Does the one word ``key`` name its public figure wherever it stands ("Obama", "Kant",
    "Vishnu")? A word of the tagger's list does unless it is a family name of the lists (the
    rule before branch pii16g); a word of :func:`figures`, unless it is a given name or a common
    word ("Jordan", "Mercury"): those count in a frame that asks about the figure."""

    lex = lexicon()
    if key in lex.public and key not in lex.last:
        return True
    if not key.isascii() and key not in figures():
        key = _plain(key)  # "Schrödinger"
    return key in figures() and (key in _MONONYMS or (key not in lex.first and key not in lex.common))


# short forms that the given-name lists hold but no private person goes by in practice
_MONONYMS = _words("""beyonce rihanna shakira kanye björk bjork aretha enya cher michelangelo rembrandt donatello
    cicero seneca ovid juvenal thales solon zeno erasmus austen""")


def _by_last_word(names: frozenset[str]) -> dict[str, tuple[str, ...]]:
    cached = _LAST_WORD_INDEX.get(id(names))
    if cached is not None and cached[0] is names:
        return cached[1]
    index: dict[str, list[str]] = {}
    for name in names:
        index.setdefault(name.split()[-1], []).append(name)
    frozen = {k: tuple(v) for k, v in index.items()}
    _LAST_WORD_INDEX[id(names)] = (names, frozen)
    return frozen


_LAST_WORD_INDEX: dict[int, tuple[frozenset[str], dict[str, tuple[str, ...]]]] = {}


@dataclass(slots=True)
class PiiPolicy:
    """The combination rules and the public-figure list (see the module docstring)."""

    combinations: tuple[Combination, ...] = DEFAULT_COMBINATIONS
    public_figures: frozenset[str] = field(default_factory=frozenset)  # added to the shipped list
    # people named in a text about history or public life count as public figures (no
    # private cue present): "In the 16th century, Ferdinand ..."
    historical_context: bool = True

    @classmethod
    def from_config(
        cls,
        combinations: Iterable[Mapping[str, Any] | Combination] | None = None,
        public_figures: Iterable[str] = (),
        historical_context: bool = True,
    ) -> PiiPolicy:
        combos = DEFAULT_COMBINATIONS if combinations is None else tuple(
            c if isinstance(c, Combination) else Combination.from_dict(c) for c in combinations
        )
        figures = frozenset(_norm_name(p) for p in public_figures if p and p.strip())
        return cls(combos, figures, historical_context)

    def is_public_figure(self, name: str) -> bool:
        """Does this person finding name a well-known person ("Napoleon", "Marie Curie")?"""

        key = _norm_name(name)
        if key in self.public_figures or key in figures() or key in lexicon().public:
            return True
        # "García Márquez": the list holds each name as written and without accents
        return not key.isascii() and _plain(key) in figures()

    def _common_family_name(self, name: str) -> bool:
        """One word that names a public figure only in a frame that asks about them: a name many
        private persons bear ("Thatcher", "Newton", "Jordan"), not one the operator listed."""
        key = _norm_name(name)
        return " " not in key and key not in self.public_figures and not _alone_is_the_figure(key)

    def is_public_person(self, text: str, start: int, end: int) -> bool:
        """A public figure at ``text[start:end]``: a listed name, the end of one written in
        full just before ("... Wendeline Okafor" found as "Okafor"), or an eponym
        ("Maxwell's equations")."""

        if start > 3 and _private_before(text, start):
            return False  # "employee Marie Curie", "the record for Isaac Newton": a namesake
        if _EPONYM_AFTER.match(text, end) or known_for(text, start, end) or _not_a_person_here(text, start, end):
            return True
        if names_a_thing(text, start, end) or _EPONYM_THING.match(text, end):  # (pub16h) "a Rolex Submariner",
            return True  # "Angkor Wat", "the Boston Celtics", "the Julian calendar"
        # a lone family name that many people bear ("Thatcher", "King") is the famous one only in a
        # frame that asks about them (the two above, or a text about history: see
        # sensitivity._public_people); "Thatcher thinks the budget is too tight" is a colleague. So
        # is any lone name after a courtesy title: "Mr Okonkwo", "Dr. Sato" are how one writes of a
        # client or a colleague, and every family name is some figure's
        if (
            self.is_public_figure(text[start:end])
            and not self._common_family_name(text[start:end])
            and not (start > 2 and " " not in text[start:end].strip() and _TITLE_BEFORE.search(text, max(0, start - 12), start))
        ):
            return True
        key = _norm_name(text[start:end])
        if key in figures() and self._beside_a_figure(text, start, end):
            return True  # (pub16h) "Mandela and Hildegard never met", "Messi vs Ronaldo"
        before = _norm_name(text[max(0, start - 40) : end])
        for names in (self.public_figures, lexicon().public, figures()):
            for full in _by_last_word(names).get(key.split()[-1] if key else "", ()):
                if before.endswith(full) and len(full) > len(key):
                    return True
        # the start of one written in full after ("Alan" of "Alan Turing", "Catherine" of "Catherine
        # the Great": the tagger leaves out the words of its own list of famous names)
        pos = end
        for _ in range(3):
            w = _NAME_AFTER.match(text, pos)
            if w is None:
                break
            pos = w.end()
            if self.is_public_figure(text[start:pos]):
                return True
        return False

    def _beside_a_figure(self, text: str, start: int, end: int) -> bool:
        """Is the listed figure's short form at ``text[start:end]`` ("Hildegard", "Ali": given
        names too) paired with a name that is a figure by itself ("Mandela and Hildegard", "Ali
        vs Tyson", "Serena or Federer")? A private person is seldom listed beside one."""
        m = _PAIR_AFTER.match(text, end)
        if m is not None:
            words = m.group(1).split()
            if any(self._figure_alone(" ".join(words[:k])) for k in range(1, len(words) + 1)):
                return True
        m = _PAIR_BEFORE.search(text, max(0, start - 48), start)
        if m is None:
            return False
        words = m.group(1).split()  # ("Did Mandela and ...": the name is the words nearest the join)
        return any(self._figure_alone(" ".join(words[k:])) for k in range(len(words)))

    def _figure_alone(self, name: str) -> bool:
        key = _norm_name(name)
        if " " in key:
            return self.is_public_figure(name)
        return key in self.public_figures or _alone_is_the_figure(key)

    def level(self, types: set[str]) -> Sensitivity:
        """The highest level of the combinations whose types all occur in ``types``."""
        level = Sensitivity.PUBLIC
        for combo in self.combinations:
            if combo.level.rank > level.rank and combo.types <= types:
                level = combo.level
        return level

    def categories_to_look_for(self, types: set[str], above: Sensitivity | None = None) -> set[str]:
        """The context categories that could still complete a combination, given ``types``
        (only combinations whose level is higher than ``above``, when given: the others
        cannot change the outcome), to be looked for in the whole request; those that only
        ``near`` combinations want are in :meth:`categories_near` instead."""
        floor = -1 if above is None else above.rank
        wanted: set[str] = set()
        for rank, cats, others, near in _split(self.combinations)[0]:
            if rank > floor and not near and others <= types:
                wanted |= cats
        return wanted

    def categories_near(self, types: set[str], above: Sensitivity | None = None) -> dict[str, frozenset[str]]:
        """The context categories that could complete a ``near`` combination (an e-mail address
        with a health detail), each with the entity types near whose findings it counts."""
        wanted: dict[str, frozenset[str]] = {}
        if types.isdisjoint(_split(self.combinations)[1]):
            return wanted  # (most requests: no e-mail address or phone number)
        floor = -1 if above is None else above.rank
        for rank, cats, others, near in _split(self.combinations)[0]:
            if rank > floor and near and others <= types:
                for cat in cats:
                    wanted[cat] = wanted.get(cat, frozenset()) | others
        return wanted


_Row = tuple[int, frozenset[str], frozenset[str], bool]  # (level rank, categories, entity types, near)
_SPLITS: dict[int, tuple[tuple[Combination, ...], tuple[tuple[_Row, ...], frozenset[str]]]] = {}


def _split(combinations: tuple[Combination, ...]) -> tuple[tuple[_Row, ...], frozenset[str]]:
    """The combinations that hold a context category, split once per tuple of combinations
    (each request asks which categories to look for: no set operations per combination then),
    and the entity types of the ``near`` ones."""
    cached = _SPLITS.get(id(combinations))
    if cached is not None and cached[0] is combinations:
        return cached[1]
    rows = tuple(
        # (a near combination with no entity type has nothing to be near: the whole text)
        (c.level.rank, c.types & CONTEXT_CATEGORIES, c.types - CONTEXT_CATEGORIES, c.near and bool(c.types - CONTEXT_CATEGORIES))
        for c in combinations if c.types & CONTEXT_CATEGORIES
    )
    near_types = frozenset().union(*(others for _, _, others, near in rows if near))
    if len(_SPLITS) > 64:  # bounded: one entry per configuration in practice
        _SPLITS.clear()
    _SPLITS[id(combinations)] = (combinations, (rows, near_types))
    return rows, near_types


DEFAULT_POLICY = PiiPolicy()


LOOK_FOR, NEAR, LEVEL = 0, 1, 2  # what policy_answer is asked
# What the PII policy answers for a set of types (which context categories to look for, which
# near which types, the level of the combinations) depends on its combinations alone, and
# requests repeat a handful of type sets (most hold none): each answer is worked out once per
# tuple of combinations (a tenth of the cost of asking; held by identity, as _split
# holds its rows). A subclass of PiiPolicy may answer otherwise: it is asked every time.
_ANSWERS: dict[tuple[int, int, frozenset[str], int], tuple[tuple[Combination, ...], Any]] = {}
_ANSWERS_MAX = 4096


def policy_answer(what: int, pii_policy: PiiPolicy, kinds: set[str], above: Sensitivity) -> Any:
    memo = type(pii_policy) is PiiPolicy
    combos = pii_policy.combinations
    key = (what, id(combos), frozenset(kinds), above.rank)
    if memo:
        hit = _ANSWERS.get(key)
        if hit is not None and hit[0] is combos:
            return hit[1]
    answer: Any
    if what == LOOK_FOR:
        answer = frozenset(pii_policy.categories_to_look_for(kinds, above=above))
    elif what == NEAR:
        answer = MappingProxyType(pii_policy.categories_near(kinds, above=above))
    else:
        answer = pii_policy.level(kinds)
    if memo:
        if len(_ANSWERS) >= _ANSWERS_MAX:
            _ANSWERS.clear()
        _ANSWERS[key] = (combos, answer)
    return answer
