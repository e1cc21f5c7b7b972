"""Units of readings: parse, convert to an observation's unit, check the physical range.

A reading without a unit is in the observation's own unit. Temperatures are absolute (°C, °F,
K) except for observations in K, which the knowledge uses for temperature *differences*
(superheat, approach): those accept K and °F-differences (the scale factor only).
"""

from __future__ import annotations

from dataclasses import dataclass

# unit symbol -> (dimension, factor, offset) to the dimension's base unit: base = x*factor+offset
_UNITS: dict[str, tuple[str, float, float]] = {
    "°C": ("temperature", 1.0, 0.0),
    "°F": ("temperature", 5.0 / 9.0, -32.0 * 5.0 / 9.0),
    "bar": ("pressure", 1.0, 0.0),
    "mbar": ("pressure", 0.001, 0.0),
    "psi": ("pressure", 0.0689476, 0.0),
    "kPa": ("pressure", 0.01, 0.0),
    "MPa": ("pressure", 10.0, 0.0),
    "Pa": ("pressure", 0.00001, 0.0),
    "m³/h": ("flow", 1.0, 0.0),
    "m³/min": ("flow", 60.0, 0.0),
    "l/min": ("flow", 0.06, 0.0),
    "l/s": ("flow", 3.6, 0.0),
    "A": ("current", 1.0, 0.0),
    "mA": ("current", 0.001, 0.0),
    "kA": ("current", 1000.0, 0.0),
    "V": ("voltage", 1.0, 0.0),
    "kV": ("voltage", 1000.0, 0.0),
    "%": ("ratio", 1.0, 0.0),
    "h": ("time", 1.0, 0.0),
    "min": ("time", 1.0 / 60.0, 0.0),
    "K": ("temperature_difference", 1.0, 0.0),
    "Δ°F": ("temperature_difference", 5.0 / 9.0, 0.0),
    "mm/s": ("velocity", 1.0, 0.0),
    "in/s": ("velocity", 25.4, 0.0),
    "Hz": ("frequency", 1.0, 0.0),
    "MΩ": ("resistance", 1.0, 0.0),
    "kΩ": ("resistance", 0.001, 0.0),
}

_ALIASES = {
    "c": "°C", "degc": "°C", "celsius": "°C", "ºc": "°C", "°c": "°C",
    "f": "°F", "degf": "°F", "fahrenheit": "°F", "ºf": "°F", "°f": "°F",
    "barg": "bar", "bar(g)": "bar", "psig": "psi", "kpa": "kPa", "mpa": "MPa", "pa": "Pa",
    "m3/h": "m³/h", "m^3/h": "m³/h", "cbm/h": "m³/h", "m3/min": "m³/min", "m^3/min": "m³/min",
    "l/min": "l/min", "lpm": "l/min", "l/s": "l/s", "a": "A", "amp": "A", "amps": "A",
    "ma": "mA", "ka": "kA", "v": "V", "volt": "V", "volts": "V", "kv": "kV", "percent": "%",
    "hours": "h", "hrs": "h", "hr": "h", "k": "K", "kelvin": "K", "mm/s": "mm/s",
    "hz": "Hz", "mohm": "MΩ", "mω": "MΩ", "kohm": "kΩ", "kω": "kΩ", "deltaf": "Δ°F",
    "min": "min", "mbar": "mbar", "in/s": "in/s",
}

# Physical plausibility per dimension, in the base unit; readings outside are refused.
_RANGES: dict[str, tuple[float, float]] = {
    "temperature": (-60.0, 300.0),
    "temperature_difference": (-60.0, 150.0),
    "pressure": (-1.0, 100.0),
    "flow": (0.0, 100000.0),
    "current": (0.0, 10000.0),
    "voltage": (0.0, 1000.0),
    "ratio": (0.0, 1000.0),
    "time": (0.0, 500000.0),
    "velocity": (0.0, 200.0),
    "frequency": (0.0, 400.0),
    "resistance": (0.0, 1.0e6),
}


class UnitError(ValueError):
    """A reading's unit is unknown or cannot be converted to the observation's unit."""


class RangeError(ValueError):
    """A reading outside its physical range."""


@dataclass(frozen=True)
class Reading:
    value: float
    unit: str | None  # the observation's unit


def canonical(unit: str) -> str | None:
    """The canonical symbol of a unit as people type it, or None when unknown."""
    text = unit.strip()
    if text in _UNITS:
        return text
    key = text.lower().replace(" ", "")
    return _ALIASES.get(key) or next((u for u in _UNITS if u.lower() == key), None)


def normalise(value: float, unit: str | None, target: str | None) -> float:
    """`value` in `unit` expressed in `target` (the observation's unit), range-checked.

    Raises UnitError for an unknown or incompatible unit and RangeError outside the range."""
    target_c = canonical(target) if target else None
    if unit is None or unit.strip() == "" or (target and unit.strip() == target):
        result = float(value)
    else:
        source_c = canonical(unit)
        if source_c is None:
            raise UnitError(f"unknown unit {unit!r}")
        if target_c is None:
            raise UnitError(f"{unit!r} cannot be converted: the reading has no unit")
        if target_c == "K" and source_c in ("°F", "Δ°F"):
            source_c = "Δ°F"  # a temperature difference
        if target_c == "K" and source_c == "°C":
            source_c = "K"  # a difference of 1 °C is 1 K
        s_dim, s_factor, s_offset = _UNITS[source_c]
        t_dim, t_factor, t_offset = _UNITS[target_c]
        if s_dim != t_dim:
            raise UnitError(f"{unit!r} is not a unit of {t_dim.replace('_', ' ')} ({target})")
        base = float(value) * s_factor + s_offset
        result = (base - t_offset) / t_factor
    check_range(result, target_c)
    return result


def check_range(value: float, unit: str | None) -> None:
    if unit is None or unit not in _UNITS:
        return
    dim, factor, offset = _UNITS[unit]
    low, high = _RANGES[dim]
    base = value * factor + offset
    if not low <= base <= high:
        shown_low, shown_high = (low - offset) / factor, (high - offset) / factor
        raise RangeError(f"{value:g} {unit} is outside the physical range "
                         f"{shown_low:g}..{shown_high:g} {unit}", shown_low, shown_high)
