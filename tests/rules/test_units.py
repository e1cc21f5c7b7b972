from __future__ import annotations

import pytest

from rules.units import RangeError, UnitError, canonical, normalise


@pytest.mark.parametrize(("value", "unit", "target", "expected"), [
    (212, "°F", "°C", 100.0),
    (212, "F", "°C", 100.0),
    (50, "°C", "°C", 50.0),
    (50, None, "°C", 50.0),
    (145.0377, "psi", "bar", 10.0),
    (850, "kPa", "bar", 8.5),
    (600, "mbar", "bar", 0.6),
    (60, "l/min", "m³/h", 3.6),
    (1, "m3/h", "m³/h", 1.0),
    (9, "°F", "K", 5.0),  # a temperature difference
    (2500, "mA", "A", 2.5),
    (0.4, "kV", "V", 400.0),
])
def test_conversions(value, unit, target, expected):
    assert normalise(value, unit, target) == pytest.approx(expected, rel=1e-4)


def test_unknown_and_incompatible_units():
    with pytest.raises(UnitError, match="unknown unit"):
        normalise(5, "furlongs", "bar")
    with pytest.raises(UnitError, match="not a unit of pressure"):
        normalise(5, "°C", "bar")
    with pytest.raises(UnitError, match="not a unit of ratio"):
        normalise(40, "A", "%")  # current as a share of nameplate cannot come from amperes
    assert canonical("PSI") == "psi"
    assert canonical("nonsense") is None


def test_physical_range():
    with pytest.raises(RangeError):
        normalise(-300, "°C", "°C")
    with pytest.raises(RangeError):
        normalise(-2, None, "bar")  # below vacuum
    with pytest.raises(RangeError):
        normalise(-5, None, "%")
    assert normalise(-0.5, None, "bar") == -0.5


def test_unit_answers_through_the_diagnoser(diagnoser):
    state, _ = diagnoser.start(family="rotary_screw_compressor")
    diagnoser.answer(state, "discharge_temp_c", 230, "°F")
    assert state.answers["discharge_temp_c"] == pytest.approx(110.0)
    diagnoser.answer(state, "delivery_pressure_bar", "101,5", "psi")
    assert state.answers["delivery_pressure_bar"] == pytest.approx(7.0, rel=1e-3)


def test_a_reading_with_its_unit_in_the_text(diagnoser):
    state, _ = diagnoser.start(family="rotary_screw_compressor",
                               observations={"ambient_temp_c": "104 °F"})
    assert state.answers["ambient_temp_c"] == pytest.approx(40.0)
