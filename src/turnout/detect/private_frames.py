"""More frames that only a private person fills, for prompts the name tagger reads no name in.

``pii_policy.person_frame`` asks :func:`private_frame` last, for a request still public after
its findings: the request is about a private person (a ``PRIVATE_CUE``: at least internal)
when one of these frames holds a word that may be a name. The tagger's misses on the tuning
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
figure's name never counts. Each frame is found from a literal first (a colon, "'s ", " me",
...): they run on every request still public after its findings.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from turnout.detect.names import lexicon

__all__ = ["private_frame"]

_LETTERS = r"[^\W\d_]"
# a word of a name as written: capitalised, lower-cased, hyphenated ("Do-yoon", "al-farsi"),
# with an apostrophe ("O'Neill"), or an initial ("A.", "A.K.")
_WORD = _LETTERS + r"[^\W\d_'’-]*(?:['’-]" + _LETTERS + r"+)*"
_INITIALS = r"(?:" + _LETTERS + r"\.){1,3}"
_NAME_RUN = r"(?:" + _INITIALS + r"[ ]?)?" + _WORD + r"(?:[ ](?:" + _INITIALS + r"|" + _WORD + r"))" + r"{0,3}"
_NAME_RUN_SHORT = _NAME_RUN + "?"  # (the fewest words before what the frame needs after them)

# -- a labelled line: "<label>: <name>" -------------------------------------------------------
# a label whose last word is a person's role in a record, or that ends in "by" / "to" ("Handed
# in by:", "Assigned to:"); the slot runs to the line's end or to a separator
_LABEL_ROLES = frozenset("""
    owner manager contact agent assignee assigned requester requestor reporter reviewer approver author
    editor interviewer interviewee candidate applicant caller customer client patient resident tenant
    student pupil employee staff worker supervisor teacher tutor parent guardian mother father carer
    caregiver doctor gp nurse therapist driver courier technician engineer buyer seller vendor rep
    representative host guest attendee attendees participant participants present apologies speaker
    speakers organiser organizer volunteer member members kin photo photograph photographer credit
    credits lead leader coordinator administrator admin recipient sender witness referee mentor coach
    trainer trainee intern landlord landlady partner spouse sponsor signatory holder account interview review
    appraisal""".split())
_LABEL_LINE = re.compile(
    r"(?:^|(?<=\n)|(?<=\|[ ]))[ \t>*-]*(" + _LETTERS + r"[\w' -]{0,30}?)[ \t]*:[ \t]*("
    + r"(?:(?:Mr|Mrs|Ms|Dr|Prof|mr|mrs|ms|dr|prof)\.?[ ])?" + _NAME_RUN + r")[ \t]*(?=\n|\Z|[,;(|])",
    re.MULTILINE,
)

# -- a table with a "name" column -----------------------------------------------------------
_SEPARATORS = (",", ";", "|", "\t")
_NAME_COLUMNS = frozenset(["name", "full name", "full_name", "fullname", "customer", "customer name",
                           "customer_name", "contact", "contact name", "contact_name", "first name",
                           "first_name", "last name", "last_name", "employee", "employee name",
                           "student", "patient", "client", "client name", "owner"])

# -- chat lines --------------------------------------------------------------------------------
_SPEAKER = re.compile(
    r"^[ \t>*-]*(\[?\d{1,2}:\d{2}(?::\d{2})?(?:[ ]?[AaPp][Mm])?\]?[ \t]*(?:[-–][ \t]*)?)?<?@?(" + _WORD
    + r"(?:[ ]" + _WORD + r")?)>?:[ \t]+\S",
    re.MULTILINE,
)
_MENTION = re.compile(r"(?:^|(?<=\n))[ \t]*@(" + _WORD + r")[,:]?[ ](?=\w)")
_MENTION_NEXT = re.compile(
    r"(?:can|could|would|will|please|pls|plz|thanks|thank|are|is|do|did|have|any|when|where|what|how|why|you|your"
    r"|we|i|just|ok|hey|hi|fyi|ptal|lgtm)(?![\w])", re.IGNORECASE,
)

# -- a possessive before what a person has --------------------------------------------------
_BELONGINGS = frozenset("""
    flight flights train bus taxi lift car bike keys phone number address email mother father mum mom
    dad parents brother sister son daughter kids children baby wife husband partner boyfriend girlfriend
    fiance fiancé fiancée grandmother grandfather grandma grandpa granny aunt uncle cousin nephew niece
    family dog cat puppy kitten pet birthday wedding funeral retirement leaving farewell party dinner
    lunch shift notice resignation promotion contract payslip salary interview appraisal review
    feedback homework grades exam essay teacher class school report application visa passport flat
    house room rent lease appointment surgery diagnosis medication treatment results scan recovery
    condition wheelchair""".split())
_POSSESSIVE = re.compile(r"(?<![\w'’-])(" + _WORD + r")(?:'s|’s|s'|s’)[ ](?:(?:new|old|little|big|late|first|last"
                         r"|next|latest|own|younger|older|elder|baby|second)[ ])?(" + _LETTERS + r"+)")

# -- first- and second-person everyday frames around a name --------------------------------
_BEFORE_NAME = re.compile(
    r"(?:^|(?<=[.!?\n:]) ?|(?<=\] )|(?<=[,;] ))(?:(?i:tell|ask|remind|text|call|email|e-mail|ping|message|thank|invite"
    r"|congratulate|pay|warn|update|cc|loop in|follow up with|check with|check in with|catch up with|talk to"
    r"|speak to|speak with|reach out to))[ ](" + _NAME_RUN + r")(?=[ ,.!?:;]|\Z)"
    r"|(?i:(?:did|has|why is|why does|why did|why won't|why doesn't|why isn't|why hasn't|why can't|why didn't)[ ])("
    + _NAME_RUN + r")(?=[ ,.!?:;]|\Z)"
    r"|(?i:(?:has anyone heard from|did you hear from|got off the phone with|just spoke to|just talked to|heard back"
    r" from|waiting on|waiting for|translate this for|message for|note for|write back to|reply to|comment for"
    r"|comments for|feedback for|review for|recommendation for|reference for|letter for|detention for"
    r"|suspension for|sick note for|permission slip for|(?:scheduled|booked|arranged|set up|planned) with"
    r"|toast for|speech for|card for|gift for|present for|poem for|cake for|surprise party for|tribute to"
    r"|in memory of|in loving memory of|condolences to|replace|cover for|covering for|swap shifts with|stand in for"
    r"|(?:hearing|meeting|appointment|interview|call|session|1:1|one-to-one|catch-up|chat) with)[ ])("
    + _NAME_RUN + r")(?=[ ,.!?:;]|\Z)",
    re.MULTILINE,
)
_BEFORE_GATES = ("tell ", "ask ", "remind ", "text ", "call ", "email ", "e-mail ", "ping ", "message ", "thank ",
                 "invite ", "congratulate", "pay ", "warn ", "update ", "cc ", "loop in", "follow up", "check ",
                 "catch up", "talk to", "speak ", "reach out", "did ", "has ", "why ", "phone ", "with ", "detention",
                 "toast", "speech", "card", "gift", "present", "poem", "cake", "party", "tribute", "memory",
                 "condolences", "replace", "cover", "swap", "stand in",
                 "spoke ", "talked ", "heard ", "waiting ", " by ", " from ", " for ", "write ", "reply ")
# a record's agent or a message's sender: whatever follows ("Callback requested by ... after 4pm")
_BY_NAME = re.compile(
    r"(?i:handed[ ]in|requested|escalated|raised|reported|submitted|logged|opened|closed|resolved|assigned"
    r"|approved|signed|reviewed|referred|recommended|interviewed|booked|ordered|paid)[ ]by[ ]"
    r"(?:(?i:mr|mrs|ms|mx|dr|prof)\.?[ ])?(" + _NAME_RUN + r")(?=[ ,.!?:;)]|\Z)"
    r"|(?i:query|complaint|message|e-?mail|call|voicemail|text|note|callback|request|invoice|refund[ ]request)"
    r"[ ]from[ ](?:(?i:mr|mrs|ms|mx|dr|prof)\.?[ ])?(" + _NAME_RUN + r")(?=[ ,.!?:;)]|\Z)"
)
_BY_GATES = (" by ", " from ")
# the subject of a sentence that then speaks of them as she or he ("Do-yoon forgot her PE kit",
# "Gift Sun has handed in her notice", "ok so Xinyi said she'd bring the tent")
_SUBJECT_THEN_PRONOUN = re.compile(
    r"(?:^|(?<=[.!?;\n][ ])|(?<=\n)|" + "|".join(f"(?<=(?i:{w})[ ])" for w in ("ok so", "so", "and", "but", "then", "lol", "omg", "btw", "also"))
    + r")(" + _NAME_RUN_SHORT + r")"
    r"[ ](?:(?:has|had|just|also|still|never|always|finally|already|now)[ ])?(?!(?i:in|on|at|of|and|or|to|from"
    r"|with|for|is|was|are|the|a|an)[ ])([a-z]+)(?=[ ][^.!?\n]{0,60}?(?<![\w'’])(?i:she|he|her|his|him|she'd|he'd"
    r"|she's|he's|she'll|he'll|herself|himself)(?![\w'’]))",
    re.MULTILINE,
)
_PRONOUN_GATES = (" she", " he ", " her", " his ", " him", " he'", " he’")
# what a person does at a help desk or has done to their account
_SUBJECT_FRAMES = re.compile(
    r"(?<![\w'’-])(" + _NAME_RUN_SHORT + r")[ ](?:(?:has|had|just|now|also|still)[ ])?(?:(?:cannot|can't|can’t|couldn't|could not|is unable to|was unable to"
    r"|is locked out|was locked out|forgot (?:his|her|their) password|left a voicemail|left a message"
    r"|called in sick|phoned in sick|handed in (?:his|her|their) notice|requested|reports|reported|asked for"
    r"|wants a refund|would like to|now reports to|reports to|borrowed|lent me|forgot|hugged|yelled at|shouted at"
    r"|apologi[sz]ed|babysat|lives at|lives on|missed (?:the|my|her|his|our|their|a) (?:deadline|meeting|flight"
    r"|train|bus|appointment|call|shift|class)|(?i:and i) (?:are|were|have|had|will|went|both|met|used to|got)|(?:are|is|were|was) getting married|got married"
    r"|got engaged|got divorced|are expecting|had a baby|in (?i:year|grade|class|form|p|y)[ ]?\d{1,2}(?!\d))(?![\w]))"
    r"|(?i:put|sign|book|pencil)[ ](" + _NAME_RUN_SHORT + r")[ ](?:down|up|in)[ ]for(?![\w])",
)
_SUBJECT_GATES = ("cannot", "can't", "can’t", "couldn", "could not", "unable", "locked out", "password", "voicemail",
                  "left a message", "sick", "notice", "requested", "reports", "reported", "asked for", "refund",
                  "would like to", "reports to", "borrowed", "lent", "forgot", "hugged", "yelled", "shouted",
                  "apologi", "babysat", "lives", "missed", "and i ", "married", "engaged", "divorced", "expecting", "baby", "year",
                  "grade", "class", "form", "down for", "up for", "in for")
# a relative's name, a nickname, a name asked for: "my great-aunt was called ...", "everyone calls
# me ...", "she goes by ...", "What's your last name? ..."
_NAMED = re.compile(
    r"(?i:(?:my|our|his|her|their)[ ](?:[\w-]+[ ]){0,3}?(?:mother|father|mum|mom|dad|grandmother|grandfather"
    r"|grandma|grandpa|aunt|uncle|great-aunt|great-uncle|sister|brother|son|daughter|cousin|wife|husband|partner"
    r"|friend|neighbou?r|colleague|boss|teacher|doctor|nurse|landlord|landlady|baby|child)[ ](?:was|is)[ ]"
    r"(?:called|named)|calls[ ]me|called[ ]me|call[ ]her|call[ ]him|goes[ ]by|go[ ]by|known[ ]as"
    r"|(?:first|last|family|given|full|maiden|middle|sur)[ ]?name(?:'s|’s|[ ]is|\?|:))[ ]"
    r"(" + _NAME_RUN + r")(?=[ ,.!?:;)]|\Z)"
)
_NAMED_GATES = ("called", "named", "call", "go by", "goes by", "known as", "name")
# a courtesy title before a word, in lower case too ("mr. plael flew to ...")
_TITLED = re.compile(r"(?<![\w'’-])(?i:(?:mr|mrs|ms|mx)\.?|dr\.|prof\.)[ ](" + _WORD + r")(?![\w'’-])")
# a person added to an account or a form in a role: "add ... as a beneficiary"
_AS_ROLE = re.compile(
    r"(?<![\w'’-])(" + _NAME_RUN_SHORT + r")[ ]as[ ](?:a|an|my|our|the|his|her)[ ](?:beneficiary|guarantor|referee"
    r"|emergency[ ]contact|next[ ]of[ ]kin|co-?signer|dependant|dependent|authori[sz]ed[ ]user|joint[ ]account"
    r"|guardian|witness|executor|power[ ]of[ ]attorney|plus[ ]one|godparent|godmother|godfather)(?![\w])"
)
# a record's name written family name first, then a field separator: "SONG, Guoqiang;Bruges;lead"
_RECORD_NAME = re.compile(r"^[ \t]*(" + _WORD + r"),[ ](" + _WORD + r"(?:[ ]" + _WORD + r")?)[ \t]*(?=[;|\t])",
                          re.MULTILINE)
# a signature or a business card: a name on its own line, then a job title ("Senior Buyer")
_JOBS = (r"(?:buyer|manager|director|officer|assistant|consultant|analyst|designer|developer|engineer|lead|head"
         r"|specialist|coordinator|administrator|accountant|advisor|adviser|executive|associate|partner|founder"
         r"|ceo|cto|cfo|coo|intern|secretary|representative|recruiter|nurse|teacher|lecturer|researcher"
         r"|technician|supervisor|agent|clerk|editor|producer|architect|solicitor|attorney|paralegal)")
_CARD = re.compile(r"(?:^|(?<=\n))[ \t]*(" + _NAME_RUN + r")[ \t]*\n[ \t]*(?:[\w&-]+[ ]){0,3}" + _JOBS
                   + r"s?[ \t]*(?:\n|\Z|,)", re.IGNORECASE)
# an apposition with a role: "the plumber, b. bold, says ..."
_ROLE_APPOSITION = re.compile(
    r"(?i:the|my|our|your|their|his|her)[ ](?i:plumber|electrician|builder|cleaner|babysitter|nanny|driver|courier"
    r"|landlord|landlady|tenant|neighbou?r|teacher|tutor|coach|doctor|dentist|nurse|therapist|vet|mechanic|gardener"
    r"|carer|caregiver|manager|boss|colleague|assistant|receptionist|accountant|lawyer|solicitor|agent|decorator"
    r"|handyman|roofer|locksmith|painter|contractor|surveyor|caretaker|postman|postwoman|trainer|instructor)"
    r",[ ](" + _NAME_RUN_SHORT + r"),"
)
# a thank-you opening a message: "Thanks Moia! See you Monday."
_THANKS_GATES = ("Thanks", "Thank you", "Many thanks", "Cheers", "Ta ")
_THANKS = re.compile(r"[ \t\n]*(?:Thanks|Thank[ ]you|Many[ ]thanks|Cheers|Ta)[ \t]*,?[ \t]+(" + _WORD + r")[ \t]*[,!.]")
# "my / our" and a role, then a capitalised word: "Our neighbour Goro is away" (a place too)
_ROLE_HEAD = re.compile(
    r"(?<![\w])(?:[Mm]y|[Oo]ur)[ ](?:neighbou?r|landlord|landlady|babysitter|nanny|cleaner|tutor|coach|colleague"
    r"|boss|manager|friend|flatmate|roommate|housemate|tenant|lodger|carer|nurse|doctor|dentist|therapist|teacher"
    r"|son|daughter|cousin|niece|nephew|aunt|uncle|grandson|granddaughter|stepson|stepdaughter|partner|fianc[ée]e?"
    r"|husband|wife|boyfriend|girlfriend|intern|assistant|driver|gardener|plumber|vet|mentor|student|pupil"
    r"|client|patient|customer)[ ](" + _WORD + r")(?![\w'’-])"
)
# what only a person has: a place's name before these is a person's ("Meina's retirement dinner")
_ONLY_A_PERSON_HAS = frozenset("""mother father mum mom dad parents wife husband boyfriend girlfriend fiance fiancé
    fiancée grandmother grandfather grandma grandpa granny retirement funeral birthday wedding payslip salary
    homework resignation notice diagnosis medication""".split())
# something a person wrote, in lower case too: "the speech norleo saov wrote"
_WROTE_LOW = re.compile(
    r"(?i:the (?:speech|letter|e-?mail|note|message|card|text|toast|poem|review|feedback|complaint))[ ]("
    + _NAME_RUN_SHORT + r")[ ](?:wrote|sent|gave|left|posted|made|forwarded|signed)(?![\w])"
)
# a name, then who they are: "veur velák md, the driver who ..."
_APPOSITION_AFTER = re.compile(
    r"(?<![\w'’-])(" + _NAME_RUN_SHORT + r")(?:[ ](?i:md|jr\.?|sr\.?|phd|ii|iii))?,[ ](?i:the|my|our|your|a|an)[ ]"
    r"(?:[\w-]+[ ])?(?i:plumber|electrician|builder|cleaner|babysitter|nanny|driver|courier|landlord|landlady|tenant"
    r"|neighbou?r|teacher|tutor|coach|doctor|dentist|nurse|therapist|mechanic|gardener|carer|manager|boss|colleague"
    r"|assistant|receptionist|accountant|lawyer|solicitor|agent|contractor|caretaker|trainer|instructor|friend"
    r"|cousin|client|customer|patient|student|pupil|intern|waiter|waitress|cashier|guy|woman|man|lady|girl|boy)"
    r"(?![\w])"
)
# "I'm ..., originally from ...", "i'm ... from the third floor"
_SELF = re.compile(
    r"(?:^|(?<=[.!?\n][ ])|(?<=\n))(?i:i'm|i’m|i am|im|this is)[ ](" + _NAME_RUN_SHORT + r")(?:,[ ](?i:originally"
    r"[ ]from|from|and|here)|[ ](?i:from[ ]the|from[ ]apartment|from[ ]flat|from[ ]room|here))(?![\w])",
    re.MULTILINE,
)
# the words after the name that make the frame: "... ever pay you back", "... ignoring my texts",
# "... I'll be late" (the name then the speaker's or listener's own words)
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
# "... just texted me", "... owes me", "... ignoring my texts", "... and I": the name first
_NAME_THEN_ME = re.compile(
    r"(?<![\w'’-])(" + _WORD + r")(?:[ ]" + _WORD + r")?[ ](?:(?:just|still|never|always|already|keeps|kept|is|was"
    r"|has|had|finally)[ ])?(?:\w+(?:ed|s|ing)|owes|owe|told|sent|gave|lent|left|took|brought|said|met|saw|sold"
    r"|bought|forgot|hung up on|ghosted|dumped|blocked|ignoring|avoiding|cancelled on|stood)[ ](?:me|us|my|our)"
    r"(?![\w'’])",
)
# "... is a very kind person", "... is a good listener": a person's predicate
_PERSON_PREDICATE = re.compile(
    r"(?<![\w'’-])(" + _WORD + r")[ ](?:is|was|seems|has always been)[ ](?:a|an)[ ](?:(?:very|really|truly|such a"
    r"|great|good|kind|lovely)[ ])?(?:[\w-]+[ ])?(?:person|man|woman|guy|girl|boy|lady|gentleman|listener|colleague"
    r"|friend|neighbou?r|worker|employee|student|pupil|teacher|parent|mum|mom|dad|kid|child|human[ ]being)(?![\w])",
)

# lower-case words that are names of nothing but common English in lists: left out of the
# common-word test below ("rich", "will" are given names; too common to read as one)
_LOWER_STOP = frozenset("""me my you your we us our i he she him her his they them their it its this that these those
    the a an and or but if so not no yes all any some every each what who how why when where which there here
    team everyone everybody someone somebody anyone anybody nobody people folks guys sir madam""".split())


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

    __slots__ = ("is_figure", "may_be_a_name")

    def __init__(self, may_be_a_name: Callable[[str], bool], is_figure: Callable[[str], bool]) -> None:
        self.may_be_a_name, self.is_figure = may_be_a_name, is_figure

    def run(self, run: str, loose: bool = False) -> bool:
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


def _labelled(text: str, ok: Callable[[str], bool]) -> bool:
    for m in _LABEL_LINE.finditer(text):
        label = m.group(1).strip().lower()
        last = label.rsplit(None, 1)[-1] if label else ""
        if (last in _LABEL_ROLES or last in ("by", "to", "for", "with")) and len(label.split()) <= 4 and ok(m.group(2)):
            return True
    return False


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


def _speakers(text: str, ok: Callable[[str], bool]) -> bool:
    found = 0
    for m in _SPEAKER.finditer(text):
        if not ok(m.group(2)):
            continue
        if m.group(1):
            return True  # a time-stamped line: a chat log
        found += 1
        if found > 1:
            return True
    return False


def _frame_after(text: str, m: re.Match[str], group: int, ok: Callable[[str], bool]) -> bool:
    """The shortest run of the name's words at ``m``'s group that the frame's words follow
    ("Tell Do-yoon I'll be late": the run holds "Do-yoon I'll be" too). After a question's
    verb ("did ...", "why is ..."), only the speaker's or listener's own words count ("did ...
    ever pay you back"), not any clause ("When did ... die, and how?")."""
    start, words = m.start(group), m.group(group).split(" ")
    if group == 3:  # "detention for ...", "a hearing scheduled with ...": whatever follows
        return any(ok(" ".join(words[:k])) for k in range(1, len(words) + 1))
    after = _AFTER_NAME_ME if group == 2 else _AFTER_NAME
    for k in range(1, len(words) + 1):
        run = " ".join(words[:k])
        if after.match(text, start + len(run)):
            return ok(run)
    return False


def private_frame(
    text: str,
    low: str,
    may_be_a_name: Callable[[str], bool],
    is_figure: Callable[[str], bool],
) -> bool:
    """Does ``text`` (``low``: lower-cased, the same length) hold one of this module's frames
    with a word that may be a private person's name in its slot?"""
    n = _Names(may_be_a_name, is_figure)
    if ":" in text and (_labelled(text, lambda r: n.run(r, loose=True) or (" " not in r and n.capitalised(r)))
                        or _speakers(text, n.run)):
        return True
    if "\n" in text and any(s in text for s in _SEPARATORS) and "name" in low and _table(
        text, lambda r: n.run(r, loose=True)
    ):
        return True
    if "@" in text and any(n.run(m.group(1)) and _MENTION_NEXT.match(text, m.end()) for m in _MENTION.finditer(text)):
        return True
    if ("'s " in low or "’s " in low or "s' " in low) and any(
        m.group(2).lower() in _BELONGINGS and (n.run(m.group(1)) or (m.group(2).lower() in _ONLY_A_PERSON_HAS
                                                                     and n.capitalised(m.group(1))))
        for m in _POSSESSIVE.finditer(text)
    ):
        return True
    if any(g in low for g in _BEFORE_GATES):
        for m in _BEFORE_NAME.finditer(text):
            if _frame_after(text, m, m.lastindex or 1, n.run):
                return True
    if any(g in low for g in _BY_GATES) and any(n.prefix(m.group(m.lastindex or 1), loose=True)
                                                for m in _BY_NAME.finditer(text)):
        return True
    if any(g in low for g in _PRONOUN_GATES) and any(n.suffix(m.group(1)) for m in _SUBJECT_THEN_PRONOUN.finditer(text)):
        return True
    if any(g in low for g in _SUBJECT_GATES) and any(
        n.suffix(m.group(m.lastindex or 1)) if m.lastindex == 1 else n.prefix(m.group(2))
        for m in _SUBJECT_FRAMES.finditer(text)
    ):
        return True
    if any(g in low for g in _NAMED_GATES) and any(
        n.prefix(m.group(1), loose=True) or n.capitalised(m.group(1).split()[0]) for m in _NAMED.finditer(text)
    ):
        return True
    if ("mr" in low or "ms" in low or "dr." in low or "prof." in low) and any(
        n.capitalised(m.group(1)) if m.group(1)[:1].isupper() else n.run(m.group(1)) for m in _TITLED.finditer(text)
    ):
        return True
    if "," in text and any(n.run(f"{m.group(2)} {m.group(1)}") for m in _RECORD_NAME.finditer(text)):
        return True
    if "\n" in text and any(n.run(m.group(1), loose=True) for m in _CARD.finditer(text)):
        return True
    if ", " in text and any(n.suffix(m.group(1)) for m in _ROLE_APPOSITION.finditer(text)):
        return True
    if text.lstrip().startswith(_THANKS_GATES) and (m := _THANKS.match(text)) and n.capitalised(m.group(1)):
        return True
    if ("my " in low or "our " in low) and any(n.capitalised(m.group(1)) for m in _ROLE_HEAD.finditer(text)):
        return True
    if "the " in low and any(n.prefix(m.group(1)) for m in _WROTE_LOW.finditer(text)):
        return True
    if ", " in text and any(n.suffix(m.group(1)) for m in _APPOSITION_AFTER.finditer(text)):
        return True
    if ("i'm " in low or "i’m " in low or "i am " in low or "im " in low or "this is " in low) and any(
        n.prefix(m.group(1)) for m in _SELF.finditer(text)
    ):
        return True
    if " as " in low and any(n.suffix(m.group(1)) for m in _AS_ROLE.finditer(text)):
        return True
    if (" me" in low or " my " in low or " us" in low or " our " in low) and any(
        n.suffix(m.group(1)) for m in _NAME_THEN_ME.finditer(text)
    ):
        return True
    return (" is a" in low or " was a" in low or " seems a" in low) and any(
        n.suffix(m.group(1)) for m in _PERSON_PREDICATE.finditer(text)
    )
