"""The confidence scheme: a naive-Bayes posterior over the family's faults plus "other".

Each observation is a question with a few outcome *cells* (see `rules.knowledge`). For every
fault the evidence list defines P(cell | fault):

* the cells where the fault's condition holds share p_w of the mass, the other cells 1 - p_w,
  with p_w = 0.9 (strong), 0.75 (moderate), 0.6 (weak); within each side mass follows the
  background;
* an observation the fault says nothing about follows the *background*: the cells least
  remarkable to the family's evidence are the normal state (relative weight 1.0); a cell that
  satisfies some fault's strong condition otherwise has 0.08, a moderate one 0.3; normalised.
  Abnormal findings are rare unless a fault explains them.
* the error-code observation: a fault puts 0.6 on its codes (either side of the
  cross-reference), 0.3 on "none" and 0.1 on the other codes.

A pseudo-hypothesis "other" (a fault not in the knowledge) follows the background everywhere.
Priors are uniform, "other" has the prior of one fault, faults suggested by the free-text
symptom get x3. The posterior over faults + other, given every answered observation (answers
assumed independent given the fault; "don't know" contributes nothing) is the *confidence* in
[0, 1] of each fault. A diagnosis concludes when the best fault passes the threshold; when
"other" is more probable than every fault, no candidate fits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.knowledge.model import Evidence, Family, Observation

WEIGHT_P = {"strong": 0.9, "moderate": 0.75, "weak": 0.6}
BACKGROUND = {"strong": 0.08, "moderate": 0.3}
HINT_FACTOR = 3.0
OTHER = "__other__"


@dataclass
class ObservationModel:
    cells: list[str]
    likelihood: np.ndarray  # (faults + 1, cells); last row is "other"
    relevant: np.ndarray  # (faults,) bool: the fault has evidence on this observation


class FamilyModel:
    """Likelihood tables of one family, built once from its knowledge."""

    def __init__(self, family: Family) -> None:
        self.family = family
        self.fault_ids = list(family.faults)
        self.index = {fid: i for i, fid in enumerate(self.fault_ids)}
        self.observations: dict[str, ObservationModel] = {}
        self._evidence: dict[str, list[tuple[int, list[Evidence]]]] = {}
        for i, fid in enumerate(self.fault_ids):
            by_obs: dict[str, list[Evidence]] = {}
            for ev in family.faults[fid].evidence:
                by_obs.setdefault(ev.condition.observation, []).append(ev)
            for oid, evidence in by_obs.items():
                self._evidence.setdefault(oid, []).append((i, evidence))
        for obs in family.observations.values():
            if obs.id == family.error_code_observation:
                self.observations[obs.id] = self._error_code_model(obs)
            else:
                self.observations[obs.id] = self._evidence_model(obs)

    def _background(self, obs: Observation) -> np.ndarray:
        level = np.zeros(len(obs.cells), dtype=int)  # 2: strong evidence of a fault, 1: moderate
        for _i, evidence in self._evidence.get(obs.id, []):
            for ev in evidence:
                rank = {"strong": 2, "moderate": 1}.get(ev.weight, 0)
                for k, cell in enumerate(obs.cells):
                    if rank and ev.condition.holds(cell.value):
                        level[k] = max(level[k], rank)
        # The least remarkable cells are the normal state; the others are rarer.
        weights = np.where(level == level.min(), 1.0,
                           np.where(level == 2, BACKGROUND["strong"], BACKGROUND["moderate"]))
        return weights / weights.sum()

    def _evidence_model(self, obs: Observation) -> ObservationModel:
        background = self._background(obs)
        n, k = len(self.fault_ids), len(obs.cells)
        table = np.tile(background, (n + 1, 1))
        relevant = np.zeros(n, dtype=bool)
        for i, evidence in self._evidence.get(obs.id, []):
            holds = np.array([all(e.condition.holds(c.value) for e in evidence)
                              for c in obs.cells])
            if holds.all() or not holds.any():
                continue
            relevant[i] = True
            p = max(WEIGHT_P[e.weight] for e in evidence)
            inside, outside = background * holds, background * ~holds
            table[i] = p * inside / inside.sum() + (1 - p) * outside / outside.sum()
        assert table.shape == (n + 1, k)
        return ObservationModel([c.id for c in obs.cells], table, relevant)

    def _error_code_model(self, obs: Observation) -> ObservationModel:
        cells = [c.id for c in obs.cells]
        n = len(self.fault_ids)
        table = np.zeros((n + 1, len(cells)))
        none = np.array([c == "none" for c in cells])
        for i, fid in enumerate(self.fault_ids + [OTHER]):
            codes = self.family.codes_of(fid) if fid != OTHER else set()
            mine = np.array([c in codes for c in cells])
            rest = ~mine & ~none
            if mine.any():
                table[i] = 0.6 * mine / mine.sum() + 0.3 * none / max(none.sum(), 1)
                table[i] += 0.1 * rest / max(rest.sum(), 1)
            else:
                share = 0.5 if fid == OTHER else 0.8
                table[i] = share * none / max(none.sum(), 1)
                table[i] += (1 - share) * rest / max(rest.sum(), 1)
            table[i] /= table[i].sum()
        relevant = np.array([bool(self.family.codes_of(f)) for f in self.fault_ids])
        return ObservationModel(cells, table, relevant)

    def prior(self, hinted: set[str]) -> np.ndarray:
        prior = np.ones(len(self.fault_ids) + 1)
        for fid in hinted:
            if fid in self.index:
                prior[self.index[fid]] *= HINT_FACTOR
        return prior / prior.sum()

    def posterior(self, cells: dict[str, str], hinted: set[str]) -> np.ndarray:
        """P(fault | answers) over the faults and "other" (last entry)."""
        log_post = np.log(self.prior(hinted))
        for oid, cell in cells.items():
            model = self.observations.get(oid)
            if model is None or cell not in model.cells:
                continue
            log_post += np.log(model.likelihood[:, model.cells.index(cell)])
        log_post -= log_post.max()
        post = np.exp(log_post)
        return post / post.sum()


def entropy(p: np.ndarray) -> float:
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum())


def expected_information_gain(model: ObservationModel, post: np.ndarray,
                              candidates: np.ndarray) -> float:
    """Expected reduction of the entropy over the candidates (indices into post) in bits."""
    weights = post[candidates]
    weights = weights / weights.sum()
    table = model.likelihood[candidates]
    joint = weights[:, None] * table
    outcome = joint.sum(axis=0)
    mask = outcome > 0
    conditional = joint[:, mask] / outcome[mask]
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.where(conditional > 0, np.log2(conditional), 0.0)
    after = float(-(outcome[mask] * (conditional * logs).sum(axis=0)).sum())
    return entropy(weights) - after
