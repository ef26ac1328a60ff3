"""The day/month order of a document (pure)."""

from __future__ import annotations

from miner.temporal.order import infer_day_first


def test_dates_that_read_one_way_decide() -> None:
    assert infer_day_first(["seen 10/26/2022, dosed 11/09/2022"], default=True) is False
    assert infer_day_first(["seen 27/2, fever 28/2"], default=False) is True


def test_a_stray_reading_does_not_outvote_many() -> None:
    text = ("Visit 07/17/2025. Doses 03/13/2025, 06/19/2025, 07/31/2025. Fever 101.3 °F. "
            "Call the 24/7 triage line.")
    assert infer_day_first([text], default=True) is False


def test_as_many_each_way_falls_back_to_the_temperature_unit_then_the_default() -> None:
    assert infer_day_first(["on 13/02 and 02/14, T 101.2 °F"], default=True) is False
    assert infer_day_first(["on 13/02 and 02/14, T 38.6 °C"], default=False) is True
    assert infer_day_first(["on 13/02 and 02/14"], default=True) is True
