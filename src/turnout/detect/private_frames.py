"""More frames that only a private person fills, for prompts the name tagger reads no name in.

``pii_policy`` asks these frames for a request still public after its findings: the request is
about a private person (a ``PRIVATE_CUE``: at least internal) when one of them holds a word that
may be a name. ``pii_policy._everyday_frame`` asks :meth:`Frames.at` of each capitalised word it
scans; :func:`private_frame` looks at a text typed in lower case and at a table's name column. The tagger's misses on the tuning
sets of branch priv16h were names of many countries written in Latin letters ("Do-yoon",
"Oyuunchimeg", "Al-Farsi"), initials ("A.K. Mensah") and text typed in lower case, in frames
no rule had:

- a labelled line of a form, a ticket or a CRM record ("Assigned to: ...", "Reviewed by: ...",
  "Account manager: ...", "Contact: ... | Company: ...") and a table whose header names a
  ``name`` column ("id,name,segment\\n10754,Zainab Al-Qahtani,gold");
- a chat transcript's speaker ("[09:14] Eitan: running late", two lines "enkhtuya: ..." /
  "takeshi: ..."), a mention opening a message ("@zhiwei can you ...");
- a possessive before a person's belongings, family or life events ("Ploy's flight", "Seia's
  retirement dinner", "lucky's mother");
- a first- or second-person everyday frame ("did Ganbold ever pay you back", "why is irakli
  ignoring my texts", "Tell Do-yoon I'll be late", "follow up with somchai xu").

A word "may be a name" when capitalised, as ``pii_policy`` decides for its own frames (no
country, nationality, place that is no given name, stop word); lower-cased, when no list of
common English words holds it (unless a given-name list does) and it is no place. A public
figure's name never counts. They run on every request still public after its findings, so a
word is looked at only when the word before or after it is one a frame needs (a colon, "'s", a
verb such as "cannot", "by", "tell" ...), and a text typed in lower case only when it says I,
you, she or he or has a label, a mention or a possessive (docs/benchmarks.md, priv16h).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from turnout.detect.names import lexicon

__all__ = ["Frames", "private_frame"]

_LETTERS = r"[^\W\d_]"
# a word of a name as written: capitalised, lower-cased, hyphenated ("Do-yoon", "al-farsi"),
# with an apostrophe ("O'Neill"), or an initial ("A.", "A.K.")
_WORD = _LETTERS + r"[^\W\d_'’-]*(?:['’-]" + _LETTERS + r"+)*"
_INITIALS = r"(?:" + _LETTERS + r"\.){1,3}"
_NAME_RUN = r"(?:" + _INITIALS + r"[ ]?)?" + _WORD + r"(?:[ ](?:" + _INITIALS + r"|" + _WORD + r"))" + r"{0,3}"
_NAME_RUN_SHORT = _NAME_RUN + "?"  # (the fewest words before what the frame needs after them)

# -- the frames, by the word before the name and the word after it ---------------------------
# The frames are looked for only around the words of the text that may be names (no common
# English word, unless a given or a family name: a set difference in C), and each only when the
# word before or after the name is one it needs: a search of each frame's pattern over the whole
# text cost ~1 ms a prose prompt (first version of this module, docs/benchmarks.md, priv16h).

_LABEL_ROLES = frozenset(["owner", "manager", "contact", "agent", "assignee", "assigned", "requester", "requestor", "reporter", "reviewer", "approver", "author", "editor", "interviewer", "interviewee", "candidate", "applicant", "caller", "customer", "client", "patient", "resident", "tenant", "student", "pupil", "employee", "staff", "worker", "supervisor", "teacher", "tutor", "parent", "guardian", "mother", "father", "carer", "caregiver", "doctor", "gp", "nurse", "therapist", "driver", "courier", "technician", "engineer", "buyer", "seller", "vendor", "rep", "representative", "host", "guest", "attendee", "attendees", "participant", "participants", "present", "apologies", "speaker", "speakers", "organiser", "organizer", "volunteer", "member", "members", "kin", "photo", "photograph", "photographer", "credit", "credits", "lead", "leader", "coordinator", "administrator", "admin", "recipient", "sender", "witness", "referee", "mentor", "coach", "trainer", "trainee", "intern", "landlord", "landlady", "partner", "spouse", "sponsor", "signatory", "holder", "account", "interview", "review", "appraisal"])
_NAME_COLUMNS = frozenset(["name", "full name", "full_name", "fullname", "customer", "customer name",
                           "customer_name", "contact", "contact name", "contact_name", "first name",
                           "first_name", "last name", "last_name", "employee", "employee name",
                           "student", "patient", "client", "client name", "owner"])
_SEPARATORS = (",", ";", "|", "\t")
_BELONGINGS = frozenset(["flight", "flights", "train", "bus", "taxi", "lift", "car", "bike", "keys", "phone", "number", "address", "email", "mother", "father", "mum", "mom", "dad", "parents", "brother", "sister", "son", "daughter", "kids", "children", "baby", "wife", "husband", "partner", "boyfriend", "girlfriend", "fiance", "fiancé", "fiancée", "grandmother", "grandfather", "grandma", "grandpa", "granny", "aunt", "uncle", "cousin", "nephew", "niece", "family", "dog", "cat", "puppy", "kitten", "pet", "birthday", "wedding", "funeral", "retirement", "leaving", "farewell", "party", "dinner", "lunch", "shift", "notice", "resignation", "promotion", "contract", "payslip", "salary", "interview", "appraisal", "review", "feedback", "homework", "grades", "exam", "essay", "teacher", "class", "school", "report", "application", "visa", "passport", "flat", "house", "room", "rent", "lease", "appointment", "surgery", "diagnosis", "medication", "treatment", "results", "scan", "recovery", "condition", "wheelchair"])
_ONLY_A_PERSON_HAS = frozenset(["mother", "father", "mum", "mom", "dad", "parents", "wife", "husband", "boyfriend", "girlfriend", "fiance", "fiancé", "fiancée", "grandmother", "grandfather", "grandma", "grandpa", "granny", "retirement", "funeral", "birthday", "wedding", "payslip", "salary", "homework", "resignation", "notice", "diagnosis", "medication"])
_JOBS = (r"(?:buyer|manager|director|officer|assistant|consultant|analyst|designer|developer|engineer|lead|head"
         r"|specialist|coordinator|administrator|accountant|advisor|adviser|executive|associate|partner|founder"
         r"|ceo|cto|cfo|coo|intern|secretary|representative|recruiter|nurse|teacher|lecturer|researcher"
         r"|technician|supervisor|agent|clerk|editor|producer|architect|solicitor|attorney|paralegal)")

_ROLES = (r"(?:plumber|electrician|builder|cleaner|babysitter|nanny|driver|courier|landlord|landlady|tenant"
          r"|neighbou?r|teacher|tutor|coach|doctor|dentist|nurse|therapist|vet|mechanic|gardener|carer|caregiver"
          r"|manager|boss|colleague|assistant|receptionist|accountant|lawyer|solicitor|agent|contractor|caretaker"
          r"|trainer|instructor|decorator|handyman|locksmith|postman|flatmate|roommate|housemate|lodger|mentor"
          r"|intern|friend|cousin|niece|nephew|aunt|uncle|son|daughter|stepson|stepdaughter|grandson|granddaughter"
          r"|partner|husband|wife|boyfriend|girlfriend|fianc[ée]e?|client|patient|customer|student|pupil)")
_ROLE_WORDS = frozenset(_ROLES[3:-1].replace("neighbou?r", "neighbour|neighbor").replace("fianc[ée]e?",
                        "fiance|fiancé|fiancee|fiancée").split("|"))

# before the name, each an end-anchored pattern tried on the 60 characters before it, only when
# the word before the name is one of the pattern's last words. Kinds: "me" (the speaker's or
# listener's own words must follow: "did ... ever pay you back"), "after" (words that continue a
# request about them: "Tell ... I'll be late"), "any" (whatever follows), "loose" (a slot that may
# end its line: "Requested by ..."), "cap" (a capitalised word counts whatever else it is)
_IMPERATIVES = ["tell", "ask", "remind", "text", "call", "email", "e-mail", "ping", "message", "thank", "invite", "congratulate", "pay", "warn", "update", "cc", "in", "with", "to"]
_QUESTIONS = ["did", "has", "is", "does", "won't", "doesn't", "isn't", "hasn't", "can't", "didn't"]
_BEFORE_FRAMES: tuple[tuple[str, re.Pattern[str], frozenset[str]], ...] = (
    ("after", re.compile(
        r"(?:^|[.!?\n:][ ]?|\][ ]|[,;][ ]|(?i:how (?:do|should|can|would) i|should i|can i|do i|help me)[ ])"
        r"(?i:tell|ask|remind|text|call|email|e-mail|ping|message|thank|invite"
        r"|congratulate|pay|warn|update|cc|loop in|follow up with|check with|check in with|catch up with|talk to"
        r"|speak to|speak with|reach out to)[ ]\Z"), frozenset(_IMPERATIVES)),
    ("me", re.compile(r"(?i:did|has|why is|why does|why did|why won't|why doesn't|why isn't|why hasn't|why can't"
                      r"|why didn't)[ ]\Z"), frozenset(_QUESTIONS)),
    ("any", re.compile(
        r"(?i:has anyone heard from|did you hear from|got off the phone with|just spoke to|just talked to"
        r"|heard back from|waiting on|waiting for|translate this for|message for|note for|write back to|reply to"
        r"|comment for|comments for|feedback for|review for|recommendation for|reference for|letter for"
        r"|detention for|suspension for|sick note for|permission slip for|(?:scheduled|booked|arranged|set up"
        r"|planned) with|(?:hearing|meeting|appointment|interview|call|session|1:1|one-to-one|catch-up|chat) with"
        r"|toast for|speech for|card for|gift for|present for|poem for|cake for|surprise party for|tribute to"
        r"|in memory of|in loving memory of|condolences to|replace|cover for|covering for|swap shifts with"
        r"|stand in for)[ ]\Z"),
     frozenset(["from", "with", "on", "for", "to", "of", "replace"])),
    ("loose", re.compile(
        r"(?:(?i:handed[ ]in|requested|escalated|raised|reported|submitted|logged|opened|closed|resolved|assigned"
        r"|approved|signed|reviewed|referred|recommended|interviewed|booked|ordered|paid)[ ]by"
        r"|(?i:query|complaint|message|e-?mail|call|voicemail|text|note|callback|request|invoice|refund[ ]request)"
        r"[ ]from)[ ](?:(?i:mr|mrs|ms|mx|dr|prof)\.?[ ])?\Z"),
     frozenset(["by", "from", "mr", "mr.", "mrs", "mrs.", "ms", "ms.", "mx", "mx.", "dr", "dr.", "prof", "prof."])),
    ("named", re.compile(
        r"(?i:(?:my|our|his|her|their)[ ](?:[\w-]+[ ]){0,3}?(?:mother|father|mum|mom|dad|grandmother|grandfather"
        r"|grandma|grandpa|aunt|uncle|great-aunt|great-uncle|sister|brother|son|daughter|cousin|wife|husband|partner"
        r"|friend|neighbou?r|colleague|boss|teacher|doctor|nurse|landlord|landlady|baby|child)[ ](?:was|is)[ ]"
        r"(?:called|named)|calls[ ]me|called[ ]me|call[ ]her|call[ ]him|goes[ ]by|go[ ]by"
        r"|(?:first|last|family|given|full|maiden|middle|sur)[ ]?name(?:'s|’s|[ ]is|\?|:))[ ]\Z"),
     frozenset(["called", "named", "me", "her", "him", "by", "is", "name?", "name:", "name's", "name’s", "surname?", "surname:"])),
    ("cap", re.compile(r"(?<![\w'’-])(?i:(?:mr|mrs|ms|mx)\.?|dr\.|prof\.)[ ]\Z"),
     frozenset(["mr", "mr.", "mrs", "mrs.", "ms", "ms.", "mx", "mx.", "dr.", "prof."])),
    ("cap", re.compile(r"(?<![\w])(?:[Mm]y|[Oo]ur)[ ]" + _ROLES + r"[ ]\Z"), _ROLE_WORDS),
    ("lone", re.compile(r"\A[ \t\n]*(?:Thanks|Thank[ ]you|Many[ ]thanks|Cheers|Ta)[ \t]*,?[ \t]+\Z"),
     frozenset(["thanks", "you", "cheers", "ta", "thanks,", "you,", "cheers,"])),
)
# frames with words on both sides: the words before (end-anchored), then those after the name
_AROUND_FRAMES: tuple[tuple[re.Pattern[str], re.Pattern[str], frozenset[str]], ...] = (
    (re.compile(r"(?:\A|[.!?\n][ ]|\n)[ \t]*(?i:i'm|i’m|i am|im|this is)[ ]\Z"),
     re.compile(r"(?:,[ ](?i:originally[ ]from|from|and|here)|[ ](?i:from[ ]the|from[ ]apartment|from[ ]flat"
                r"|from[ ]room|here))(?![\w])"), frozenset(["i'm", "i’m", "am", "im", "is"])),
    (re.compile(r"(?i:put|sign|book|pencil)[ ]\Z"), re.compile(r"[ ](?:down|up|in)[ ]for(?![\w])"),
     frozenset(["put", "sign", "book", "pencil"])),
    (re.compile(r"(?i:the[ ](?:speech|letter|e-?mail|note|message|card|text|toast|poem|review|feedback|complaint))"
                r"[ ]\Z"), re.compile(r"[ ](?:wrote|sent|gave|left|posted|made|forwarded|signed)(?![\w])"),
     frozenset(["speech", "letter", "email", "e-mail", "note", "message", "card", "text", "toast", "poem", "review", "feedback", "complaint"])),
    (re.compile(r"(?i:the|my|our|your|their|his|her)[ ]" + _ROLES + r",[ ]\Z"), re.compile(r","),
     frozenset(w + "," for w in _ROLE_WORDS)),
)
# the words after the name that make a request about them ("Tell ... I'll be late")
_AFTER_NAME = re.compile(
    r"[ ,](?:(?:ever|still|already|just|even|really|finally|actually|always|never|again)[ ])?(?:(?:\w+)[ ])?"
    r"(?:me|my|mine|us|our|you|your|i|i'll|i'm|i've|i'd|we|we'll|we're)(?![\w'’])"
    r"|[ ](?:know|about)[ ]|[ ]?:|,|[ ](?:that|to|whether|if|when|why|how|back|asap|tomorrow|today|tonight|about|after"
    r"|before|next|later|soon|again|in[ ]a|on|at)(?![\w])",
    re.IGNORECASE,
)
_AFTER_NAME_ME = re.compile(
    r"[ ](?:(?:ever|still|already|just|even|really|finally|actually|always|never|again)[ ])?(?:(?:\w+)[ ])?"
    r"(?:me|my|mine|us|our|you|your|i|i'll|i'm|i've|i'd|we|we'll|we're)(?![\w'’])",
    re.IGNORECASE,
)
# after the name, each start-anchored, tried only when the word after the name is one it needs
_VERB_FRAME = re.compile(
    r"[ ](?:(?:(?:has|had|just|now|also|still|never|always|finally|already|keeps|kept|is|was)[ ])?(?:(?:cannot|can't|can’t"
    r"|couldn't|could not|is unable to|was unable to|is locked out|was locked out|forgot (?:his|her|their) password"
    r"|left a voicemail|left a message|called in sick|phoned in sick|handed in (?:his|her|their) notice|requested"
    r"|reports|reported|asked for|wants a refund|would like to|now reports to|reports to|borrowed|lent me|forgot"
    r"|hugged|yelled at|shouted at|apologi[sz]ed|babysat|lives at|lives on|missed (?:the|my|her|his|our|their|a)"
    r" (?:deadline|meeting|flight|train|bus|appointment|call|shift|class)|(?i:and i) (?:are|were|have|had|will"
    r"|went|both|met|used to|got)|(?:are|is|were|was) getting married|got married|got engaged|got divorced"
    r"|are expecting|had a baby|in (?i:year|grade|class|form|p|y)[ ]?\d{1,2}(?!\d))(?![\w])"
    r"|(?:\w+(?:ed|s|ing)|owes|owe|told|sent|gave|lent|left|took|brought|said|met|saw|sold|bought|forgot"
    r"|hung up on|ghosted|dumped|blocked|ignoring|avoiding|cancelled on|stood)[ ](?:me|us|my|our)(?![\w'’])"
    r"|(?:is|was|seems|has always been)[ ](?:a|an)[ ](?:(?:very|really|truly|such a|great|good|kind|lovely)[ ])?"
    r"(?:[\w-]+[ ])?(?:person|man|woman|guy|girl|boy|lady|gentleman|listener|colleague|friend|neighbou?r|worker"
    r"|employee|student|pupil|teacher|parent|mum|mom|dad|kid|child|human[ ]being)(?![\w])"
    r"|as[ ](?:a|an|my|our|the|his|her)[ ](?:beneficiary|guarantor|referee|emergency[ ]contact|next[ ]of[ ]kin"
    r"|co-?signer|dependant|dependent|authori[sz]ed[ ]user|joint[ ]account|guardian|witness|executor"
    r"|power[ ]of[ ]attorney|plus[ ]one|godparent|godmother|godfather)(?![\w])))"
    r"|(?:[ ](?i:md|jr\.?|sr\.?|phd|ii|iii))?,[ ](?i:the|my|our|your|a|an)[ ](?:[\w-]+[ ])?"
    + _ROLES.replace("(?:", "(?i:", 1) + r"(?![\w])"
)
_POSSESSIVE = re.compile(r"(?:'s|’s|s'|s’)[ ](?:(?:new|old|little|big|late|first|last|next|latest|own|younger|older"
                         r"|elder|baby|second)[ ])?(" + _LETTERS + r"+)")
_SPEAKER_BEFORE = re.compile(r"[ \t>*-]*(\[?\d{1,2}:\d{2}(?::\d{2})?(?:[ ]?[AaPp][Mm])?\]?[ \t]*(?:[-–][ \t]*)?)?<?@?\Z")
_LABEL_BEFORE = re.compile(r"[ \t>*-]*(" + _LETTERS + r"[\w' -]{0,30}?)[ \t]*:[ \t]*(?:(?i:mr|mrs|ms|dr|prof)\.?[ ])?\Z")
_LONE_END = re.compile(r"[ \t]*[,!.]")
_SLOT_END = re.compile(r"[ \t]*(?:\n|\Z|[,;(|])")
_MENTION_NEXT = re.compile(
    r"[,:]?[ ](?i:can|could|would|will|please|pls|plz|thanks|thank|are|is|do|did|have|any|when|where|what|how|why"
    r"|you|your|we|i|just|ok|hey|hi|fyi|ptal|lgtm)(?![\w])"
)
# the subject of a sentence that then speaks of them as she or he ("Do-yoon forgot her PE kit")
_SENTENCE_LEAD = re.compile(r"(?:\A|[.!?;][ ]|\n|(?i:ok so|so|and|but|then|lol|omg|btw|also)[ ])[ \t]*\Z")
_PRONOUN_AFTER = re.compile(
    r"[ ](?:(?:has|had|just|also|still|never|always|finally|already|now)[ ])?(?!(?i:in|on|at|of|and|or|to|from|with"
    r"|for|is|was|are|the|a|an)[ ])[a-z]+[ ][^.!?\n]{0,60}?(?<![\w'’])(?i:she|he|her|his|him|she'd|he'd|she's|he's"
    r"|she'll|he'll|herself|himself)(?![\w'’])"
)
_CARD_AFTER = re.compile(r"[ \t]*\n[ \t]*(?:[\w&-]+[ ]){0,3}" + _JOBS + r"s?[ \t]*(?:\n|\Z|,)", re.IGNORECASE)
_RECORD_LINE = re.compile(r"[ \t]*(" + _WORD + r"),[ ](" + _WORD + r"(?:[ ]" + _WORD + r")?)[ \t]*(?=[;|\t])")
_AFTER_GATE = frozenset(["cannot", "can't", "can’t", "couldn't", "could", "keeps", "kept", "requested", "reports",
                         "reported", "asked", "wants", "would", "borrowed", "lent", "forgot", "hugged", "yelled",
                         "shouted", "apologised", "apologized", "babysat", "lives", "missed", "got", "seems", "md", "jr",
                         "jr.", "sr", "sr.", "phd", "ii", "iii", "owes", "owe", "told", "sent", "gave", "left", "took",
                         "brought", "said", "met", "saw", "sold", "bought", "hung", "ghosted", "dumped", "blocked",
                         "ignoring", "avoiding", "cancelled", "stood", "finally", "already", "never", "always"])
# words after the name that prose uses all the time: a frame only with the right word after them
# ("... is a kind person", "... in Year 4", "... and I are"; not "Paris is the capital")
_VERB_FIRST = _AFTER_GATE | {"called", "phoned", "handed", "getting", "expecting", "unable", "locked", "a", "an"}
_SECOND_WORDS: dict[str, frozenset[str]] = {
    **dict.fromkeys(("is", "was", "has", "had", "just", "now", "also", "still"), _VERB_FIRST),
    "in": frozenset(["year", "grade", "class", "form", "p1", "p2", "p3", "p4", "p5", "p6", "p7", "y1", "y2", "y3", "y4",
                     "y5", "y6"]),
    "and": frozenset(["i"]),
    **dict.fromkeys(("are", "were"), frozenset(["getting", "expecting"])),
    "as": frozenset(["a", "an", "my", "our", "the", "his", "her"]),
}

# lower-case words that are names of nothing but common English in lists: left out of the
# common-word test below ("rich", "will" are given names; too common to read as one)
_LOWER_STOP = frozenset(["me", "my", "you", "your", "we", "us", "our", "i", "he", "she", "him", "her", "his", "they", "them", "their", "it", "its", "this", "that", "these", "those", "the", "a", "an", "and", "or", "but", "if", "so", "not", "no", "yes", "all", "any", "some", "every", "each", "what", "who", "how", "why", "when", "where", "which", "there", "here", "team", "everyone", "everybody", "someone", "somebody", "anyone", "anybody", "nobody", "people", "folks", "guys", "sir", "madam"])


def _lower_name_like(word: str) -> bool:
    """A lower-cased word that may be a name: no common English word unless a given name (and no
    stop word), no place unless a given name, no country or nationality."""
    key = word.lower().rstrip(".")
    if len(key) < 3 or key in _LOWER_STOP or not key.replace("-", "").replace("'", "").isalpha():
        return False
    lex = lexicon()
    if key in lex.country or key in lex.nationality:
        return False
    if key in lex.first:
        return key not in lex.common or key in lex.last
    return key not in lex.common and key not in lex.place


def _name_like(word: str, may_be_a_name: Callable[[str], bool], is_figure: Callable[[str], bool]) -> bool:
    """May ``word`` (one word of a name, as written) be a private person's name?"""
    word = word.rstrip(".")
    if len(word) < 2 or is_figure(word.lower()):
        return False
    if word[:1].isupper():
        if word.isupper() and len(word) > 1 and "-" not in word:
            return False  # an acronym ("VPN", "HR")
        key = word.lower()
        lex = lexicon()
        if key in lex.common and key not in lex.first and key not in lex.last:
            return False
        return may_be_a_name(word)
    return _lower_name_like(word)


_PARTS = frozenset(["de", "van", "von", "der", "den", "del", "da", "di", "du", "la", "le", "bin", "binti", "al", "el"])
_TITLES = frozenset(["mr", "mrs", "ms", "mx", "dr", "prof", "miss"])


class _Names:
    """The checks of a slot's words, with the caller's tests for a capitalised word and for a
    public figure (pii_policy's)."""

    __slots__ = ("is_figure", "may_be_a_name", "stop")

    def __init__(
        self, may_be_a_name: Callable[[str], bool], is_figure: Callable[[str], bool], stop: frozenset[str]
    ) -> None:
        self.may_be_a_name, self.is_figure, self.stop = may_be_a_name, is_figure, stop

    def run(self, run: str, loose: bool = True) -> bool:
        """A run of a name's words: one of them may be a name and no plain common word is among
        them ("the printer", "quarterly report"); ``loose`` (a slot that ends with its line or
        cell: "Reviewed by: ploy chaiyaporn"), as many names as common words. After a courtesy
        title, a capitalised word counts unless a country or a stop word ("Mr Kiens")."""
        words = [w for w in run.replace(",", " ").split() if not _INITIAL.fullmatch(w)]
        if not words or len(words) > 4 or self.is_figure(run.lower().strip()):
            return False
        lex = lexicon()
        names = commons = 0
        titled = False
        for w in words:
            key = w.lower().rstrip(".")
            if key in _TITLES:
                titled = True
                continue
            if key in _PARTS:
                continue
            if _name_like(w, self.may_be_a_name, self.is_figure) or (titled and self.capitalised(w)):
                names += 1
            elif key in lex.common and key not in lex.first and key not in lex.last:
                if not loose:
                    return False
                commons += 1
        return names > 0 and names >= commons

    def capitalised(self, word: str) -> bool:
        """A capitalised word in a slot only a person fills, whatever else it may be (a place:
        "our neighbour Goro"), but a country, a nationality, a stop word or a public figure."""
        word = word.rstrip(".")
        if not (word[:1].isupper() and word[1:].replace("-", "").replace("'", "").isalpha()) or word.isupper():
            return False
        if word in self.stop:
            return False  # "Monday", "Team", "Sir"
        key = word.lower()
        lex = lexicon()
        return (key not in _LOWER_STOP and key not in lex.country and key not in lex.nationality
                and not self.is_figure(key) and (key not in lex.common or key in lex.first or key in lex.last))

    def prefix(self, run: str, loose: bool = False) -> bool:
        """The slot's first words name someone (a pattern's slot runs on over the words after
        the name: "requested by halyna bondarenko after 4pm")."""
        words = run.split()
        return any(self.run(" ".join(words[:k]), loose) for k in range(1, len(words) + 1))

    def suffix(self, run: str) -> bool:
        """The slot's last words name someone (the words before the name: "customer m. noh
        reports ...")."""
        words = run.split()
        return any(self.run(" ".join(words[k:]), loose=True) for k in range(len(words) - 1, -1, -1))


_INITIAL = re.compile(_INITIALS)
_CONTRACTION = re.compile(r"['’](?:ll|m|d|ve|re|s|t)\Z")  # "I'll", "I'm": no word of a name


_INITIAL = re.compile(_INITIALS)
_CONTRACTION = re.compile(r"['’](?:ll|m|d|ve|re|s|t)\Z")  # "I'll", "I'm": no word of a name
_NAME_WORDS_AROUND = re.compile(r"(?:" + _INITIALS + r"|" + _WORD + r")")
_TOKEN_RE = re.compile(r"[\w-]+")


def _candidates(text: str, low: str, typed_lower: bool) -> set[str]:
    """The words of the text (lower-cased) that may be names: no common English word that no
    name list holds (most of a prose prompt's words are; the set difference is done in C), and,
    in a text with capitals, capitalised (the never-names are held in both forms)."""
    if text.isascii():  # (bytes.translate: a table lookup per byte in C, ~10x str.translate's)
        raw = set((low if typed_lower else text).encode().translate(_BYTE_TOKENS).split())
        raw.difference_update(_never_a_name_bytes())
        if not typed_lower:
            raw = {w for w in raw if 64 < w[0] < 91}  # (capitalised: "A" to "Z")
        if not raw:
            return set()
        left = {w.decode().lower() for w in raw}
    else:
        left = set(_TOKEN_RE.findall(low if typed_lower else text)).difference(_never_a_name())
        if not typed_lower:
            left = {w.lower() for w in left if w[:1].isupper()}
        left.difference_update(_never_a_name())
    out = set()
    for w in left:
        w = w.strip("-_")
        if len(w) < 2 or not w.replace("-", "").isalpha():
            continue
        if "-" in w and all(len(p) < 2 or p in _never_a_name() for p in w.split("-")):
            continue  # "well-known", "e-mail"
        out.add(w)
    return out


_NEVER: list[frozenset[str]] = []
_NEVER_BYTES: list[frozenset[bytes]] = []
_BYTE_TOKENS = bytes(c if (chr(c).isalnum() and c < 128) or chr(c) in "-_" else 32 for c in range(256))


def _never_a_name_bytes() -> frozenset[bytes]:
    """The never-names as bytes, lower-cased and capitalised ("The", "However")."""
    if not _NEVER_BYTES:
        words = [w for w in _never_a_name() if w.isascii()]
        _NEVER_BYTES.append(frozenset(w.encode() for w in words) | frozenset(w.capitalize().encode() for w in words))
    return _NEVER_BYTES[0]


def _never_a_name() -> frozenset[str]:
    """Common English words that no given- or family-name list holds, and stop words."""
    if not _NEVER:
        lex = lexicon()
        _NEVER.append((lex.common - lex.first - lex.last) | _LOWER_STOP)
    return _NEVER[0]


def _word_before(text: str, pos: int) -> str:
    """The lower-cased word that ends where ``text[pos - 1]`` is a space."""
    if pos < 2 or text[pos - 1] != " ":
        return ""
    cut = text.rfind(" ", max(0, pos - 26), pos - 1)
    return text[cut + 1 if cut >= 0 else max(0, pos - 26) : pos - 1].lower()


def _word_after(text: str, end: int) -> str:
    """The lower-cased word after ``text[end]``, a space."""
    if text[end : end + 1] != " ":
        return ""
    cut = text.find(" ", end + 1, end + 28)
    return text[end + 1 : cut if cut >= 0 else end + 28].lower().rstrip(",.;:!?")


def _run_bounds(text: str, s: int, e: int, stop: frozenset[str]) -> tuple[int, int]:
    """The whole name around the word at ``text[s:e]`` (at most three more words each way):
    capitalised words, initials and particles ("Maëlle Le Gall", "F. binti Ahmad"; before the
    word, no common English word: "Customer Maëlle"); in lower case, the words around it that
    no common-word list holds ("e.k. peretz", "kael tisson")."""
    lower = not text[s].isupper()
    if not lower and not text[e + 1 : e + 2].isupper() and not (
        s > 1 and text[s - 1] == " " and (text[s - 2] == "." or text[text.rfind(" ", max(0, s - 24), s - 1) + 1].isupper())
    ):
        return s, e  # (most capitalised words: no capitalised word or initial right before or after)
    common = lexicon().common
    for _ in range(3):
        if s < 2 or text[s - 1] != " ":
            break
        cut = text.rfind(" ", max(0, s - 24), s - 1)
        w = text[cut + 1 : s - 1]
        key = w.lower().rstrip(".")
        if not _NAME_WORDS_AROUND.fullmatch(w) or _CONTRACTION.search(key) or key in _TITLES:
            break
        if key not in _PARTS and not _INITIAL.fullmatch(w) and (
            (lower and (w[:1].isupper() or key in common)) or (not lower and (not w[:1].isupper() or key in common))
        ):
            break
        s = cut + 1
    for _ in range(3):
        m = _NAME_WORDS_AROUND.match(text, e + 1) if text[e : e + 1] == " " else None
        if m is None:
            break
        w = m.group()
        key = w.lower().rstrip(".")
        if _CONTRACTION.search(key) or key in _TITLES or w in stop or key in _LOWER_STOP:
            break
        if key not in _PARTS and not _INITIAL.fullmatch(w) and (
            (lower and (w[:1].isupper() or key in common)) or (not lower and not w[:1].isupper())
        ):
            break
        e = m.end()
    return s, e


class Frames:
    """The frames of one text, asked word by word: :meth:`at` for a capitalised word that may be
    a name (``pii_policy._everyday_frame`` scans them already), :func:`private_frame` for a text
    typed in lower case and for a table's name column."""

    __slots__ = ("low", "n", "pronoun_", "speakers", "text")

    def __init__(
        self, text: str, low: str, may_be_a_name: Callable[[str], bool], is_figure: Callable[[str], bool],
        stop: frozenset[str],
    ) -> None:
        self.text = text
        self.n = _Names(may_be_a_name, is_figure, stop)
        self.speakers: set[str] = set()
        self.low = low
        self.pronoun_: bool | None = None

    def pronoun(self) -> bool:
        """Does the text say she or he (asked once, when a sentence's subject needs it)?"""
        if self.pronoun_ is None:
            self.pronoun_ = any(g in self.low for g in _PRONOUN_GATES)
        return self.pronoun_

    def at(self, s: int, e: int) -> bool:
        """A frame around the word at ``text[s:e]``."""
        return _frame_at(self.text, s, e, self)

    def table(self, low: str) -> bool:
        """A table whose header names a name column, with a name in that column."""
        text = self.text
        return "\n" in text and "name" in low and any(c in text for c in _SEPARATORS) and _table(text, self.n.run)


def private_frame(
    text: str,
    low: str,
    may_be_a_name: Callable[[str], bool],
    is_figure: Callable[[str], bool],
    stop: frozenset[str] = frozenset(),
    capitalised: bool = True,
) -> bool:
    """Does ``text`` (``low``: lower-cased, the same length) hold one of this module's frames
    with a word that may be a private person's name in its slot? ``may_be_a_name``: the
    policy's test of a capitalised word; ``is_figure``: of a public figure's name (lower case);
    ``stop``: capitalised words that are never a name here ("Monday", "Team"). ``capitalised``:
    False when the caller has asked :meth:`Frames.at` of the text's capitalised words already
    (then only a text typed in lower case and a table are looked at)."""
    table = "\n" in text and "name" in low and any(c in text for c in _SEPARATORS)
    typed_lower = text.islower()  # (a text with capitals writes names with them)
    # a text typed in lower case that says no I, you, she or he and has no line's label, no
    # mention and no possessive: a question about the world ("who played ... in ..."); such
    # texts are most short prompts, and their rare words made this the costliest path
    personal = typed_lower and _PERSONAL.search(low) is not None
    if not (table or personal or (capitalised and not typed_lower)):
        return False  # (most texts: a cheap answer before any object is made)
    frames = Frames(text, low, may_be_a_name, is_figure, stop)
    if table and _table(text, frames.n.run):
        return True
    if not (personal or (capitalised and not typed_lower)):
        return False
    words = _candidates(text, low, typed_lower)
    size = len(low)
    for w in words:
        at = low.find(w)
        while at >= 0:
            e = at + len(w)
            if (typed_lower or text[at].isupper()) and (at == 0 or not (low[at - 1].isalnum() or low[at - 1] in "-_")) and (
                e == size or not (low[e].isalnum() or low[e] in "-_")
            ) and frames.at(at, e):
                return True
            at = low.find(w, e)
    return False


_PERSONAL = re.compile(r"(?<![\w'’])(?:i|i'm|i’m|im|me|my|you|your|we|us|our|she|he|her|his|him|she's|he's)(?![\w'’])"
                       r"|[:@\n]|['’]s[ ]")
_PRONOUN_GATES = (" she", " he ", " her", " his ", " him", " he'", " he’")
_ALL_BEFORE_LASTS = frozenset().union(*(lasts for _, _, lasts in _BEFORE_FRAMES),
                                      *(lasts for _, _, lasts in _AROUND_FRAMES))


def _name_beside(text: str, s: int, e: int, low: str) -> bool:
    """Is the word before or after ``text[s:e]`` (one space away) capitalised, an initial, or, in
    lower case, no common word?"""
    if s > 1 and text[s - 1] == " " and (text[s - 2].isalpha() or text[s - 2] == "."):
        cut = text.rfind(" ", max(0, s - 24), s - 1)
        w = low[cut + 1 : s - 1]
        if text[cut + 1].isupper() or w.endswith(".") or w not in _common():
            return True
    if text[e : e + 1] == " " and text[e + 1 : e + 2].isalpha():
        cut = text.find(" ", e + 1, e + 26)
        w = low[e + 1 : cut if cut >= 0 else e + 26].rstrip(",.;:!?)")
        return text[e + 1].isupper() or w not in _common()
    return False


def _common() -> frozenset[str]:
    if not _COMMON:
        _COMMON.append(lexicon().common)
    return _COMMON[0]


_COMMON: list[frozenset[str]] = []


def _worth_a_look(text: str, rs: int, re_: int, frames: Frames) -> bool:
    """A cheap look at the name's neighbours: could any frame hold it? (Most capitalised words of
    prose stand between words no frame has.)"""
    after = text[re_ : re_ + 1]
    if after in (":", "'", "’", ",") or text.endswith(("'s", "’s"), rs, re_) or (rs and text[rs - 1] == "@"):
        return True
    # (the line's start looked for within 48 characters: labels and rows are short)
    line = text.rfind("\n", max(0, rs - 48), rs) + 1 if rs > 48 else text.rfind("\n", 0, rs) + 1
    if (line or rs <= 48) and rs - line < 48:
        if text.find(":", line, rs) >= 0:
            return True  # a labelled line
        if (line == rs or text[line:rs].isspace()) and text.find("\n", re_, re_ + 3) >= 0:
            return True  # a name alone on its line (a card)
        if text.find(";", line, line + 80) >= 0 or text.find("|", line, line + 80) >= 0 or (
            text.find("\t", line, line + 80) >= 0
        ):
            return True  # a record's row
    before = _word_before(text, rs)
    if before in _ALL_BEFORE_LASTS:
        return True
    nxt = _word_after(text, re_)
    if nxt in _AFTER_GATE:
        return True
    seconds = _SECOND_WORDS.get(nxt)
    if seconds is not None:
        second = _word_after(text, re_ + 1 + len(nxt))
        if second in seconds or second.endswith(("ed", "ing")):
            return True
    # the subject of a sentence, in a text that says she or he
    return (rs == 0 or text[rs - 1] == "\n" or text[rs - 2 : rs] in (". ", "! ", "? ", "; ")
            or before in _LEADS) and frames.pronoun()


_LEADS = frozenset(["so", "and", "but", "then", "lol", "omg", "btw", "also"])


def _frame_at(text: str, s: int, e: int, frames: Frames) -> bool:
    """One of the frames around the word at ``text[s:e]``, a word that may be a name."""
    n, speakers = frames.n, frames.speakers
    if not _worth_a_look(text, s, e, frames):
        # (the word's own neighbours first: a longer name is looked at from its first and its
        # last word, whose neighbour is then another word of the name)
        if not _name_beside(text, s, e, frames.low):
            return False
        rs, re_ = _run_bounds(text, s, e, n.stop)
        if (rs, re_) == (s, e) or not _worth_a_look(text, rs, re_, frames):
            return False
    else:
        rs, re_ = _run_bounds(text, s, e, n.stop)
    after = text[re_ : re_ + 1]
    # a line's label before the name, a speaker's name before a colon, a name alone on a line
    line = text.rfind("\n", 0, rs) + 1
    if after == ":" and (m := _SPEAKER_BEFORE.match(text, line, rs)) is not None and n.run(text[rs:re_]):
        if m.group(1):
            return True  # a time-stamped line of a chat log
        speakers.add(text[rs:re_].lower())
        if len(speakers) > 1:
            return True  # two speakers' lines
    if ":" in text[line:rs] and (m := _LABEL_BEFORE.fullmatch(text, line, rs)) is not None:
        label = m.group(1).strip().lower()
        last = label.rsplit(None, 1)[-1] if label else ""
        if (last in _LABEL_ROLES or last in ("by", "to", "for", "with")) and len(label.split()) <= 4:
            end = _SLOT_END.search(text, rs)
            slot = text[rs : end.start() if end else len(text)]
            if n.run(slot, loose=True) or (" " not in slot.strip() and n.capitalised(slot.strip())):
                return True
    if not text[line:rs].strip() and _CARD_AFTER.match(text, re_) is not None and n.run(text[rs:re_], loose=True):
        return True
    if (rs > 0 and text[rs - 1] == "@" and not text[line : rs - 1].strip() and _MENTION_NEXT.match(text, re_)
            and n.run(text[rs:re_])):
        return True  # "@zelvani can you ..." opening a line
    if rs - line < 40 and (m := _RECORD_LINE.match(text, line)) is not None and n.run(f"{m.group(2)} {m.group(1)}"):
        return True  # "SONG, Guoqiang;Bruges;lead"
    # a possessive before what only a person has
    if after in ("'", "’") or text.endswith(("'s", "’s"), s, e):
        m = _POSSESSIVE.match(text, re_ if after in ("'", "’") else e - 2)
        if m is not None and (noun := m.group(1).lower()) in _BELONGINGS:
            name = text[rs:re_] if after in ("'", "’") else text[rs : e - 2]
            if n.run(name) or (noun in _ONLY_A_PERSON_HAS and n.capitalised(name.split()[0])):
                return True
    # the words before the name
    before = _word_before(text, rs)
    if before:
        window = max(0, rs - 60)
        for kind, pattern, lasts in _BEFORE_FRAMES:
            if before not in lasts or pattern.search(text, window, rs) is None:
                continue
            if kind == "cap":
                first = text[rs:re_].split()[0]
                name = text[rs:re_].lower()
                if n.is_figure(f"{before} {name}") or n.is_figure(f"{before.rstrip('.')} {name}"):
                    continue  # "Mr Darcy", "Dr. Seuss": a title that is part of a figure's name
                if n.capitalised(first) if first[:1].isupper() else n.run(first):
                    return True
            elif kind == "lone":
                if _LONE_END.match(text, re_) and n.capitalised(text[rs:re_].split()[0]):
                    return True
            elif kind == "named":
                if n.prefix(text[rs:re_], loose=True) or n.capitalised(text[rs:re_].split()[0]):
                    return True
            elif kind == "loose":
                if n.prefix(text[rs:re_], loose=True):
                    return True
            elif kind == "any":
                if n.run(text[rs:re_]):
                    return True
            elif (_AFTER_NAME_ME if kind == "me" else _AFTER_NAME).match(text, re_) and n.run(text[rs:re_]):
                return True
        for pattern, after_pattern, lasts in _AROUND_FRAMES:
            if before in lasts and pattern.search(text, window, rs) and after_pattern.match(text, re_) and n.run(
                text[rs:re_]
            ):
                return True
    # the words after the name
    nxt = _word_after(text, re_)
    if (nxt in _AFTER_GATE or nxt in _SECOND_WORDS or after == ",") and _VERB_FRAME.match(text, re_) is not None and (
        n.suffix(text[rs:re_])
    ):
        return True
    # the subject of a sentence that then says she or he
    return bool(
        nxt[:1].isalpha() and nxt[:1].islower() and _SENTENCE_LEAD.search(text, max(0, rs - 8), rs)
        and frames.pronoun() and _PRONOUN_AFTER.match(text, re_) is not None and n.suffix(text[rs:re_])
    )


def _table(text: str, ok: Callable[[str], bool]) -> bool:
    lines = text.strip().split("\n", 12)
    for i, header in enumerate(lines[:-1]):
        sep = next((s for s in _SEPARATORS if s in header), None)
        if sep is None:
            continue
        cols = [c.strip().strip('"').lower() for c in header.split(sep)]
        at = [k for k, c in enumerate(cols) if c in _NAME_COLUMNS]
        if not at:
            continue
        for row in lines[i + 1 : i + 11]:
            cells = [c.strip().strip('"') for c in row.split(sep)]
            if len(cells) == len(cols) and any(cells[k] and ok(cells[k]) for k in at):
                return True
    return False


