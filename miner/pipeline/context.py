"""``miner_context``: assertion with the ConText algorithm (Harkema et al., J Biomed Inform 2009;
Chapman et al.'s NegEx, 2001, before it).

Rules come from ``patterns/context/*.jsonl``: medspaCy's default English rules, minus
those that misfire on this domain ("return" and "because" as hypothetical would make
"the fever returned after each dose" hypothetical; "resolved" as a forward negation
would negate "resolved with tocilizumab"), plus rules for how case reports and notes
speak of CRS that did not happen: "risk of CRS", "monitored for CRS", "no further CRS".

The algorithm is medspaCy's ConText (1.3) step for step, so the flags are the same, but it
runs on token ids instead of spaCy objects, once per Doc:

1. **Modifiers**: every rule matches the Doc's tokens (a phrase on lower case, or a token
   pattern of ``LOWER``/``ORTH`` values with ``?``, ``*`` and ``+``), every match kept;
   overlapping matches are pruned to the longest ("no history of" over "history of").
2. **Scope**: a modifier reaches to the end of its sentence (``FORWARD``), back to its start
   (``BACKWARD``) or both (``BIDIRECTIONAL``), at most ``max_scope`` tokens.
3. **Limits**: a ``TERMINATE`` modifier, or another modifier of the same category, ends a
   scope ("no evidence of CHF, but there is pneumonia"; "no fever, no CRS": the second "no"
   governs CRS). ``PSEUDO`` modifiers ("no increase") modify nothing; they only win the
   pruning over the shorter modifier inside them.
4. **Targets**: a mention (a span of ``doc.spans["miner"]``) that overlaps a modifier's scope,
   and not the modifier itself, takes the category's flag, e.g. ``span._.is_negated``.

Only sentences with a modifier are looked at, and only the modifiers of a mention's own
sentence are tried against it.
"""

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy
from spacy.attrs import LOWER, ORTH, SENT_START
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc

from miner.pipeline.extensions import SPAN_KEY, register_extensions
from miner.pipeline.pruning import overlaps, prune_overlapping
from miner.pipeline.rules import RuleError, load_jsonl_rules
from miner.pipeline.sentences import sentence_bounds
from miner.resources import pattern_files

FORWARD, BACKWARD, BIDIRECTIONAL, TERMINATE, PSEUDO = (
    "FORWARD", "BACKWARD", "BIDIRECTIONAL", "TERMINATE", "PSEUDO")
DIRECTIONS = (FORWARD, BACKWARD, BIDIRECTIONAL, TERMINATE, PSEUDO)

#: The Span flag each category sets on the mentions it modifies (medspaCy's defaults).
CATEGORY_FLAGS: dict[str, str] = {
    "NEGATED_EXISTENCE": "is_negated",
    "POSSIBLE_EXISTENCE": "is_uncertain",
    "HISTORICAL": "is_historical",
    "HYPOTHETICAL": "is_hypothetical",
    "FAMILY": "is_family",
}

_TOKEN_ATTRS = {"LOWER": LOWER, "ORTH": ORTH}
_TOKEN_ATTRS_ORDER = ("LOWER", "ORTH")  # Step.attr: 0 lower case, 1 verbatim
_OPS = {"?", "*", "+"}


@dataclass(frozen=True)
class ContextRule:
    """One ConText modifier rule.

    ``pattern`` is a spaCy token pattern (``LOWER`` or ``ORTH``, a string or ``{"IN": [...]}``,
    ``OP`` one of ``?``, ``*``, ``+``); without it, ``literal`` is the phrase, matched on
    lower case.
    """

    id: str
    literal: str
    category: str
    direction: str = BIDIRECTIONAL
    pattern: list[dict[str, Any]] | None = None
    max_scope: int | None = None
    source: str | None = None
    # a TERMINATE rule that ends only these categories' scopes (all when None): "and had"
    # opens a new clause for a negation, but "her sister received axi-cel and developed CRS"
    # is still the sister's
    terminates: tuple[str, ...] | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ContextRule":
        """Build a rule, rejecting unknown keys, directions, token keys and operators."""
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise RuleError(f"unknown keys {sorted(unknown)} in ConText rule {data.get('id')!r}")
        for key in ("id", "literal", "category"):
            if not isinstance(data.get(key), str) or not data[key]:
                raise RuleError(f"ConText rule {data.get('id')!r} lacks {key!r}")
        direction = str(data.get("direction", BIDIRECTIONAL)).upper()
        if direction not in DIRECTIONS:
            raise RuleError(f"ConText rule {data['id']!r}: direction {direction!r} is not one of {DIRECTIONS}")
        max_scope = data.get("max_scope")
        if max_scope is not None and (not isinstance(max_scope, int) or max_scope <= 0):
            raise RuleError(f"ConText rule {data['id']!r}: max_scope must be a positive integer")
        pattern = data.get("pattern")
        if pattern is not None:
            _check_pattern(data["id"], pattern)
        terminates = data.get("terminates")
        if terminates is not None and (direction != TERMINATE or not isinstance(terminates, list) or not all(
                isinstance(c, str) and c.upper() in CATEGORY_FLAGS for c in terminates)):
            raise RuleError(f"ConText rule {data['id']!r}: terminates must list categories of "
                            f"{sorted(CATEGORY_FLAGS)}, on a TERMINATE rule")
        return cls(id=data["id"], literal=data["literal"], category=str(data["category"]).upper(),
                   direction=direction, pattern=pattern, max_scope=max_scope, source=data.get("source"),
                   terminates=tuple(c.upper() for c in terminates) if terminates is not None else None)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready form, omitting unset values."""
        out: dict[str, Any] = {"id": self.id, "literal": self.literal, "category": self.category,
                               "direction": self.direction}
        if self.pattern is not None:
            out["pattern"] = self.pattern
        if self.max_scope is not None:
            out["max_scope"] = self.max_scope
        if self.source is not None:
            out["source"] = self.source
        if self.terminates is not None:
            out["terminates"] = list(self.terminates)
        return out


def _check_pattern(rule_id: str, pattern: Any) -> None:
    if not isinstance(pattern, list) or not pattern:
        raise RuleError(f"ConText rule {rule_id!r}: pattern must be a non-empty token list")
    for token in pattern:
        keys = set(token) - {"OP"} if isinstance(token, dict) else set()
        if len(keys) != 1 or not keys <= set(_TOKEN_ATTRS):
            raise RuleError(f"ConText rule {rule_id!r}: each token needs exactly one of {sorted(_TOKEN_ATTRS)}")
        value = token[next(iter(keys))]
        if not (isinstance(value, str) or (isinstance(value, dict) and set(value) == {"IN"}
                                           and all(isinstance(v, str) for v in value["IN"]))):
            raise RuleError(f"ConText rule {rule_id!r}: a token value is a string or {{'IN': [strings]}}")
        if token.get("OP", "1") not in _OPS | {"1"}:
            raise RuleError(f"ConText rule {rule_id!r}: OP must be one of {sorted(_OPS)}")
    if all(token.get("OP") in ("?", "*") for token in pattern):
        raise RuleError(f"ConText rule {rule_id!r}: a pattern needs one token that is not optional")


def load_context_rules(paths: list[Path]) -> list[ContextRule]:
    """Load ConText rules from JSONL files into a fresh list (one rule a line).

    Raises:
        RuleError: on a malformed line, an unknown key or a duplicate id (naming file and line).
    """
    return load_jsonl_rules(paths, ContextRule.from_dict)


# --- the algorithm on token ids (no spaCy objects) --------------------------------------------

@dataclass(frozen=True)
class Step:
    """One token of a compiled pattern: the attribute read (0 lower case, 1 verbatim), the
    accepted string hashes, and whether the token may be skipped and repeated."""

    attr: int
    values: frozenset[int]
    optional: bool
    repeat: bool


@dataclass
class Modifier:
    """A matched rule with its scope, in token indices (end exclusive)."""

    rule: ContextRule
    start: int
    end: int
    scope_start: int
    scope_end: int


def match_steps(steps: Sequence[Step], tokens: Sequence[Sequence[int]], start: int) -> list[int]:
    """Every end (exclusive) of a match of ``steps`` starting at token ``start``, ascending.

    ``tokens`` is ``(lower ids, verbatim ids)``. Every match is kept, as spaCy's Matcher
    does: "concerned about" and "concerned" both match a pattern whose second token is optional.
    """
    final = len(steps)
    if not any(step.optional for step in steps):  # a fixed sequence (most rules): compare in turn
        if start + final > len(tokens[0]):
            return []
        for offset, step in enumerate(steps):
            if tokens[step.attr][start + offset] not in step.values:
                return []
        return [start + final]

    def closure(states: set[int]) -> set[int]:
        todo = list(states)
        while todo:
            state = todo.pop()
            if state < final and steps[state].optional and state + 1 not in states:
                states.add(state + 1)
                todo.append(state + 1)
        return states

    ends = []
    states = closure({0})
    position, length = start, len(tokens[0])
    while states and position < length:
        following: set[int] = set()
        for state in states:
            if state == final:
                continue
            step = steps[state]
            if tokens[step.attr][position] in step.values:
                following.add(state + 1)
                if step.repeat:
                    following.add(state)
        states = closure(following)
        position += 1
        if final in states:
            ends.append(position)
    return ends


def scope_of(rule: ContextRule, start: int, end: int, sentence: tuple[int, int]) -> tuple[int, int]:
    """The tokens a modifier at ``start:end`` reaches in its ``sentence``, cut to ``max_scope``."""
    sent_start, sent_end = sentence
    limit = rule.max_scope
    if rule.direction == FORWARD:
        scope = (end, sent_end)
        if limit is not None and scope[1] - scope[0] > limit:
            scope = (end, end + limit)
    elif rule.direction == BACKWARD:
        scope = (sent_start, start)
        if limit is not None and scope[1] - scope[0] > limit:
            scope = (start - limit, start)
    else:
        scope = (sent_start, sent_end)
        if limit is not None and start - scope[0] > limit:
            scope = (start - limit, scope[1])
        if limit is not None and scope[1] - end > limit:
            scope = (scope[0], end + limit)
    return scope


def limit_scope(modifier: Modifier, other: Modifier) -> None:
    """Cut ``modifier``'s scope at ``other`` when ``other`` terminates it or shares its category
    ("no fever, no CRS": the second "no" starts its own scope)."""
    # medspaCy (1.3) tests this with its asymmetric overlap, so a terminator whose scope holds
    # the modifier's whole scope never cut it: "38.9 °C; cultures were negative" negated the
    # fever across the semicolon. Scopes that share a token limit each other here.
    if not _share_tokens((modifier.scope_start, modifier.scope_end), (other.scope_start, other.scope_end)):
        return
    direction = modifier.rule.direction
    if direction == TERMINATE:
        return
    if other.rule.direction != TERMINATE and other.rule.category != modifier.rule.category:
        return
    if other.rule.direction == TERMINATE and other.rule.terminates is not None \
            and modifier.rule.category not in other.rule.terminates:
        return
    # a terminator right against the modifier introduces its list ("Negative for: fever,
    # chills"); it ends nothing
    if direction in (FORWARD, BIDIRECTIONAL) and other.start > modifier.start and not (
            other.rule.direction == TERMINATE and other.start == modifier.end):
        modifier.scope_end = min(modifier.scope_end, other.start)
    if direction in (BACKWARD, BIDIRECTIONAL) and other.end < modifier.end and not (
            other.rule.direction == TERMINATE and other.end == modifier.start):
        modifier.scope_start = max(modifier.scope_start, other.end)


def _share_tokens(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def limit_scopes(modifiers: list[Modifier]) -> None:
    """Every ordered pair limits each other, in medspaCy's order (``i < j``: i by j, then j by i)."""
    for i, first in enumerate(modifiers):
        for second in modifiers[i + 1:]:
            limit_scope(first, second)
            limit_scope(second, first)


def modifies(modifier: Modifier, start: int, end: int) -> bool:
    """Whether the modifier reaches the target ``start:end`` (never itself, never as a
    ``TERMINATE`` or ``PSEUDO`` modifier)."""
    if overlaps((modifier.start, modifier.end), (start, end)):
        return False
    if modifier.rule.direction in (TERMINATE, PSEUDO):
        return False
    return overlaps((modifier.scope_start, modifier.scope_end), (start, end))


class ContextMatcher:
    """The compiled rules: each pattern as steps of string hashes, indexed by first token.

    Two rules can match the very same tokens ("as needed" is both ``as_needed``, "as needed
    [for]", and ``if_needed_backward``); medspaCy keeps the one spaCy's Matcher reports first
    (a pattern that could still go on, like "as needed" before a possible "for", is reported
    later), and phrase rules after token patterns. Such ties are rare, so for them only a
    spaCy Matcher with the token patterns is asked, on the few tokens of the tie.
    """

    def __init__(self, nlp: Language, rules: Iterable[ContextRule]) -> None:
        self.nlp = nlp
        self.rules: list[ContextRule] = []
        self.steps: list[tuple[Step, ...]] = []
        self.fixed: list[bool] = []  # no optional or repeated token
        self.first: tuple[dict[int, list[int]], dict[int, list[int]]] = ({}, {})
        self.first_keys: tuple[Any, ...] = ()
        self.ties = Matcher(nlp.vocab)  # spaCy's order for identical matches of token patterns
        self.add_rules(list(rules))

    def add_rules(self, rules: list[ContextRule]) -> None:
        """Compile rules; phrases are split by the pipeline's tokenizer, as medspaCy does.

        Raises:
            RuleError: when two phrase rules have the same words (which one applies would be arbitrary).
        """
        strings = self.nlp.vocab.strings
        tokenizer: Any = self.nlp.tokenizer
        phrase_rules = [r for r in rules if r.pattern is None]
        docs = tokenizer.pipe([r.literal.lower() for r in phrase_rules])
        phrases = {r.id: tuple(t.lower_ for t in doc) for r, doc in zip(phrase_rules, docs, strict=True)}
        seen = {phrases[r.id]: r.id for r in self.rules if r.pattern is None}
        for rule in rules:
            steps: list[Step] = []
            if rule.pattern is None:
                words = phrases[rule.id]
                if words in seen:
                    raise RuleError(f"ConText rules {seen[words]!r} and {rule.id!r} are the same phrase")
                seen[words] = rule.id
                steps = [Step(0, frozenset({strings.add(word)}), False, False) for word in words]
            else:
                for token in rule.pattern:
                    name = next(key for key in token if key != "OP")
                    value = token[name]
                    values = frozenset(strings.add(word) for word in (value["IN"] if isinstance(value, dict)
                                                                      else [value]))
                    op = token.get("OP", "1")
                    if op == "+":  # one, then any number
                        steps.append(Step(_TOKEN_ATTRS_ORDER.index(name), values, False, False))
                        op = "*"
                    steps.append(Step(_TOKEN_ATTRS_ORDER.index(name), values, op in ("?", "*"), op == "*"))
                self.ties.add(str(len(self.rules)), [rule.pattern])
            if not steps:
                continue  # an empty phrase matches nothing
            index = len(self.rules)
            self.rules.append(rule)
            self.steps.append(tuple(steps))
            self.fixed.append(not any(step.optional for step in steps))
            for step in steps:  # the tokens a match can start with
                for value in step.values:
                    self.first[step.attr].setdefault(value, []).append(index)
                if not step.optional:
                    break
        for first in self.first:  # each rule once, in rule order
            for value, indices in first.items():
                first[value] = sorted(set(indices))
        self.first_keys = tuple(numpy.array(sorted(first), dtype="uint64") for first in self.first)

    def __call__(self, doc: Doc, lowers: Any, orths: Any) -> list[tuple[int, int, int]]:
        """Every ``(rule index, start, end)`` match, by position, from arrays of lower-case and
        verbatim string ids; identical spans in medspaCy's order. Only tokens that can start a
        rule are tried."""
        first_lower, first_orth = self.first
        can_start = numpy.isin(lowers, self.first_keys[0]) | numpy.isin(orths, self.first_keys[1])
        tokens = (lowers.tolist(), orths.tolist())
        length = len(tokens[0])
        matches: list[tuple[int, int, int]] = []
        for position in numpy.flatnonzero(can_start).tolist():
            by_end: dict[int, list[int]] = {}
            candidates = first_lower.get(tokens[0][position], [])
            by_orth = first_orth.get(tokens[1][position])
            if by_orth:
                candidates = sorted(set(candidates) | set(by_orth))
            for index in candidates:
                steps = self.steps[index]
                if self.fixed[index]:  # most rules: a fixed sequence of words, compared in turn
                    end = position + len(steps)
                    if end <= length and all(tokens[step.attr][position + offset] in step.values
                                             for offset, step in enumerate(steps)):
                        by_end.setdefault(end, []).append(index)
                    continue
                for end in match_steps(steps, tokens, position):
                    by_end.setdefault(end, []).append(index)
            for end in sorted(by_end):
                indices = by_end[end]
                if len(indices) > 1:
                    indices = self._order_ties(doc, position, end, indices)
                matches.extend((index, position, end) for index in indices)
        return matches

    def _order_ties(self, doc: Doc, start: int, end: int, indices: list[int]) -> list[int]:
        """Rules matching exactly ``start:end``: token patterns in the order spaCy's Matcher
        reports them (it decides by the next token at the latest), then phrases in rule order."""
        patterns = [i for i in indices if self.rules[i].pattern is not None]
        if len(patterns) > 1:
            strings = doc.vocab.strings
            reported = [int(strings[key]) for key, s, e in self.ties(doc[start:min(end + 1, len(doc))])
                        if s == 0 and e == end - start]
            ordered = [i for i in dict.fromkeys(reported) if i in patterns]
            patterns = ordered + [i for i in patterns if i not in ordered]
        return patterns + [i for i in indices if self.rules[i].pattern is None]


class ConTextComponent:
    """Sets ``is_negated``, ``is_uncertain``, ``is_historical``, ``is_hypothetical`` and
    ``is_family`` on the mentions in ``doc.spans["miner"]``.

    >>> doc = nlp("No evidence of CRS after C2D1, but fever recurred.")
    >>> {s.text: s._.is_negated for s in doc.spans["miner"] if s.label_ in ("CRS", "FEVER")}
    {'fever': False, 'CRS': True}
    """

    def __init__(self, nlp: Language, rules: Iterable[ContextRule]) -> None:
        register_extensions()
        self.nlp = nlp
        self.matcher = ContextMatcher(nlp, rules)

    @property
    def rules(self) -> list[ContextRule]:
        """The rules, in the order they were added."""
        return list(self.matcher.rules)

    def find_modifiers(self, doc: Doc) -> tuple[list[Modifier], Any]:
        """The Doc's modifiers after pruning, with scopes limited (steps 1-3), and the
        sentence of each token."""
        if not len(doc):
            return [], None
        values = doc.to_array([LOWER, ORTH, SENT_START])
        sentence_of, sent_starts, sent_ends = sentence_bounds(values[:, 2])
        matches = prune_overlapping(self.matcher(doc, values[:, 0], values[:, 1]))
        rules = self.matcher.rules
        modifiers = []
        groups: dict[int, list[Modifier]] = {}
        crossing = False
        for index, start, end in matches:
            sentence = int(sentence_of[start])
            bounds = (int(sent_starts[sentence]), int(sent_ends[sentence]))
            scope = scope_of(rules[index], start, end, bounds)
            modifier = Modifier(rules[index], start, end, scope[0], scope[1])
            modifiers.append(modifier)
            groups.setdefault(sentence, []).append(modifier)
            crossing = crossing or end > bounds[1]
        if crossing:  # a modifier across a sentence end reaches into the next sentence: all pairs
            limit_scopes(modifiers)
        else:  # within their sentences, modifiers of different sentences never limit each other
            for group in groups.values():
                limit_scopes(group)
        return modifiers, sentence_of

    def __call__(self, doc: Doc) -> Doc:
        targets = doc.spans.get(SPAN_KEY)
        if not targets:
            return doc
        modifiers, sentences = self.find_modifiers(doc)
        by_sentence: dict[int, list[Modifier]] = {}
        for modifier in modifiers:
            if modifier.rule.category in CATEGORY_FLAGS:
                by_sentence.setdefault(int(sentences[modifier.start]), []).append(modifier)
        if not by_sentence:
            return doc
        sentence_of = sentences.tolist()
        for target in targets:
            first, last = sentence_of[target.start], sentence_of[target.end - 1]
            near = by_sentence.get(first, [])
            if last != first:
                near = near + by_sentence.get(last, [])
            for modifier in near:
                if modifies(modifier, target.start, target.end):
                    setattr(target._, CATEGORY_FLAGS[modifier.rule.category], True)
        return doc

    def to_disk(self, path: str | Path, exclude: Iterable[str] = ()) -> None:
        """Save the rules as JSONL."""
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        lines = [json.dumps(r.to_dict()) for r in self.matcher.rules]
        (folder / "rules.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")

    def from_disk(self, path: str | Path, exclude: Iterable[str] = ()) -> "ConTextComponent":
        """Load rules saved by :meth:`to_disk`, replacing the current ones."""
        self.matcher = ContextMatcher(self.nlp, load_context_rules([Path(path) / "rules.jsonl"]))
        return self


@Language.factory(
    "miner_context",
    assigns=["span._.is_negated", "span._.is_uncertain", "span._.is_historical",
             "span._.is_hypothetical", "span._.is_family"],
    requires=["doc.spans", "token.is_sent_start"],
    default_config={"component": "context"},
)
def make_context(nlp: Language, name: str, component: str) -> ConTextComponent:
    """Build ConText from every JSONL file in ``patterns/<component>/``."""
    return ConTextComponent(nlp, load_context_rules(pattern_files(component)))
