"""Gold mention validation and scoring, on hand-built gold and predictions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from miner.evaluate.mentions import (
    GoldDocument,
    GoldFormatError,
    GoldMention,
    PredictedMention,
    load_gold_mentions,
    read_mentions_csv,
    score_mentions,
    validate_gold_mentions,
    values_agree,
)

SHA = "0" * 64


def _gold(*mentions: GoldMention, scope: list[tuple[int, int]] | None = None) -> GoldDocument:
    return GoldDocument("doc", SHA, "test", "1.0", list(mentions), scope)


def _pred(label: str, start: int, end: int, value: dict[str, Any] | None = None,
          flags: frozenset[str] = frozenset(), norm: str | None = None) -> PredictedMention:
    return PredictedMention("doc", label, "x" * (end - start), start, end, norm, value, flags)


def test_strict_and_lenient_counts_by_hand() -> None:
    gold = _gold(
        GoldMention(0, 5, "FEVER", "fever"),
        GoldMention(10, 31, "TIMING", "x" * 21, value={"kind": "post_dose", "hours": [24, 48]}),
        GoldMention(40, 43, "CRS", "CRS"),
        GoldMention(50, 57, "GRADE", "grade 2", norm="2"),
    )
    predicted = [
        _pred("FEVER", 0, 5),                                   # exact
        _pred("TIMING", 10, 17, {"kind": "post_dose", "hours": [24.0, 48.0], "anchor": "each_dose"}),
        _pred("CRS", 60, 63),                                   # spurious
        _pred("GRADE", 50, 57, norm="2"),                       # exact
        _pred("GRADE", 50, 57, norm="2"),                       # duplicate counts once
        _pred("FEVER", 3, 9),                                   # overlaps the used gold: spurious
    ]
    score = score_mentions(gold, predicted)
    # strict: FEVER tp1 fp1 fn0; TIMING tp0 fp1 fn1; CRS tp0 fp1 fn1; GRADE tp1 fp0 fn0
    assert (score.strict["FEVER"].tp, score.strict["FEVER"].fp, score.strict["FEVER"].fn) == (1, 1, 0)
    assert (score.strict["TIMING"].tp, score.strict["TIMING"].fp, score.strict["TIMING"].fn) == (0, 1, 1)
    total = score.total()
    assert (total.tp, total.fp, total.fn) == (2, 3, 2)
    assert total.precision == pytest.approx(2 / 5)
    assert total.recall == pytest.approx(2 / 4)
    assert total.f1 == pytest.approx(2 * 0.4 * 0.5 / 0.9)
    # lenient: the TIMING overlap now matches; the second FEVER still has no free gold
    lenient = score.total(lenient=True)
    assert (lenient.tp, lenient.fp, lenient.fn) == (3, 2, 1)
    assert lenient.f1 == pytest.approx(2 * 0.6 * 0.75 / 1.35)
    assert score.timing_accuracy == (1, 1)
    assert score.norms["GRADE"] == (1, 1)
    kinds = sorted(e["kind"] for e in score.errors)
    assert kinds == ["boundary", "missed", "spurious", "spurious"]


def test_lenient_matching_is_one_to_one_and_prefers_exact_spans() -> None:
    gold = _gold(GoldMention(0, 10, "TIMING", "x" * 10, value={"kind": "interval"}),
                 GoldMention(12, 20, "TIMING", "x" * 8, value={"kind": "interval"}))
    predicted = [_pred("TIMING", 0, 20), _pred("TIMING", 12, 20)]
    score = score_mentions(gold, predicted)
    lenient = score.lenient["TIMING"]
    assert (lenient.tp, lenient.fp, lenient.fn) == (2, 0, 0)
    assert score.strict["TIMING"].tp == 1


def test_timing_value_must_agree_on_every_gold_key() -> None:
    gold = {"kind": "post_dose", "hours": [24, 48]}
    assert values_agree(gold, {"kind": "post_dose", "hours": [24.0000001, 48.0], "cycle": 3})
    assert not values_agree(gold, {"kind": "post_dose", "hours": [24.0, 36.0]})
    assert not values_agree(gold, {"kind": "elapsed", "hours": [24.0, 48.0]})
    assert not values_agree(gold, None)
    assert values_agree({"kind": "cycle_day", "cycle": 4, "day": 1}, {"kind": "cycle_day", "cycle": 4,
                                                                      "day": 1, "hours": None})
    assert values_agree({"temp_c": 38.6}, {"temp_c": 38.6, "scale": "F"})


def test_assertion_accuracy_uses_flag_precedence_and_skips_timing() -> None:
    gold = _gold(GoldMention(0, 5, "FEVER", "fever", "negated"),
                 GoldMention(10, 13, "CRS", "CRS", "family"),
                 GoldMention(20, 24, "TIMING", "C4D1", value={"kind": "cycle_day"}))
    predicted = [_pred("FEVER", 0, 5, flags=frozenset({"negated"})),
                 _pred("CRS", 10, 13, flags=frozenset({"negated", "family"})),
                 _pred("TIMING", 20, 24, {"kind": "cycle_day"}, flags=frozenset({"negated"}))]
    score = score_mentions(gold, predicted)
    assert score.assertion == (2, 2)
    assert score.assertion_confusion == {"negated": {"negated": 1}, "family": {"family": 1}}


def test_scope_leaves_out_predictions_outside_it() -> None:
    gold = _gold(GoldMention(100, 103, "CRS", "CRS"), scope=[(90, 200)])
    score = score_mentions(gold, [_pred("CRS", 100, 103), _pred("CRS", 10, 13), _pred("CRS", 195, 205)])
    assert (score.strict["CRS"].tp, score.strict["CRS"].fp) == (1, 0)


def _file(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"doc_id": "d", "text_sha256": SHA, "annotator": "a", "guidelines_version": "1.0",
                            "mentions": [{"start": 0, "end": 5, "label": "FEVER", "text": "fever",
                                          "assertion": "present"}]}
    data.update(overrides)
    return data


@pytest.mark.parametrize(("mention", "problem"), [
    ({"start": 0, "end": 5, "label": "SYMPTOM", "text": "fever"}, "unknown label"),
    ({"start": 5, "end": 0, "label": "FEVER", "text": "fever"}, "start < end"),
    ({"start": 0, "end": 5, "label": "FEVER", "text": "feve"}, "'text'"),
    ({"start": 0, "end": 5, "label": "FEVER", "text": "fever", "assertion": "absent"}, "assertion"),
    ({"start": 0, "end": 4, "label": "TIMING", "text": "C4D1", "value": {"kind": "soon"}}, "kind"),
    ({"start": 0, "end": 4, "label": "TIMING", "text": "C4D1", "value": {"kind": "post_dose", "hours": [48, 24]}},
     "hours"),
    ({"start": 0, "end": 4, "label": "TIMING", "text": "C4D1", "value": {"kind": "cycle_day", "week": 2}},
     "week"),
    ({"start": 0, "end": 5, "label": "FEVER", "text": "fever", "colour": "red"}, "colour"),
])
def test_validation_names_the_file_and_mention_index(mention: dict[str, Any], problem: str) -> None:
    data = _file()
    data["mentions"].append(mention)
    with pytest.raises(GoldFormatError) as err:
        validate_gold_mentions(data, "x.mentions.json")
    assert str(err.value).startswith("x.mentions.json: mention 1:")
    assert problem in str(err.value)


def test_validation_of_the_file_level_keys(tmp_path: Path) -> None:
    with pytest.raises(GoldFormatError, match="text_sha256"):
        validate_gold_mentions(_file(text_sha256="abc"), "f")
    with pytest.raises(GoldFormatError, match="outside the file's 'scope'"):
        validate_gold_mentions(_file(scope=[[10, 20]]), "f")
    path = tmp_path / "broken.mentions.json"
    path.write_text('{"doc_id": "d",\n "mentions": [', encoding="utf-8")
    with pytest.raises(GoldFormatError, match="broken.mentions.json: line 2"):
        load_gold_mentions(path)
    path.write_text(json.dumps(_file()), encoding="utf-8")
    assert load_gold_mentions(path).mentions[0].label == "FEVER"


def test_read_mentions_csv(tmp_path: Path) -> None:
    path = tmp_path / "mentions.csv"
    path.write_text(
        "doc_id,patient_id,label,text,start,end,page,norm,value,is_negated,is_hypothetical,is_historical,"
        "is_family,is_uncertain,is_misspelled,rule_id\n"
        'd,,TIMING,C4D1,3,7,1,cycle_day,"{""kind"": ""cycle_day"", ""cycle"": 4}",false,false,false,false,'
        "false,false,timing.cycle_day\n"
        "d,,FEVER,afebrile,9,17,1,fever,,true,false,false,false,false,false,fever.afebrile\n",
        encoding="utf-8")
    (timing, fever) = read_mentions_csv(path)["d"]
    assert timing.value == {"kind": "cycle_day", "cycle": 4} and timing.assertion == "present"
    assert fever.assertion == "negated" and fever.value is None
