"""Split a case report or case series into its patients (pure text, no spaCy).

A case series names its patients with headings ("Case 1", "Patient 2", "Pt #3",
"### Patient A"), numbered paragraphs that open with a patient's age ("1. A 64-year-old
woman ..."), sentence openers ("Patient 1, a 68-year-old man, ...") or ordinals ("The
second patient, a 71-year-old woman, ..."). A single case report is one patient: its
case-presentation section when it has one, else the whole text.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from miner.gates import finditer_at, line_starts, starts_lines

_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
    "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10,
}
_LETTERS = {c: i + 1 for i, c in enumerate("ABCDEFGHIJ")}
_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8, "IX": 9, "X": 10}

_ID = (r"(?P<id>\d{2,5}-\d{2,5}|\d{1,3}|[A-J]|(?:VIII|VII|VI|IV|IX|V|III|II|I|X)|"
       r"(?i:one|two|three|four|five|six|seven|eight|nine|ten))")
# as written, or in capitals ("PATIENT 1 - 67 M" in a pharmacy note); a trial's subject
# numbers ("Subject 0412-0007") are ids too, and so are a registry export's records ("Record ID: 022-0031")
_WORD = (r"(?P<word>Case|Patient|Pt\.?|Subject|Observation|Obs\.|Participant|Record|"
         r"CASE|PATIENT|PT\.?|SUBJECT|OBSERVATION|PARTICIPANT|RECORD)(?:[ \t]+(?:ID|Id|id|No\.?|number))?[ \t]*:?")
# a heading line: "Case 1", "## Patient 2:", "Pt #3 -", "**Case 4.**", "Case 5 (talquetamab)"
# a box or vignette names its case after a prefix: "Box 1. Illustrative case A", "Clinical vignette 2"
# ("ITEM 1 - Patient A" in a board's minutes)
_BOX_WORDS = "Box|Panel|Vignette"
_CASE_KINDS = "Illustrative|Representative|Index|Clinical|Teaching|Exemplary"
_PREFIX = (rf"(?:(?:{_BOX_WORDS}|Item|ITEM|Agenda item|AGENDA ITEM)[ \t]+\d{{1,2}}[.:]?[ \t]*[-–—:]?[ \t]+|"
           r"\d{1,2}:\d{2}[ \t]+(?:[-–—|][ \t]*)?)?"  # an entry of a log: "21:10  Patient A (74M, ...)"
           rf"(?P<pre>(?:{_CASE_KINDS})[ \t]+)?")
_BOXED = re.compile(rf"[ \t]*(?:#{{1,6}}[ \t]*)?(?:\*\*)?(?:{_BOX_WORDS}|{_CASE_KINDS})[ \t]+"
                    r"(?:\d{1,2}[.:]?[ \t]+)?(?:\w+[ \t]+)?[Cc]ase")
# "\n\nRecognising late CRS\n": a short title line, without end punctuation, after a blank line
_TITLE_AFTER_BREAK = re.compile(r"\n[ \t]*\n[ \t]*(?:#{1,6}[ \t]*)?[A-Z][^\n.;:!?]{2,60}\n(?=[ \t]*\S)")
_HEADING = re.compile(
    rf"^[ \t]*(?:#{{1,6}}[ \t]*)?(?:\*\*)?{_PREFIX}"
    rf"(?(pre)(?P<lower>case|patient|vignette)|{_WORD})[ \t]*(?:#|No\.?)?[ \t]*{_ID}\b"
    rf"(?:\*\*)?[ \t]*(?P<rest>[^\n]{{0,120}})$",
    re.MULTILINE,
)
# a sentence opener: "Patient 1, a 68-year-old man", "Case 2: A 71-year-old", "Pt #3 (72 M)"
_OPENER = re.compile(
    # the first-letter test lets the engine skip most positions before trying the lookbehinds
    rf"(?=[*CPSOo])(?:^|(?<=[.;:!?]\s)|(?<=\n))(?:\*\*)?{_WORD}[ \t]*(?:#|No\.?)?[ \t]*{_ID}\b(?:\*\*)?"
    r"(?=\s*(?:[,:(–—-]|was|is|had|\s+an?\s+\d))",
    re.MULTILINE,
)
_ORDINAL_OPENER = re.compile(
    r"(?=[tToOaAiIfFsSeEnN\d])(?:^|(?<=[.;!?]\s)|(?<=\n))(?:(?:The|Our|A|In\s+(?:the|our))\s+)?"
    r"(?P<ord>first|second|third|fourth|fifth|"
    r"sixth|seventh|eighth|ninth|tenth|\d{1,2}(?:st|nd|rd|th))"  # "The 1st patient, a 61-year-old man"
    r"(?:\s+(?:patient|case|man|woman|boy|girl|subject|participant)\b"
    # "The second, a 74-year-old man, ...", "The first is a 68-year-old woman"
    r"|(?=,?\s+(?:(?:is|was)\s+)?an?\s+\d{1,3}[- ](?:year|yr)s?[- ]old))",
    re.MULTILINE | re.IGNORECASE,
)
_AGE = r"\d{1,3}[- ](?:year|yr)s?[- ]old|\d{1,3}\s?(?:yo|y/o|y\.o\.)\b|aged\s\d{1,3}"
_NUMBERED = re.compile(
    rf"^[ \t]*\(?(?P<id>\d{{1,2}})[.)][ \t]+(?=[^\n]{{0,80}}(?:{_AGE}))", re.MULTILINE | re.IGNORECASE
)
# where the patients' narrative ends
_END = re.compile(
    r"^[ \t]*(?:#{1,6}[ \t]*)?(?:\*\*)?(?:\d+\.?\s*)?(?:Discussion|Conclusions?|References|"
    r"Acknowledg(?:e)?ments?|Literature review|Funding|Declarations|Author contributions|"
    r"Summary(?: and discussion| of [a-z]| table)?|Learning points|Teaching points|Key points|"
    r"Take-home (?:points|messages)|"
    r"Comment)\b[^\n]{0,40}$",
    re.MULTILINE | re.IGNORECASE,
)
_CASE_SECTION = re.compile(
    r"^[ \t]*(?:#{1,6}[ \t]*)?(?:\*\*)?(?:\d+\.?\s*)?(?:(?:The|Our|Index|Clinical) )?"
    r"(?:Case (?:presentation|report|description|"
    r"history|summary)s?|Clinical (?:case|presentation|course)|Patient (?:and methods|"
    r"presentation)|Case)\b[^\n]{0,40}$",
    re.MULTILINE | re.IGNORECASE,
)
_TABLE_CAPTION = re.compile(r"^[ \t]*(?:\*\*)?Table\s+\d+\b[^\n]*$", re.MULTILINE)


# patterns that open with "^": tried at line starts only (the engine would try every character)
_AT_LINE_STARTS = frozenset(p for p in (_HEADING, _NUMBERED, _END, _CASE_SECTION, _TABLE_CAPTION) if starts_lines(p))


def _find(pattern: re.Pattern[str], text: str) -> list[re.Match[str]]:
    """``pattern.finditer(text)``, at line starts only for a pattern that opens with "^"."""
    if pattern in _AT_LINE_STARTS:
        return finditer_at(pattern, text, line_starts(text))
    return list(pattern.finditer(text))


@dataclass(frozen=True)
class PatientSegment:
    """A patient's stretch of the document text: ``text[start:end]``."""

    label: str  # as written: "Case 1", "Patient 2", "Pt #3"
    number: int | None  # the case number (letters and ordinals mapped to 1, 2, ...)
    start: int
    end: int
    how: str  # "heading", "opener", "ordinal", "numbered", "single", "introduction", "thread"
    # all of the patient's stretches, when a log's entries interleave patients ("21:10 Patient A
    # ... 22:40 Patient B ... 08:30 Patient A"); empty when the segment is one stretch
    parts: tuple[tuple[int, int], ...] = ()


_NUMBER_WORDS = {w: i + 1 for i, w in enumerate("one two three four five six seven eight nine ten".split())}


def _number(token: str) -> int | None:
    if token.isdigit():
        return int(token)
    if token.lower() in _NUMBER_WORDS:
        return _NUMBER_WORDS[token.lower()]  # "Case two"
    return _ROMAN.get(token, _LETTERS.get(token))  # "I", "V", "X" read as Roman numerals


def _ordinal(word: str) -> int:
    """"second" -> 2, "2nd" -> 2."""
    return int(word[:-2]) if word[0].isdigit() else _ORDINALS[word.lower()]


def _label(match: re.Match[str]) -> str:
    lower = match.groupdict().get("lower")
    word = lower.capitalize() if lower else match.group("word").rstrip(".")
    if word.isupper() and len(word) > 2:
        word = word.capitalize()  # "PATIENT 1" is Patient 1
    raw = match.group(0).strip().strip("#*").strip()
    hash_sign = "#" if "#" in raw.split(match.group("id"))[0] else ""
    return f"{word} {hash_sign}{match.group('id')}".replace("  ", " ")


def _increasing(candidates: list[tuple[int, int, str, str]]) -> list[tuple[int, int, str, str]]:
    """Keep the first mention of each number, in increasing order from 1 (or A)."""
    kept: list[tuple[int, int, str, str]] = []
    expected = None
    for start, number, label, how in sorted(candidates):
        if expected is None:
            if number not in (1, 2):
                continue
            expected = number
        if number == expected:
            kept.append((start, number, label, how))
            expected += 1
    return kept


_INLINE_END = re.compile(
    r"(?=[sScCdD])(?:(?<=[.!?]\s)|(?<=\n))(?:Summary\s*/\s*Conclusions?|Conclusions?|Discussion|Comment)\s*:",
    re.IGNORECASE,
)


def _narrative_end(text: str, after: int, excluded: list[tuple[int, int]]) -> int:
    ends = [m.start() for m in _find(_END, text) if m.start() > after]
    ends += [m.start() for m in _INLINE_END.finditer(text) if m.start() > after]
    captions = [m.start() for m in _find(_TABLE_CAPTION, text) if m.start() > after]
    tables = [s for s, _ in excluded if s > after]
    return min(ends + captions + tables + [len(text)])


_PARAGRAPH = re.compile(r"\n[ \t]*\n")
# an entry of a log or flowsheet: "2025/04/23 08:20 | RN ...", "23/04/2025 - phone call", "14:05 Called"
_DATED_ENTRY = re.compile(r"[ \t]*(?:\d{1,4}[/.-]\d{1,2}(?:[/.-]\d{2,4})?|\d{1,2}:\d{2})\b")
# the course of treatment goes on: "The C5D1 dose, due on Day 113, was delayed by one week"
_COURSE = re.compile(r"\b(?:the|her|his|next|following)\s+(?:C\d{1,2}\s?D\d{1,2}\s+)?(?:dose|doses|dosing|infusion|"
                     r"injection|cycle|administration)\b", re.IGNORECASE)
_PRONOUN = re.compile(r"\b(?:she|he|her|his|him|the patient|this patient)\b", re.IGNORECASE)


def _paragraphs_about_patient(text: str, start: int, end: int) -> int:
    """Where the last patient of an unheaded series ends: their paragraph, and the
    following paragraphs that go on speaking of one patient ("She ...", "his ...")."""
    position = start
    while position < end:
        brk = _PARAGRAPH.search(text, position, end)
        if brk is None:
            return end
        following = text[brk.end() : min(end, brk.end() + 200)]
        first = following.split(". ")[0]
        if not _PRONOUN.search(first) and not _DATED_ENTRY.match(following) and not _COURSE.search(first):
            return brk.start()
        position = brk.end()
    return end


# a patient introduced by age and sex: "a 68-year-old woman with IgG lambda myeloma"
_INTRODUCTION = re.compile(
    r"\b(?:[Aa]n?|[Oo]ne)\s+(?P<age>\d{1,3})[- ](?:year|yr)s?[- ]old\s+(?:[A-Za-z]+\s+){0,2}?"
    r"(?:man|woman|male|female|patient|gentleman|lady|boy|girl)\b(?!\s+(?:donor|sibling|relative))"
)
# someone else's case: "Smith et al. described a 60-year-old man", "a 70-year-old woman [12]"
_CITED = re.compile(r"\bet al\b|\[\d|\b(?:reported|described|published|literature)\b", re.IGNORECASE)


def _introductions(text: str) -> list[tuple[int, int, str, str]]:
    """Patients an unheaded text introduces one by one, each by a different age in its own
    paragraph ("I would like advice about a 68-year-old woman ..." then "Last year we treated a
    61-year-old woman ..."): each patient from the start of that paragraph."""
    found: list[tuple[int, int, str, str]] = []
    ages: set[str] = set()
    paragraph_starts: set[int] = set()
    breaks: list[int] | None = None  # where each paragraph starts, found once, if needed
    for match in _INTRODUCTION.finditer(text):
        sentence_start = max(text.rfind(". ", 0, match.start()), text.rfind("\n", 0, match.start())) + 1
        sentence_end = text.find(". ", match.end())
        sentence = text[sentence_start : sentence_end if sentence_end > 0 else len(text)]
        if match.group("age") in ages or _CITED.search(sentence):
            continue
        if breaks is None:
            breaks = [m.end() for m in _PARAGRAPH.finditer(text)]
        before = bisect.bisect_right(breaks, match.start())
        start = breaks[before - 1] if before else 0
        if start in paragraph_starts:
            continue  # one paragraph, one patient: a second age there is a relative or a comparison
        ages.add(match.group("age"))
        paragraph_starts.add(start)
        number = len(found) + 1
        found.append((start, number, f"Patient {number}", "introduction"))
    return found


# a post of a forum thread: "#1  mmgal_62 (Member since 2019)  posted Apr 2, 2025, 6:14 PM"
_POST = re.compile(r"^[ \t]*#\d{1,4}[ \t]+(?P<author>[^\s(]+)[^\n]{0,80}?\bposted\b[^\n]*$", re.MULTILINE)


def _original_posts(text: str) -> list[PatientSegment]:
    """A forum thread: the patient is the one who started it; the replies of others (a
    caregiver's husband's CAR-T, a moderator's trial figures) are not theirs. Empty when the
    text is no thread of two or more posts."""
    posts = list(_POST.finditer(text))
    if len(posts) < 2:
        return []
    author = posts[0].group("author")
    spans = [(post.start(), posts[index + 1].start() if index + 1 < len(posts) else len(text))
             for index, post in enumerate(posts) if post.group("author") == author]
    return [PatientSegment("Case 1", 1, spans[0][0], spans[-1][1], "thread", tuple(spans))]


_ENTRY_CLOCK = re.compile(r"^[ \t]*\d{1,2}:\d{2}\b", re.MULTILINE)


def _interleaved(text: str, found: list[tuple[int, int, str, str]],
                 excluded: list[tuple[int, int]]) -> list[PatientSegment]:
    """A log whose entries come back to patients already headed ("21:10 Patient A ... 22:40
    Patient B ... 03:15 Patient B ... 08:30 Patient A"): each patient's entries, gathered.
    Empty when no patient's heading comes back after another patient's."""
    labels = {label: number for _, number, label, _ in found}
    entries = sorted((m.start(), _label(m)) for m in _find(_HEADING, text)
                     if _label(m) in labels and len(m.group("rest") or "") <= 100)
    order = [label for _, label in entries]
    if not any(label in order[:i] and order[i - 1] != label for i, label in enumerate(order) if i):
        return []
    end_of_text = _narrative_end(text, entries[0][0], excluded)
    # every entry of the log ends at the next one, a patient's or not ("08:20  Handover to day team")
    stamps = [m.start() for m in _ENTRY_CLOCK.finditer(text)]
    parts: dict[str, list[tuple[int, int]]] = {}
    for index, (start, label) in enumerate(entries):
        end = entries[index + 1][0] if index + 1 < len(entries) else end_of_text
        end = min([end] + [t for t in stamps if start < t < end])
        parts.setdefault(label, []).append((start, min(end, end_of_text)))
    return [PatientSegment(label, labels[label], spans[0][0], spans[-1][1], "heading", tuple(spans))
            for label, spans in sorted(parts.items(), key=lambda item: labels[item[0]])]


def _comparison_paragraph(text: str, start: int, end: int, labels: list[str]) -> int:
    """Where a paragraph after the last patient's first one names two or more of the series'
    patients ("In Observation 1 the fever came back ... In Observation 3 the CRS was limited
    to the step-up"): a discussion across patients, not the last patient's narrative."""
    names = [re.compile(rf"\b{re.escape(label)}\b", re.IGNORECASE) for label in labels]
    first = _PARAGRAPH.search(text, start, end)
    position = first.end() if first else end
    while position < end:
        brk = _PARAGRAPH.search(text, position, end)
        stop = brk.start() if brk else end
        if sum(1 for name in names if name.search(text, position, stop)) >= 2:
            return position
        if brk is None:
            break
        position = brk.end()
    return end


def segment_patients(
    text: str, excluded: list[tuple[int, int]] | None = None
) -> list[PatientSegment]:
    """Split ``text`` into patient segments.

    Args:
        text: The document's body text.
        excluded: Character ranges (e.g. inline tables) that end a narrative.

    Returns:
        One segment per patient, in text order. A document without case markers
        is one patient labelled "Case 1" (its case-presentation section if any).

    >>> [s.label for s in segment_patients("Case 1\\nA 64-year-old woman...\\nCase 2\\nA man.")]
    ['Case 1', 'Case 2']
    """
    excluded = excluded or []
    found: list[tuple[int, int, str, str]] = []
    for strategy, pattern in (("heading", _HEADING), ("opener", _OPENER)):
        candidates = []
        subjects: dict[str, int] = {}  # "Subject 0412-0007", "Subject 0415-0021": 1, 2 in order
        for match in _find(pattern, text):
            if strategy == "heading" and len(match.group("rest") or "") > 100:
                continue
            if any(a <= match.start() < b for a, b in excluded):
                continue  # a row of a table of patients ("Pt 1  64/F  Talquetamab ..."), read as a table
            token = match.group("id")
            # ids ("0412-0007", "Patient ID 12") are numbered in the order they come
            by_order = "-" in token or re.search(r"\bID\b", match.group(0), re.IGNORECASE)
            number = subjects.setdefault(token, len(subjects) + 1) if by_order else _number(token)
            if number is not None:
                candidates.append((match.start(), number, _label(match), strategy))
        kept = _increasing(candidates)
        if len(kept) > len(found):  # the strategy that finds more patients wins
            found = kept
    thread = _original_posts(text)
    if thread:
        return thread
    if len(found) >= 2 and found[0][3] == "heading":
        interleaved = _interleaved(text, found, excluded)
        if interleaved:
            return interleaved
    if len(found) < 2:
        ordinals = [
            (m.start(), _ordinal(m.group("ord")), f"Patient {_ordinal(m.group('ord'))}", "ordinal")
            for m in _ORDINAL_OPENER.finditer(text)
        ]
        kept = _increasing(ordinals)
        if len(kept) >= 2:
            found = kept
    if len(found) < 2:
        numbered = [
            (m.start(), int(m.group("id")), f"Patient {m.group('id')}", "numbered")
            for m in _find(_NUMBERED, text)
        ]
        kept = _increasing(numbered)
        if len(kept) >= 2:
            found = kept
    if len(found) < 2:
        introduced = _introductions(text)
        if len(introduced) >= 2:
            found = introduced
    if found:
        segments = []
        for index, (start, number, label, how) in enumerate(found):
            if index + 1 < len(found):
                end = found[index + 1][0]
                inner = [s for s, _ in excluded if start < s < end]
                end = min(inner + [end])
            else:
                end = _narrative_end(text, start, excluded)
                # a later item headed by another patient's label ("Weekly review: Patient A -
                # recurrent fevers ...; Patient B - one episode") ends the last patient
                others = [m.start() for m in _OPENER.finditer(text, start + 1, end)
                          if _label(m) != label and (_number(m.group("id")) or 0) < number]
                end = min(others + [end])
                end = min(end, _comparison_paragraph(text, start, end, [f[2] for f in found]))
                if how != "heading":
                    end = min(end, _paragraphs_about_patient(text, start, end))
                elif _BOXED.match(text, start):
                    # a box or vignette ends where the article's next section is titled
                    title = _TITLE_AFTER_BREAK.search(text, start, end)
                    end = title.start() + 1 if title else end
            segments.append(PatientSegment(label, number, start, end, how))
        return segments
    section = next(iter(_find(_CASE_SECTION, text)), None)
    start = section.start() if section else 0
    end = _narrative_end(text, start, excluded) if section else len(text)
    if end - start < 200 and not section:
        end = len(text)
    return [PatientSegment("Case 1", 1, start, end, "single")]
