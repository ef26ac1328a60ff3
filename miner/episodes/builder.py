"""Facts from mentions -> CRS episodes and a patient record (no spaCy here).

The builder reads one patient's stretch of text sentence by sentence:

1. an *event sentence* holds an asserted CRS mention or an asserted fever (the word or
   a temperature of at least 38.0 °C) that the sentence does not attribute to an
   infection ("fever and diarrhoea due to Salmonella infection");
2. each event is placed in a *phase*, initial (step-up doses, cycle 1) or late, from
   the cues around it and its timing (``C1D2``/``day+2`` is initial, ``every 35-40 days``
   late);
3. initial events merge into the first-CRS episode; late events merge into one
   recurring-pattern episode unless they carry a grade of their own ("an intense grade 3
   CRS episode during maintenance dosing");
4. treatments are taken from event sentences and from the management sentences that
   follow them, never from premedication given per protocol.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from miner.episodes import cues
from miner.episodes.model import Episode, Evidence, Mention, PatientRecord, Sentence
from miner.labels import CRS, DRUG, FEVER, GRADE, INFECTION, INFECTION_WORKUP, TIMING, TREATMENT

_AGE_SEX = re.compile(
    r"(?P<age>\d{1,3})[- ](?:year|yr)s?[- ]old\s+(?:\w+\s+){0,2}?(?P<sex>woman|man|female|male|"
    r"lady|gentleman|girl|boy|patient)\b"
    r"|(?P<age2>\d{1,3})\s?(?:yo|y/o|y\.o\.|yr)\s?(?P<sex2>[MF]|male|female|man|woman)\b"
    r"|(?P<age3>\d{1,3})\s?/\s?(?P<sex3>[MF])\b"
    r"|\((?P<age4>\d{1,3})\s?,?\s?(?P<sex4>[MF])\)"
    r"|aged (?P<age5>\d{1,3})",
    re.IGNORECASE,
)
_SEX_WORDS = {
    "woman": "F", "female": "F", "lady": "F", "girl": "F", "f": "F",
    "man": "M", "male": "M", "gentleman": "M", "boy": "M", "m": "M",
}
_NEUTROPENIC = re.compile(
    r"\bneutropeni\w*|\bfebrile neutropenia\b|\b(?:neutrophil|count|blood count) nadir|"
    r"\bnadir\b|\bagranulocyt\w*", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z][A-Za-z-]*")
_TEST_NAME_AFTER = re.compile(
    r"\s*(?:testing|test|tests|PCR|RT-PCR|swabs?|serology|antigen|screen)", re.IGNORECASE
)

PageLookup = Callable[[int], "int | None"]


@dataclass
class _Event:
    sentence: Sentence
    phase: str
    named_crs: bool
    mentions: list[Mention]


def find_age_sex(text: str) -> tuple[int | None, str | None]:
    """Age and sex from the first "64-year-old woman" / "64 yo M" / "64/F" in ``text``."""
    for match in _AGE_SEX.finditer(text):
        age_text = next((g for g in match.group("age", "age2", "age3", "age4", "age5") if g), None)
        sex_text = next((g for g in match.group("sex", "sex2", "sex3", "sex4") if g), None)
        age = int(age_text) if age_text else None
        if age is not None and not 0 < age < 110:
            continue
        sex = _SEX_WORDS.get(sex_text.lower()) if sex_text else None
        return age, sex
    return None, None


def _words_around(text: str, start: int, end: int, masked: list[tuple[int, int]]) -> tuple[
    list[str], list[str]
]:
    """Up to three words after and before a span, skipping other time expressions.

    Only the 60 characters before and 40 after are read (and masked), not the document.
    """
    low, high = max(0, start - 60), min(len(text), end + 40)
    chars = list(text[low:high])
    for s, e in masked:
        for i in range(max(s, low), min(e, high)):
            chars[i - low] = " "
    window = "".join(chars)
    after = _WORD.findall(window[end - low :])[:3]
    before = _WORD.findall(window[: start - low])[-4:]
    return after, list(reversed(before))


def interval_role(text: str, timing: Mention, others: list[Mention]) -> str | None:
    """Whether an interval expression describes dosing or recurrence of episodes.

    "biweekly outpatient infusions" -> "dosing"; "recurrent febrile episodes monthly" ->
    "recurrence"; "monthly IVIG supplementation" -> None (about something else).
    """
    masked = [(m.start, m.end) for m in others if m is not timing and m.label == TIMING]
    after, before = _words_around(text, timing.start, timing.end, masked)
    if after:
        for word in after[:2]:
            if cues.DOSING_WORDS.match(word):
                return "dosing"
            if cues.EPISODE_WORDS.match(word):
                return "recurrence"
    immediate = text[timing.end : timing.end + 25]
    if re.match(r"\s+(?:of\s+)?[A-Za-z]", immediate):
        words = _WORD.findall(immediate)
        word = words[0] if words else ""
        if word and not cues.DOSING_WORDS.match(word) and not cues.EPISODE_WORDS.match(word) and \
                word.lower() not in {"consistently", "after", "following", "post", "with", "and",
                                     "thereafter", "until", "since", "for", "in", "at", "from",
                                     "during", "despite", "apart", "each", "every", "then"}:
            return None
    for word in before:
        if cues.DOSING_WORDS.match(word):
            return "dosing"
        if cues.EPISODE_WORDS.match(word):
            return "recurrence"
        if word.lower() in {"drug", "talquetamab", "teclistamab"} or word.lower().endswith("mab"):
            return "dosing"
    return None


class EpisodeBuilder:
    """Builds one patient's record from the document's sentences and mentions."""

    def __init__(self, text: str, sentences: list[Sentence], mentions: list[Mention],
                 page_at: PageLookup | None = None, doc_id: str = "") -> None:
        self.text = text
        self.sentences = sentences
        self.mentions = mentions
        self.page_at = page_at or (lambda offset: None)
        self.doc_id = doc_id

    def evidence(self, start: int, end: int) -> Evidence:
        return Evidence(self.text[start:end], start, end, self.page_at(start), self.doc_id)

    def sentence_evidence(self, sentence: Sentence) -> Evidence:
        return self.evidence(sentence.start, sentence.end)

    def build(self, patient_id: str, start: int, end: int) -> PatientRecord:
        """Build the record of the patient whose narrative is ``text[start:end]``."""
        record = PatientRecord(doc_id=self.doc_id, patient_id=patient_id)
        record.segment = {"start": start, "end": end, "page": self.page_at(start)}
        # sentences that overlap the segment ("Results: Pt 1 (68F) received ..." starts
        # before the patient's label); only mentions inside the segment count
        sentences = [s for s in self.sentences if s.end > start and s.start < end]
        by_sentence: dict[int, list[Mention]] = {s.index: [] for s in sentences}
        for mention in self.mentions:
            if start <= mention.start < end and mention.sentence in by_sentence:
                by_sentence[mention.sentence].append(mention)
        record.age, record.sex = find_age_sex(self.text[start:end])
        self._drugs(record, sentences, by_sentence)
        events = self._events(sentences, by_sentence)
        self._episodes(record, events, sentences, by_sentence)
        self._intervals(record, sentences, by_sentence, events)
        self._infection(record, sentences, by_sentence)
        self._impact(record, sentences, by_sentence)
        return record

    # -- drugs ---------------------------------------------------------------------------
    def _drugs(self, record: PatientRecord, sentences: list[Sentence],
               by_sentence: dict[int, list[Mention]]) -> None:
        for sentence in sentences:
            for m in by_sentence[sentence.index]:
                if m.label == DRUG and m.is_asserted and not m.is_uncertain and m.norm:
                    if m.norm not in record.drugs:
                        record.drugs.append(m.norm)
                        target = m.attrs.get("target")
                        if target and target not in record.drug_targets:
                            record.drug_targets.append(target)
                        record.evidence.setdefault("drugs", []).append(
                            self.evidence(m.start, m.end))

    # -- events --------------------------------------------------------------------------
    def _events(self, sentences: list[Sentence],
                by_sentence: dict[int, list[Mention]]) -> list[_Event]:
        events: list[_Event] = []
        for sentence in sentences:
            mentions = by_sentence[sentence.index]
            crs = [m for m in mentions if m.label == CRS and m.is_asserted and not m.is_uncertain
                   and not cues.NOT_AN_EPISODE.match(self.text, m.end)]
            fever = [m for m in mentions if m.label == FEVER and m.is_asserted]
            if not crs and not fever:
                continue
            if not crs and self._fever_explained(sentence, mentions):
                continue
            phase = self._phase(sentence, mentions, events)
            events.append(_Event(sentence, phase, bool(crs), mentions))
        return events

    def _fever_explained(self, sentence: Sentence, mentions: list[Mention]) -> bool:
        """A fever the same sentence blames on an infection or neutropenia."""
        if _NEUTROPENIC.search(sentence.text):
            return True
        infections = [m for m in mentions if m.label == INFECTION and m.is_asserted]
        if not infections:
            return False
        return bool(cues.INFECTION_CAUSE.search(sentence.text))

    def _phase(self, sentence: Sentence, mentions: list[Mention], events: list[_Event]) -> str:
        text = sentence.text
        initial = len(cues.INITIAL_PHASE.findall(text))
        late = len(cues.LATE_PHASE.findall(text))
        for m in mentions:
            if m.label != TIMING or not m.value:
                continue
            kind = m.value.get("kind")
            if kind == "cycle_day":
                cycle = m.value.get("cycle")
                day = m.value.get("day")
                if cycle == 1 or (cycle is None and day is not None and day <= 7):
                    initial += 2
                elif cycle is not None and cycle >= 2:
                    late += 2
            elif kind == "interval" and m.value.get("interval_days"):
                late += 1
        if initial > late:
            return "initial"
        if late > initial:
            return "late"
        if events and sentence.index - events[-1].sentence.index <= 2:
            return events[-1].phase  # "This was graded as grade 1 CRS": the same episode
        return "late" if events else "initial"

    # -- episodes ------------------------------------------------------------------------
    def _episodes(self, record: PatientRecord, events: list[_Event], sentences: list[Sentence],
                  by_sentence: dict[int, list[Mention]]) -> None:
        initial: Episode | None = None
        pattern: Episode | None = None
        episodes: list[Episode] = []
        last_event_index = -10
        position = {s.index: i for i, s in enumerate(sentences)}
        for event in events:
            grade, scale = self._grade(event.mentions)
            if event.phase == "initial":
                if initial is None:
                    initial = Episode(phase="initial")
                    episodes.append(initial)
                episode = initial
            elif grade is not None and pattern is not None and (
                    (pattern.grade is not None and grade != pattern.grade)
                    or not cues.RECURRING.search(event.sentence.text)):
                # a late episode with a grade of its own ("an intense grade 3 CRS episode
                # during maintenance dosing") is told apart from the recurring pattern
                episode = Episode(phase="late")
                episodes.append(episode)
            else:
                if pattern is None:
                    pattern = Episode(phase="late")
                    episodes.append(pattern)
                episode = pattern
            self._fill(episode, event, grade, scale)
            last_event_index = position[event.sentence.index]
            # management sentences that follow the event
            for follower in sentences[last_event_index + 1 : last_event_index + 5]:
                if any(e.sentence.index == follower.index for e in events):
                    break
                mentions = by_sentence[follower.index]
                if cues.OTHER_EVENT.search(follower.text) and not any(
                        m.label in (CRS, FEVER) for m in mentions):
                    break
                if not cues.MANAGEMENT.search(follower.text):
                    continue
                self._add_treatments(episode, follower, mentions)
        record.episodes = episodes
        for episode in episodes:
            for name in episode.treatments:
                if name not in record.treatments:
                    record.treatments.append(name)
        if initial is not None and initial.named_crs:
            record.first_crs = {"cycle": initial.cycle or (1 if initial.day else None),
                                "day": initial.day, "grade": initial.grade}
        grades = [e.grade for e in episodes if e.grade is not None]
        record.max_grade = max(grades) if grades else None
        hours = [h for e in episodes if e.hours_post_dose for h in e.hours_post_dose]
        if hours:
            record.hours_post_dose = [min(hours), max(hours)]
            record.sources["hours_post_dose"] = "stated"

    def _grade(self, mentions: list[Mention]) -> tuple[int | None, str | None]:
        """The CRS grade of a sentence: a grade written next to a CRS mention."""
        crs = [m for m in mentions if m.label == CRS and m.is_asserted]
        best: tuple[int | None, str | None] = (None, None)
        for g in (m for m in mentions if m.label == GRADE and m.value):
            if g.value is None or g.value.get("qualitative"):
                continue
            for c in crs:
                gap = c.start - g.end if c.start >= g.end else g.start - c.end
                between = self.text[min(g.end, c.end): max(g.start, c.start)]
                limit = 4 if c.start >= g.end else 32
                if 0 <= gap <= limit and not re.search(r"[.;]", between):
                    high = g.value.get("high")
                    if best[0] is None or (high is not None and high > best[0]):
                        best = (high, g.value.get("scale"))
        return best

    def _fill(self, episode: Episode, event: _Event, grade: int | None,
              scale: str | None) -> None:
        sentence = event.sentence
        episode.named_crs = episode.named_crs or event.named_crs
        if grade is not None and (episode.grade is None or grade > episode.grade):
            episode.grade = grade
            episode.grade_source = "stated"
            episode.grade_scale = scale
        if episode.onset_text is None:
            episode.onset_text = sentence.text.strip()[:200]
        episode.evidence.append(self.sentence_evidence(sentence))
        if cues.RECURRING.search(sentence.text) and episode.phase == "late":
            episode.recurrent = True
        for m in event.mentions:
            if m.label == FEVER and m.value and m.value.get("temp_c") and m.is_asserted:
                temp = float(m.value["temp_c"])
                if episode.max_temp_c is None or temp > episode.max_temp_c:
                    episode.max_temp_c = temp
            if m.label == TIMING and m.value:
                kind = m.value.get("kind")
                if kind == "cycle_day" and episode.day is None and m.value.get("day") is not None:
                    episode.day = m.value.get("day")
                    episode.cycle = m.value.get("cycle")
                    if episode.cycle in (None, 1):
                        episode.day_after_first_dose = episode.day
                elif kind == "post_dose" and m.value.get("hours"):
                    low, high = m.value["hours"]
                    current = episode.hours_post_dose
                    episode.hours_post_dose = [min(low, current[0]) if current else low,
                                               max(high, current[1]) if current else high]
                elif kind == "date" and m.value.get("date") and episode.date is None:
                    episode.date = m.value["date"]
        self._add_treatments(episode, sentence, event.mentions)

    def _add_treatments(self, episode: Episode, sentence: Sentence,
                        mentions: list[Mention]) -> None:
        premed = [(m.start(), m.end()) for m in cues.PREMEDICATION.finditer(sentence.text)]
        for m in mentions:
            if m.label != TREATMENT or not m.norm or m.is_negated or m.is_hypothetical:
                continue
            if m.attrs.get("treatment_class") in {"antihistamine"}:
                continue
            local = m.start - sentence.start
            if any(self._premed_scope(sentence.text, s, e, local) for s, e in premed):
                continue
            if m.norm not in episode.treatments:
                episode.treatments.append(m.norm)
                episode.evidence.append(self.evidence(m.start, m.end))

    @staticmethod
    def _premed_scope(text: str, start: int, end: int, position: int) -> bool:
        """Whether a treatment at ``position`` is inside a premedication phrase's scope:
        after the cue up to the close of its parenthesis or clause."""
        if position < start:
            return False
        scope = text[end:position]
        opened = scope.count("(") - scope.count(")")
        if "(" in scope and opened <= 0:
            return False
        return not re.search(r"[;.]|\b(?:but|however|then|and was|was|were|managed)\b", scope) or opened > 0

    # -- intervals -----------------------------------------------------------------------
    def _intervals(self, record: PatientRecord, sentences: list[Sentence],
                   by_sentence: dict[int, list[Mention]], events: list[_Event]) -> None:
        stated: list[tuple[float, float, Mention]] = []
        dosing: list[tuple[float, float, Mention]] = []
        late_sentences = {e.sentence.index for e in events if e.phase == "late"}
        for sentence in sentences:
            mentions = by_sentence[sentence.index]
            for m in mentions:
                if m.label != TIMING or not m.value or m.value.get("kind") != "interval":
                    continue
                days = m.value.get("interval_days")
                if not days:
                    continue
                role = interval_role(self.text, m, mentions)
                if role == "recurrence" and sentence.index in late_sentences:
                    stated.append((days[0], days[1], m))
                elif role == "dosing":
                    dosing.append((days[0], days[1], m))
        if dosing:
            low, high, m = dosing[0]
            record.dosing_interval_days = [low, high]
        if stated:
            low = min(s[0] for s in stated)
            high = max(s[1] for s in stated)
            record.recurrence_interval_days = [low, high]
            record.recurrence_interval_source = "stated"
            record.evidence["recurrence_interval_days"] = [
                self.evidence(m.start, m.end) for _, _, m in stated]
            return
        late = [e for e in events if e.phase == "late"]
        dose_linked = [e for e in late if cues.DOSE_LINKED.search(e.sentence.text)]
        if dose_linked and dosing:
            # the most recent dosing schedule stated before the dose-linked fevers
            first = dose_linked[0].sentence.start
            before = [d for d in dosing if d[2].start <= first] or dosing
            low, high, m = before[-1]
            record.recurrence_interval_days = [low, high]
            record.recurrence_interval_source = "dosing schedule"
            record.evidence["recurrence_interval_days"] = [self.evidence(m.start, m.end)]

    # -- infection -----------------------------------------------------------------------
    def _infection(self, record: PatientRecord, sentences: list[Sentence],
                   by_sentence: dict[int, list[Mention]]) -> None:
        drug_start = min((m.start for s in sentences for m in by_sentence[s.index]
                          if m.label == DRUG and m.is_asserted), default=None)
        negative = positive = False
        for sentence in sentences:
            mentions = by_sentence[sentence.index]
            workups = [m for m in mentions if m.label == INFECTION_WORKUP]
            if drug_start is not None and sentence.end < drug_start:
                continue
            infections = [m for m in mentions if self._documents_infection(m, workups)]
            if infections:
                record.documented_infection = True
                record.evidence.setdefault("documented_infection", []).extend(
                    self.evidence(m.start, m.end) for m in infections)
            if workups or re.search(r"\binfectious (?:source|cause|focus)\b", sentence.text, re.I):
                if cues.WORKUP_POSITIVE.search(sentence.text):
                    positive = True
                    record.evidence.setdefault("infection_workup", []).append(
                        self.sentence_evidence(sentence))
                elif cues.WORKUP_NEGATIVE.search(sentence.text):
                    negative = True
                    record.evidence.setdefault("infection_workup", []).append(
                        self.sentence_evidence(sentence))
            if any(m.label == INFECTION and m.is_negated for m in mentions) and workups:
                negative = True
        if positive:
            record.infection_workup_negative = False
        elif negative:
            record.infection_workup_negative = True
        if record.documented_infection is None and (negative or positive):
            record.documented_infection = positive
        tocilizumab = [s for s in sentences if any(
            m.label == TREATMENT and m.norm == "tocilizumab" and m.is_asserted
            for m in by_sentence[s.index])]
        if any(cues.TOCILIZUMAB_RESPONSE.search(s.text) for s in tocilizumab):
            record.tocilizumab_response = True

    def _documents_infection(self, m: Mention, workups: list[Mention]) -> bool:
        """An asserted infection that is not the name of a test ("COVID-19 RT-PCR").

        A named infection must not be historical; the bare word "infection" counts only
        with a word before it ("SARS-CoV-2 infection", "bloodstream infection").
        """
        if m.label != INFECTION or not m.is_asserted or m.is_uncertain:
            return False
        if any(w.start <= m.end + 2 and w.end >= m.start for w in workups):
            return False
        if m.norm == "infection":
            if not re.search(r"\w+\s+infections?$", self.text[max(0, m.start - 30) : m.end]):
                return False
        elif m.is_historical:
            return False
        return not _TEST_NAME_AFTER.match(self.text, m.end, m.end + 12)

    def _impact(self, record: PatientRecord, sentences: list[Sentence],
                by_sentence: dict[int, list[Mention]]) -> None:
        for name, pattern in cues.IMPACT:
            for sentence in sentences:
                if any(m.label == DRUG for m in by_sentence[sentence.index]) and \
                        pattern.search(sentence.text):
                    record.treatment_impact = name
                    return

