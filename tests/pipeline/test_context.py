"""``miner_context``: the ConText algorithm on tiny inline texts, with exact spans."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from miner.pipeline.context import (
    DIRECTIONS,
    ConTextComponent,
    ContextRule,
    Modifier,
    Step,
    limit_scopes,
    load_context_rules,
    match_steps,
    scope_of,
)
from miner.pipeline.pruning import prune_overlapping
from miner.pipeline.rules import RuleError

FLAGS = ("is_negated", "is_uncertain", "is_historical", "is_hypothetical", "is_family")


def _flags(nlp, text: str) -> list[tuple[str, str, list[str]]]:  # type: ignore[no-untyped-def]
    """(label, text, flags set) of each mention but TIMING, in text order."""
    doc = nlp(text)
    return [(s.label_, s.text, [f for f in FLAGS if getattr(s._, f)])
            for s in sorted(doc.spans["miner"], key=lambda s: s.start) if s.label_ != "TIMING"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # FORWARD to the end of the sentence, not beyond it
        ("No evidence of CRS. Fever recurred.",
         [("CRS", "CRS", ["is_negated"]), ("FEVER", "Fever", [])]),
        # a TERMINATE modifier ("but") ends the scope
        ("She denied fever but developed CRS.",
         [("FEVER", "fever", ["is_negated"]), ("CRS", "CRS", [])]),
        # BACKWARD, at most max_scope tokens ("ruled out" reaches back 6)
        ("CRS was ruled out.", [("CRS", "CRS", ["is_negated"])]),
        # a PSEUDO modifier wins the pruning over the "no" inside it and modifies nothing
        ("There was no increase in fever.", [("FEVER", "fever", [])]),
        # HYPOTHETICAL and POSSIBLE_EXISTENCE
        ("She was monitored for CRS.", [("CRS", "CRS", ["is_hypothetical"])]),
        ("Concern for CRS was raised.", [("CRS", "CRS", ["is_uncertain"])]),
        # a relative who reports or measures is the informant, not the one with the fever
        ("Her husband phoned to say she had a fever overnight.", [("FEVER", "fever", [])]),
        ("His daughter reported a temperature of 38.6 °C.", [("FEVER", "38.6 °C", [])]),
        ("Per his wife, fever returned on Sunday.", [("FEVER", "fever", [])]),
        ("His wife had fever last week.", [("FEVER", "fever", ["is_family"])]),
        # a finding argued away, and a counterfactual reading
        ("The focal signs spoke against CRS.", [("CRS", "CRS", ["is_negated"])]),
        ("The timing might well have suggested CRS.", [("CRS", "CRS", ["is_uncertain"])]),
        # "and" before a verb opens a new clause for a negation, not for a relative
        ("She resumed dosing without premedication and developed a fever.", [("FEVER", "fever", [])]),
        # something read about, and a conditional option
        ("The GP had read of late CRS with bispecifics.", [("CRS", "CRS", ["is_hypothetical"])]),
        ("Cilta-cel is kept as an alternative if a slot opens.", [("DRUG", "Cilta-cel", ["is_hypothetical"])]),
        ("He received tocilizumab as an alternative to steroids.",
         [("TREATMENT", "tocilizumab", []), ("TREATMENT", "steroids", [])]),
        # ", so" opens a consequence the negation does not reach
        ("No blood culture was taken, so infection has not been excluded.",
         [("INFECTION_WORKUP", "blood culture", ["is_negated"]), ("INFECTION", "infection", ["is_uncertain"])]),
        ("Her brother received cilta-cel and developed CRS.",
         [("DRUG", "cilta-cel", ["is_family"]), ("CRS", "CRS", ["is_family"])]),
        # an explanation denied, and a general truth that reports no result
        ("The pattern is hard to explain by infection.", [("INFECTION", "infection", ["is_negated"])]),
        ("The fevers could not be explained by pneumonia.",
         [("FEVER", "fevers", []), ("INFECTION", "pneumonia", ["is_negated"])]),
        ("No cultures were taken, so an infection cannot be excluded.",
         [("INFECTION_WORKUP", "cultures", ["is_negated"]), ("INFECTION", "infection", ["is_uncertain"])]),
        ("He was a candidate to elranatamab.", [("DRUG", "elranatamab", ["is_hypothetical"])]),
        ("Elranatamab was finally not administered.", [("DRUG", "Elranatamab", ["is_negated"])]),
        ("If progression: teclistamab not an option.", [("DRUG", "teclistamab", ["is_negated"])]),
        ("Prednisolone 100 mg premedication planned before C12D1.",
         [("TREATMENT", "Prednisolone", ["is_hypothetical"])]),
        ("The label allows corticosteroid premedication.", [("TREATMENT", "corticosteroid", ["is_hypothetical"])]),
        ("Until the last follow-up the fever was not happened again.", [("FEVER", "fever", ["is_negated"])]),
        # a field's value ends after "no" ("Fever: no."); a clause goes on after it ("Phone check: no fever")
        ("Phone check: no fever.", [("FEVER", "fever", ["is_negated"])]),
        ("Fever: no. Chills: yes.", [("FEVER", "Fever", ["is_negated"])]),
        ("CRS was not observed during step-up dosing.", [("CRS", "CRS", ["is_negated"])]),
        ("Options: maybe steroids before the injection.", [("TREATMENT", "steroids", ["is_hypothetical"])]),
        ("One positive culture does not exclude CRS.",
         [("INFECTION_WORKUP", "culture", ["is_hypothetical"]), ("CRS", "CRS", [])]),
    ],
)
def test_assertion_flags(nlp, text: str, expected) -> None:  # type: ignore[no-untyped-def]
    assert _flags(nlp, text) == expected


def test_identical_matches_take_the_rule_spacy_reports_first(nlp) -> None:  # type: ignore[no-untyped-def]
    # "as needed" is matched by as_needed (FORWARD, "for" optional) and by
    # if_needed_backward (BACKWARD); as in medspaCy, the backward rule applies when no
    # "for" follows, and "as needed for" (longer) is forward
    assert _flags(nlp, "Tocilizumab as needed.") == [("TREATMENT", "Tocilizumab", ["is_hypothetical"])]
    assert _flags(nlp, "Tocilizumab as needed for fever.") == [
        ("TREATMENT", "Tocilizumab", []), ("FEVER", "fever", ["is_hypothetical"])]


def _rule(**data) -> ContextRule:  # type: ignore[no-untyped-def]
    return ContextRule.from_dict({"id": "t", "literal": "x", "category": "NEGATED_EXISTENCE", **data})


def test_match_steps_returns_every_end() -> None:
    # pattern: a b? c*  over tokens a b c c d (ids stand for strings)
    steps = [Step(0, frozenset({1}), False, False), Step(0, frozenset({2}), True, False),
             Step(0, frozenset({3}), True, True)]
    tokens = ([1, 2, 3, 3, 4], [1, 2, 3, 3, 4])
    assert match_steps(steps, tokens, 0) == [1, 2, 3, 4]
    assert match_steps(steps, tokens, 1) == []


def test_prune_keeps_the_longest_and_the_first_of_equals() -> None:
    # "no history of" (0-3) over "history of" (1-3); of two equal spans the first stays
    assert prune_overlapping([(1, 1, 3), (0, 0, 3)]) == [(0, 0, 3)]
    assert prune_overlapping([(5, 4, 6), (6, 4, 6), (7, 8, 9)]) == [(5, 4, 6), (7, 8, 9)]


@pytest.mark.parametrize(
    ("direction", "max_scope", "scope"),
    [("FORWARD", None, (6, 20)), ("FORWARD", 3, (6, 9)), ("BACKWARD", None, (2, 4)),
     ("BACKWARD", 1, (3, 4)), ("BIDIRECTIONAL", 2, (2, 8)), ("TERMINATE", None, (2, 20))],
)
def test_scope_is_the_sentence_cut_to_max_scope(direction: str, max_scope: int | None,
                                                scope: tuple[int, int]) -> None:
    rule = _rule(direction=direction, **({"max_scope": max_scope} if max_scope else {}))
    assert scope_of(rule, 4, 6, (2, 20)) == scope


def test_component_on_a_small_rule_set(nlp) -> None:  # type: ignore[no-untyped-def]
    rules = [_rule(id="neg.no", literal="no", direction="FORWARD"),
             _rule(id="neg.free", literal="free of", direction="FORWARD"),
             ContextRule.from_dict({"id": "end.but", "literal": "but", "category": "TERMINATE",
                                    "direction": "TERMINATE"})]
    component = ConTextComponent(nlp, rules)
    doc = nlp.make_doc("no fever , free of rash but CRS")
    from spacy.tokens import Span

    doc.spans["miner"] = [Span(doc, 1, 2, label="FEVER"), Span(doc, 5, 6, label="INFECTION"),
                          Span(doc, 7, 8, label="CRS")]
    modifiers, _ = component.find_modifiers(doc)
    # "no" reaches until the next negation ("free of"), which reaches until "but"
    assert [(m.rule.id, m.start, m.end, m.scope_start, m.scope_end) for m in modifiers] == [
        ("neg.no", 0, 1, 1, 3), ("neg.free", 3, 5, 5, 6), ("end.but", 6, 7, 0, 8)]
    component(doc)
    assert [s._.is_negated for s in doc.spans["miner"]] == [True, True, False]
    assert isinstance(modifiers[0], Modifier)


@pytest.mark.parametrize(
    "data",
    [
        {"id": "a", "literal": "no", "category": "NEGATED_EXISTENCE", "scope": 3},  # unknown key
        {"id": "a", "literal": "and", "category": "TERMINATE", "direction": "TERMINATE",
         "terminates": ["SOMETHING"]},  # not a category
        {"id": "a", "literal": "no", "category": "NEGATED_EXISTENCE", "direction": "FORWARD",
         "terminates": ["FAMILY"]},  # only a TERMINATE rule terminates
        {"id": "a", "literal": "no", "category": "NEGATED_EXISTENCE", "direction": "SIDEWAYS"},
        {"id": "a", "literal": "no", "category": "NEGATED_EXISTENCE", "max_scope": 0},
        {"id": "a", "literal": "no", "category": "NEGATED_EXISTENCE", "pattern": [{"LEMMA": "no"}]},
        {"id": "a", "literal": "no", "category": "NEGATED_EXISTENCE", "pattern": [{"LOWER": "no", "OP": "!"}]},
        {"id": "a", "literal": "no", "category": "NEGATED_EXISTENCE", "pattern": [{"LOWER": "no", "OP": "?"}]},
        {"literal": "no", "category": "NEGATED_EXISTENCE"},
    ],
)
def test_bad_rules_are_rejected(data: dict) -> None:  # type: ignore[type-arg]
    with pytest.raises(RuleError):
        ContextRule.from_dict(data)


def test_rules_round_trip_and_duplicates_fail(nlp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    line = {"id": "a", "literal": "no", "category": "NEGATED_EXISTENCE", "direction": "FORWARD",
            "max_scope": 4}
    path = tmp_path / "rules.jsonl"
    path.write_text(json.dumps(line) + "\n" + json.dumps(line) + "\n", encoding="utf-8")
    with pytest.raises(RuleError, match="duplicate rule id"):
        load_context_rules([path])
    path.write_text(json.dumps(line) + "\n" + json.dumps({**line, "id": "b", "literal": "No"}) + "\n",
                    encoding="utf-8")
    with pytest.raises(RuleError, match="same phrase"):
        ConTextComponent(nlp, load_context_rules([path]))
    component = ConTextComponent(nlp, [ContextRule.from_dict(line)])
    component.to_disk(tmp_path / "saved")
    assert component.from_disk(tmp_path / "saved").rules == [ContextRule.from_dict(line)]


_CATEGORIES = ("NEGATED_EXISTENCE", "HYPOTHETICAL", "TERMINATE")


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 5), st.integers(1, 3),
                          st.sampled_from(DIRECTIONS), st.sampled_from(_CATEGORIES),
                          st.one_of(st.none(), st.integers(1, 4))), max_size=12))
def test_scopes_limited_per_sentence_equal_all_pairs(specs) -> None:  # type: ignore[no-untyped-def]
    # four sentences of 10 tokens; modifiers inside their sentence, disjoint after sorting
    def build() -> list[list[Modifier]]:
        taken: set[int] = set()
        groups: dict[int, list[Modifier]] = {}
        for sentence, offset, length, direction, category, max_scope in specs:
            start = sentence * 10 + offset
            end = min(start + length, sentence * 10 + 10)
            if taken & set(range(start, end)):
                continue
            taken |= set(range(start, end))
            rule = ContextRule.from_dict({"id": "r", "literal": "x", "category": category, "direction": direction,
                                          **({"max_scope": max_scope} if max_scope else {})})
            scope = scope_of(rule, start, end, (sentence * 10, sentence * 10 + 10))
            groups.setdefault(sentence, []).append(Modifier(rule, start, end, *scope))
        return [sorted(g, key=lambda m: m.start) for _, g in sorted(groups.items())]

    every = sorted((m for g in build() for m in g), key=lambda m: m.start)
    limit_scopes(every)
    grouped = build()
    for group in grouped:
        limit_scopes(group)
    assert [(m.scope_start, m.scope_end) for m in every] == [
        (m.scope_start, m.scope_end) for m in sorted((m for g in grouped for m in g), key=lambda m: m.start)]


def test_a_terminator_cuts_a_scope_it_contains(nlp) -> None:  # type: ignore[no-untyped-def]
    # medspaCy 1.3 never cut a max_scope-limited scope with a terminator whose scope held it
    # (its overlap test is asymmetric): the fever was negated across the semicolon
    doc = nlp("Ten hours after the start of the infusion she developed a temperature of 39.6 °C; "
              "cultures were negative.")
    fevers = [s for s in doc.spans["miner"] if s.label_ == "FEVER"]
    assert fevers and not any(s._.is_negated for s in fevers)
    cultures = [s for s in doc.spans["miner"] if s.label_ == "INFECTION_WORKUP"]
    assert cultures and all(s._.is_negated for s in cultures)


@pytest.mark.parametrize(("text", "negated"), [
    ("a fever at 38.4 °C, without hypotension or desaturation: grade 1 CRS", {"fever": False, "CRS": False}),
    ("ROS negative for: fever, chills.", {"fever": True}),
    ("Denies: fever.", {"fever": True}),
])
def test_a_colon_ends_a_scope_unless_it_opens_the_modifiers_list(nlp, text: str,  # type: ignore[no-untyped-def]
                                                                 negated: dict[str, bool]) -> None:
    doc = nlp(text)
    found = {s.text: s._.is_negated for s in doc.spans["miner"] if s.label_ in ("FEVER", "CRS")}
    assert {k: found[k] for k in negated} == negated
