"""Evaluation of the guided diagnosis with simulated operators, and its cost per step against the
size of the knowledge base.

1. Demo knowledge (the three families, 60 faults): operators answer from each fault's evidence
   (see rules/simulate.py) - truthful; with "don't know" answers (rate 0.25); with one wrong
   answer (at a random one of the first three questions). Each operator reports the fault's
   error code first when it has one, as the display shows it. Prints top-1 accuracy, questions
   asked (mean, max), escalation rate and per-step latency p50/p95.
2. Scale: synthetic families of 20, 500 and 2,000 faults generated at run time (written as a
   knowledge file and loaded through the loader), truthful operators on a sample of faults;
   per-step latency p50/p95, engine rules and accuracy.

Writes the tables to bench/out/diagnosis_eval.md.

    .venv/bin/python -m bench.diagnosis_eval [--repeats 3] [--sample 40]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bench.running import percentile
from core.knowledge.families import load_family
from core.knowledge.i18n import load_texts
from core.knowledge.loader import RULES_DATA, load_knowledge
from core.knowledge.model import KnowledgeBase
from core.settings import PROJECT_ROOT, Settings
from rules.diagnosis import Diagnoser
from rules.questioning import Policy
from rules.simulate import Operator, fault_error_code, reached

OUT = Path(__file__).resolve().parent / "out"
VARIANTS = {"truthful": (0.0, False), "dont_know": (0.25, False), "one_wrong": (0.0, True)}


@dataclass
class Tally:
    sessions: int = 0
    correct: int = 0
    escalated: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    questions: list[int] = field(default_factory=list)
    steps_ms: list[float] = field(default_factory=list)

    def row(self, name: str) -> str:
        return (f"| {name} | {self.sessions} | {self.correct / self.sessions:.3f} | "
                f"{statistics.mean(self.questions):.2f} | {max(self.questions)} | "
                f"{self.escalated / self.sessions:.3f} | "
                f"{', '.join(f'{k} {v}' for k, v in sorted(self.reasons.items()))} | "
                f"{percentile(self.steps_ms, 50):.2f} | {percentile(self.steps_ms, 95):.2f} |")


def play(diagnoser: Diagnoser, operator: Operator, tally: Tally) -> None:
    """One timed session; a step is the start or one answer (engine, score, next question)."""
    code = fault_error_code(operator.family, operator.fault_id)
    started = time.perf_counter()
    state, out = diagnoser.start(family=operator.family.id, error_code=code)
    tally.steps_ms.append((time.perf_counter() - started) * 1000)
    questions = 0
    while out["status"] == "question":
        oid = out["question"]["observation_id"]
        value = operator.answer(oid)
        questions += 1
        started = time.perf_counter()
        out = diagnoser.answer(state, oid, value)
        tally.steps_ms.append((time.perf_counter() - started) * 1000)
    tally.sessions += 1
    tally.questions.append(questions)
    tally.escalated += out["status"] == "escalated"
    if out["status"] == "escalated":
        tally.reasons[out["escalation"]["reason"]] += 1
    tally.correct += reached(operator.family, operator.fault_id, out)


def evaluate(diagnoser: Diagnoser, kb: KnowledgeBase, repeats: int,
             faults: list[tuple[str, str]] | None = None) -> dict[str, Tally]:
    tallies = {name: Tally() for name in VARIANTS}
    pairs = faults or [(fam.id, fid) for fam in kb.families.values() for fid in fam.faults]
    for name, (dont_know, wrong) in VARIANTS.items():
        for seed in range(1 if name == "truthful" else repeats):
            rng = random.Random(seed)
            for family_id, fault_id in pairs:
                family = kb.families[family_id]
                operator = Operator(family, diagnoser.models[family_id], fault_id,
                                    dont_know_rate=dont_know,
                                    wrong_at=rng.randrange(3) if wrong else None, rng=rng)
                play(diagnoser, operator, tallies[name])
    return tallies


def synthetic_family(n_faults: int, seed: int = 7) -> dict:
    """A family file with n faults over n/2 observations (booleans, choices, numbers)."""
    rng = random.Random(seed)
    n_obs = max(20, n_faults // 2)
    observations, kinds = [], {}
    for i in range(n_obs):
        oid = f"obs_{i}"
        roll = rng.random()
        if roll < 0.6:
            kinds[oid] = ("boolean", None)
            observations.append({"id": oid, "question": f"Is {oid} true?", "type": "boolean"})
        elif roll < 0.8:
            choices = [f"c{k}" for k in range(4)]
            kinds[oid] = ("choice", choices)
            observations.append({"id": oid, "question": f"Which {oid}?", "type": "choice",
                                 "choices": choices})
        else:
            kinds[oid] = ("number", None)
            observations.append({"id": oid, "question": f"What is {oid} (bar)?",
                                 "type": "number", "unit": "bar"})
    codes = [f"S{i:03d}" for i in range(max(5, n_faults // 10))]
    observations.append({"id": "active_code", "question": "Which code?", "type": "choice",
                         "choices": ["none", *codes]})
    faults = []
    for f in range(n_faults):
        evidence = []
        for oid in rng.sample(sorted(kinds), rng.randint(3, 5)):
            kind, choices = kinds[oid]
            # Like the real pack: abnormal findings are true, a non-first choice, a high reading.
            if kind == "boolean":
                condition = "== true" if rng.random() < 0.85 else "== false"
            elif kind == "choice":
                condition = f"== {rng.choice(choices[1:])}"
            else:
                condition = rng.choice(["> 8", "> 12", "< 1"])
            evidence.append({"observation": oid, "condition": condition,
                             "weight": rng.choice(["strong", "strong", "moderate", "weak"])})
        faults.append({"id": f"fault_{f}", "name": f"Fault {f}", "evidence": evidence,
                       "error_codes": rng.sample(codes, 1) if rng.random() < 0.5 else [],
                       "remedy_steps": ["Fix it."], "parts": []})
    # Hazards on observations of their own, as smoke or a burning smell in the real pack.
    observations += [{"id": f"hazard_{i}", "question": f"Hazard {i}?", "type": "boolean"}
                     for i in range(8)]
    critical = [{"id": f"cc_{i}", "trigger": f"hazard_{i} == true", "action": "Stop.",
                 "priority": "P1"} for i in range(8)]
    return {"family": {"id": f"synthetic_{n_faults}", "name": "Synthetic"}, "models": [],
            "error_codes": [{"code": c, "severity": "warning", "related_faults": []}
                            for c in codes],
            "observations": observations, "faults": faults, "critical_conditions": critical,
            "parts": []}


def scale_run(n_faults: int, sample: int, policy: Policy) -> tuple[str, Tally, float]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"synthetic_{n_faults}.yml"
        path.write_text(yaml.safe_dump(synthetic_family(n_faults)), encoding="utf-8")
        family = load_family(path, {"warning": "P3", "fault": "P2", "critical": "P1"})
    kb = KnowledgeBase(families={family.id: family}, symptoms=(), glossary={},
                       catalogues={}, texts=load_texts(RULES_DATA / "i18n"))
    started = time.perf_counter()
    diagnoser = Diagnoser(kb, policy)
    build_s = time.perf_counter() - started
    rng = random.Random(1)
    pairs = [(family.id, fid) for fid in rng.sample(sorted(family.faults),
                                                     min(sample, len(family.faults)))]
    tally = evaluate(diagnoser, kb, 1, pairs)["truthful"]
    rules = diagnoser.engines[family.id].rule_count
    row = (f"| {n_faults} | {len(family.observations)} | {rules} | {build_s:.1f} | "
           f"{tally.correct / tally.sessions:.3f} | {statistics.mean(tally.questions):.2f} | "
           f"{percentile(tally.steps_ms, 50):.2f} | {percentile(tally.steps_ms, 95):.2f} |")
    return row, tally, build_s


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.diagnosis_eval", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3, help="seeds per noisy variant")
    parser.add_argument("--sample", type=int, default=40, help="faults per synthetic size")
    parser.add_argument("--sizes", default="20,500,2000")
    args = parser.parse_args(argv)
    settings = Settings()
    policy = Policy(threshold=settings.diagnosis_threshold,
                    accept_floor=settings.diagnosis_accept_floor,
                    max_questions=settings.diagnosis_max_questions,
                    min_gain=settings.diagnosis_min_gain_bits)
    kb = load_knowledge(PROJECT_ROOT / "knowledge")
    diagnoser = Diagnoser(kb, policy)
    header = ("| operator | sessions | top-1 | questions mean | questions max | escalated | "
              "escalation reasons | step p50 ms | step p95 ms |\n"
              "|---|---|---|---|---|---|---|---|---|")
    tallies = evaluate(diagnoser, kb, args.repeats)
    demo = [header] + [t.row(name) for name, t in tallies.items()]
    print("\n".join(demo), flush=True)
    scale = ["| faults | observations | engine rules | build s | top-1 | questions mean | "
             "step p50 ms | step p95 ms |", "|---|---|---|---|---|---|---|---|"]
    for size in (int(s) for s in args.sizes.split(",")):
        row, _tally, _build = scale_run(size, args.sample, policy)
        scale.append(row)
        print(row, flush=True)
    OUT.mkdir(exist_ok=True)
    text = (f"# Diagnosis evaluation\n\nPolicy: threshold {policy.threshold}, accept floor "
            f"{policy.accept_floor}, at most {policy.max_questions} questions, min gain "
            f"{policy.min_gain} bit. Noisy variants: {args.repeats} seeds each.\n\n"
            "## Demo knowledge (60 faults, simulated operators)\n\n"
            "top-1: the session ends with the simulated fault (its conclusion, or the top "
            "candidate of an escalation), or with the P1 escalation that the fault's own "
            "evidence calls for (e.g. a blowing safety valve). A step is the start or one "
            "answer: engine run, scoring and choice of the next question.\n\n" +
            "\n".join(demo) +
            "\n\n## Per-step latency against knowledge-base size (one synthetic family, "
            f"truthful operators on {args.sample} faults)\n\n" + "\n".join(scale) + "\n")
    (OUT / "diagnosis_eval.md").write_text(text, encoding="utf-8")
    print(f"written to {(OUT / 'diagnosis_eval.md').relative_to(PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
