"""What normal looks like for each reading a unit reports, from the knowledge pack.

A family's `telemetry_ranges` name the numeric observations its controllers report and their
normal range in operation. The expert system cuts every numeric observation into cells at the
thresholds its faults and critical conditions use (core.knowledge.model.build_cells); the cell
the normal range lies in is the reading's *normal cell*, and its edges are the limits that
matter: a reading beyond them is a *sign*, a value at which some fault's evidence holds (or a
critical condition's). A reading outside the normal range but still in the normal cell is
unusual and tells the rules nothing. The detector (monitoring/likely.py), the trends
(monitoring/trends.py) and the fleet simulator (monitoring/simulate.py) all read normal from
here, so there is one definition of it."""

from __future__ import annotations

import math
from dataclasses import dataclass

from core.knowledge.model import Family, Observation


@dataclass(frozen=True)
class Band:
    """One reading: its normal range, and the edges of its normal cell (either may be open)."""

    observation: str
    low: float  # the normal range
    high: float
    cell: str  # the normal cell's id
    floor: float  # its lower edge (-inf: none)
    ceiling: float  # its upper edge (inf: none)

    @property
    def center(self) -> float:
        return (self.low + self.high) / 2

    def limits(self) -> list[float]:
        """The finite edges of the normal cell: where a trend turns into a sign."""
        return [edge for edge in (self.floor, self.ceiling) if math.isfinite(edge)]


# Worked out once per family object; each entry keeps its family alive, so an id is never reused.
_BANDS: dict[int, tuple[Family, dict[str, Band]]] = {}


def bands(family: Family) -> dict[str, Band]:
    """The band of every reading the family's units report."""
    if id(family) not in _BANDS:
        _BANDS[id(family)] = (family, {
            oid: _band(family.observations[oid], low, high)
            for oid, (low, high) in family.telemetry.items()})
    return _BANDS[id(family)][1]


def _band(obs: Observation, low: float, high: float) -> Band:
    cell = obs.cell_of((low + high) / 2)
    index = next(i for i, c in enumerate(obs.cells) if c.id == cell)
    edges = [-math.inf] + [cut for cut, _ in obs.cuts] + [math.inf]
    return Band(obs.id, low, high, cell, edges[index], edges[index + 1])


def signs(family: Family, readings: dict[str, bool | float | str]) -> dict[str, float]:
    """The numeric readings outside their normal cell (where some fault's evidence holds)."""
    normal = bands(family)
    out = {}
    for name, value in readings.items():
        band = normal.get(name)
        if band is None or isinstance(value, bool) or not isinstance(value, float | int):
            continue
        if family.observations[name].cell_of(float(value)) != band.cell:
            out[name] = float(value)
    return out
