"""NLU evaluation for issue 6: held-out split per language, and `rasa test nlu` cross-validation.

Default mode: a stratified held-out split (20% of every language x intent, fixed seed) of
bot/data/nlu is written as Rasa YAML to a temp dir, an NLU-only model is trained with config.yml
and the held-out part is parsed through the whole pipeline (Agent). Per language it reports
intent accuracy, macro-F1, per-intent F1, entity F1 per type (exact value), the confidence of
right and wrong predictions and a FallbackClassifier threshold sweep; writes
bench/out/nlu_eval.md.

`--folds N`: `rasa test nlu --cross-validation --folds N` for each config (default
bench/configs/current.yml and word_only.yml); writes bench/out/nlu_cv.md.

Run from the repo root with the project env: `.venv/bin/python bench/nlu_eval.py [--folds 3]`.
Rasa runs in .venv-rasa (a subprocess, niced); this file is also its parse worker
(`--parse-worker`), so it must stay importable on Python 3.10 and import rasa only there.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.nlu_report import (  # noqa: E402
    held_out_report,
    intent_scores,
    pipeline_summary,
    print_key_figures,
)
from bench.nlu_split import NLU_DIR, SPLIT_SEED, load_nlu_blocks, write_split  # noqa: E402

RASA_BIN = ROOT / ".venv-rasa" / "bin" / "rasa"
RASA_PY = ROOT / ".venv-rasa" / "bin" / "python"
OUT_DIR = ROOT / "bench" / "out"
CV_CONFIGS = [
    ROOT / "bench" / "configs" / "current.yml",
    ROOT / "bench" / "configs" / "diet_only.yml",
    ROOT / "bench" / "configs" / "word_only.yml",
]
FALLBACK_INTENT = "nlu_fallback"


# --------------------------------------------------------------------------- rasa side


def parse_worker(model: str, test_path: str, out_path: str) -> None:
    """Runs in .venv-rasa: parse every held-out example, dump gold + prediction as JSON Lines."""
    import asyncio

    from rasa.core.agent import Agent
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(test_path)
    agent = Agent.load(model)

    async def run() -> None:
        messages = data.intent_examples
        with open(out_path, "w", encoding="utf-8") as out:
            for i, message in enumerate(messages, 1):
                text = message.get("text")
                result = await agent.parse_message(text)
                ranking = [
                    r for r in result.get("intent_ranking") or [] if r["name"] != FALLBACK_INTENT
                ]
                row = {
                    "text": text,
                    "language": ((message.get("metadata") or {}).get("intent") or {}).get(
                        "language"
                    ),
                    "intent": message.get("intent"),
                    "pipeline_intent": (result.get("intent") or {}).get("name"),
                    "predicted": ranking[0]["name"] if ranking else None,
                    "confidence": ranking[0]["confidence"] if ranking else 0.0,
                    "second": ranking[1]["confidence"] if len(ranking) > 1 else 0.0,
                    "ranking": {r["name"]: r["confidence"] for r in ranking},
                    "gold_entities": [
                        [e["entity"], str(e.get("value"))] for e in message.get("entities") or []
                    ],
                    "entities": [
                        [e["entity"], str(e.get("value")), e.get("extractor")]
                        for e in result.get("entities") or []
                        if e["entity"] != "language"
                    ],
                }
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
                if i % 100 == 0 or i == len(messages):
                    print(f"  parsed {i}/{len(messages)}", flush=True)

    asyncio.run(run())


def _rasa_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _run(cmd: list[str], log: Path | None = None) -> None:
    """Run a command niced from the repo root; output to the terminal or to `log`."""
    cmd = ["nice", "-n", "10"] + cmd
    print("$ " + " ".join(cmd), flush=True)
    if log is None:
        subprocess.run(cmd, cwd=ROOT, env=_rasa_env(), check=True)
        return
    with open(log, "w", encoding="utf-8") as fh:
        subprocess.run(
            cmd, cwd=ROOT, env=_rasa_env(), check=True, stdout=fh, stderr=subprocess.STDOUT
        )


def run_held_out(config: Path, seed: int, keep: bool) -> None:
    work = Path(tempfile.mkdtemp(prefix="helios_nlu_eval_"))
    try:
        print(f"[1/4] split (seed {seed}) -> {work}", flush=True)
        train_dir, test_dir, n_train, n_test = write_split(work, seed)
        print(f"      {n_train} train / {n_test} held-out examples", flush=True)
        print(f"[2/4] training NLU with {config.relative_to(ROOT)} (takes minutes)", flush=True)
        started = time.monotonic()
        _run(
            [
                str(RASA_BIN),
                "train",
                "nlu",
                "--config",
                str(config),
                "--nlu",
                str(train_dir),
                "--out",
                str(work / "models"),
                "--fixed-model-name",
                "nlu-eval",
            ]
        )
        train_s = time.monotonic() - started
        print(f"      trained in {train_s / 60:.1f} min", flush=True)
        print("[3/4] parsing the held-out examples", flush=True)
        preds = work / "predictions.jsonl"
        _run(
            [
                str(RASA_PY),
                str(Path(__file__).resolve()),
                "--parse-worker",
                str(work / "models" / "nlu-eval.tar.gz"),
                str(test_dir / "nlu.yml"),
                str(preds),
            ]
        )
        meta = {"train": n_train, "test": n_test, "train_s": train_s}
        meta["pipeline"] = pipeline_summary(config)
        meta["run_at"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        (work / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        print("[4/4] report", flush=True)
        write_held_out_report(preds, config)

    finally:
        if keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def write_held_out_report(predictions: Path, config: Path) -> None:
    """Render bench/out/nlu_eval.md from a run's predictions.jsonl (and meta.json beside it)."""
    rows = [json.loads(line) for line in predictions.read_text(encoding="utf-8").splitlines()]
    meta_path = predictions.parent / "meta.json"
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    report = held_out_report(rows, config, meta)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "nlu_eval.md").write_text(report, encoding="utf-8")
    print_key_figures(report)
    print(f"wrote {(OUT_DIR / 'nlu_eval.md').relative_to(ROOT)}")


# --------------------------------------------------------------------------- cross-validation


_ANNOTATION = re.compile(r"\[([^\]]+)\]\([^)]+\)")
_LOG_TIME = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) ", re.MULTILINE)
_CV_LINE = re.compile(r"test (Accuracy|F1-score|Precision): ([\d.]+) \(([\d.]+)\)")


def cv_summary(out: Path, log: Path, nlu_dir: Path = NLU_DIR) -> dict[str, Any]:
    """Figures of one `rasa test nlu --cross-validation` run from its reports and log."""
    intent = json.loads((out / "intent_report.json").read_text())
    summary: dict[str, Any] = {
        "accuracy": intent.get("accuracy"),
        "macro_f1": intent["macro avg"]["f1-score"],
        "weighted_f1": intent["weighted avg"]["f1-score"],
        "per_intent": {
            k: v["f1-score"] for k, v in intent.items() if isinstance(v, dict) and "avg" not in k
        },
        "entities": {},
        "folds": {},
    }
    for report in sorted(out.glob("*_report.json")):
        name = report.stem[: -len("_report")]
        if name in ("intent", "LanguageDetector", "response_selection"):
            continue
        data = json.loads(report.read_text())
        summary["entities"][name] = {
            k: v["f1-score"]
            for k, v in data.items()
            if isinstance(v, dict) and k not in ("no_entity",)
        }
    # rasa logs intent results first, then one block per entity extractor: keep the intent block
    text = log.read_text(errors="replace") if log.exists() else ""
    for kind, mean, std in _CV_LINE.findall(text.split("Entity evaluation results")[0]):
        summary["folds"][kind] = (float(mean), float(std))
    summary["per_language"] = cv_per_language(
        out / "intent_errors.json", nlu_dir, int(intent["macro avg"]["support"])
    )
    stamps = _LOG_TIME.findall(text)
    if len(stamps) > 1:  # from Rasa's first to its last log line (imports not counted)
        first, last = (datetime.strptime(t, "%Y-%m-%d %H:%M:%S") for t in (stamps[0], stamps[-1]))
        summary["minutes"] = (last - first).total_seconds() / 60
    return summary


def cv_per_language(errors_path: Path, nlu_dir: Path, n_tested: int) -> dict[str, dict[str, Any]]:
    """Per-language intent scores of a CV run: every example was tested once, so the data plus
    intent_errors.json (text, gold, prediction) give every prediction."""
    if not errors_path.exists():
        return {}
    wrong = {
        (e["text"], e["intent"]): e["intent_prediction"]["name"]
        for e in json.loads(errors_path.read_text(encoding="utf-8"))
    }
    blocks = load_nlu_blocks(
        sorted(p for p in nlu_dir.glob("**/*.yml") if "intent:" in p.read_text(encoding="utf-8"))
    )
    if sum(len(b["examples"]) for b in blocks) != n_tested:
        print(f"      {nlu_dir} is not the data that was tested: no per-language figures")
        return {}
    rows: dict[str, list[dict[str, Any]]] = {}
    for block in blocks:
        for example in block["examples"]:
            plain = _ANNOTATION.sub(r"\1", example)
            predicted = wrong.get((plain, block["intent"]), block["intent"])
            rows.setdefault(block["language"], []).append(
                {"intent": block["intent"], "predicted": predicted}
            )
    return {lang: intent_scores(rs) for lang, rs in sorted(rows.items())}


def cv_report(results: dict[str, dict[str, Any]], folds: int, minutes: dict[str, float]) -> str:
    names = list(results)
    md = [
        "# NLU cross-validation",
        "",
        f"`bench/nlu_eval.py --folds {folds}`: "
        f"`rasa test nlu --cross-validation --folds {folds}` on "
        "bot/data/nlu (all five languages together) for each config in bench/configs/. Rasa draws "
        "the stratified folds without a seed, so each config saw different folds. Figures are over "
        "all test folds' predictions pooled; \"fold mean (std)\" comes from Rasa's log. Run on "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "",
        "| config | intent accuracy | intent macro-F1 | weighted F1 fold mean (std) "
        "| accuracy fold mean (std) | wall time |",
        "|---|---|---|---|---|---|",
    ]
    for name in names:
        r = results[name]
        f1 = r["folds"].get("F1-score")
        acc = r["folds"].get("Accuracy")
        md.append(
            f"| {name} | {r['accuracy']:.3f} | {r['macro_f1']:.3f} | "
            f"{f'{f1[0]:.3f} ({f1[1]:.3f})' if f1 else '-'} | "
            f"{f'{acc[0]:.3f} ({acc[1]:.3f})' if acc else '-'} | "
            f"{minutes.get(name, r.get('minutes', 0)):.0f} min |"
        )
    langs = sorted({lang for r in results.values() for lang in r.get("per_language", {})})
    if langs:
        md += [
            "",
            "## Per language (predictions rebuilt from intent_errors.json)",
            "",
            "| language | " + " | ".join(f"{n} accuracy | {n} macro-F1" for n in names) + " |",
            "|---" * (2 * len(names) + 1) + "|",
        ]
        for lang in langs:
            cells = []
            for n in names:
                sc = results[n].get("per_language", {}).get(lang)
                cells += [f"{sc['accuracy']:.3f}", f"{sc['macro_f1']:.3f}"] if sc else ["-", "-"]
            md.append(f"| {lang} | " + " | ".join(cells) + " |")
    intents = sorted({i for r in results.values() for i in r["per_intent"]})
    md += [
        "",
        "## Intent F1",
        "",
        "| intent | " + " | ".join(names) + " |",
        "|---" * (len(names) + 1) + "|",
    ]
    for intent in intents:
        md.append(
            f"| {intent} | "
            + " | ".join(f"{results[n]['per_intent'].get(intent, float('nan')):.3f}" for n in names)
            + " |"
        )
    md += ["", "## Entity F1 (Rasa's token-level entity evaluation, per extractor)", ""]
    rows = sorted({(x, e) for r in results.values() for x, es in r["entities"].items() for e in es})
    md += ["| extractor | entity | " + " | ".join(names) + " |", "|---" * (len(names) + 2) + "|"]
    for x, e in rows:
        md.append(
            f"| {x} | {e} | "
            + " | ".join(
                f"{results[n]['entities'].get(x, {}).get(e, float('nan')):.3f}" for n in names
            )
            + " |"
        )
    return "\n".join(md) + "\n"


def run_cv(
    configs: Sequence[Path], folds: int, cv_dir: Path, reuse: bool, nlu_dir: Path = NLU_DIR
) -> None:
    results: dict[str, dict[str, Any]] = {}
    minutes: dict[str, float] = {}
    for i, config in enumerate(configs, 1):
        name = config.stem
        out, log = cv_dir / name, cv_dir / f"{name}.log"
        if reuse and (out / "intent_report.json").exists():
            print(f"[{i}/{len(configs)}] {name}: reusing {out}", flush=True)
        else:
            print(
                f"[{i}/{len(configs)}] {name}: {folds}-fold cross-validation (log: {log})",
                flush=True,
            )
            shutil.rmtree(out, ignore_errors=True)
            started = time.monotonic()
            _run(
                [
                    str(RASA_BIN),
                    "test",
                    "nlu",
                    "--nlu",
                    str(nlu_dir),
                    "--config",
                    str(config),
                    "--cross-validation",
                    "--folds",
                    str(folds),
                    "--out",
                    str(out),
                    "--no-plot",
                ],
                log,
            )
            minutes[name] = (time.monotonic() - started) / 60
        results[name] = cv_summary(out, log, nlu_dir)
        r = results[name]
        print(
            f"      {name}: intent accuracy {r['accuracy']:.3f}, macro-F1 {r['macro_f1']:.3f}",
            flush=True,
        )
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "nlu_cv.md").write_text(cv_report(results, folds, minutes), encoding="utf-8")
    print(f"wrote {(OUT_DIR / 'nlu_cv.md').relative_to(ROOT)}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "config.yml")
    parser.add_argument("--seed", type=int, default=SPLIT_SEED)
    parser.add_argument(
        "--keep", action="store_true", help="keep the temp dir (split, model, predictions)"
    )
    parser.add_argument(
        "--predictions", type=Path, help="re-render the report from a kept run's predictions.jsonl"
    )
    parser.add_argument("--folds", type=int, help="cross-validation instead of the held-out split")
    parser.add_argument("--nlu", type=Path, default=NLU_DIR, help="NLU data dir for --folds")
    parser.add_argument("--configs", type=Path, nargs="+", default=CV_CONFIGS)
    parser.add_argument(
        "--cv-dir", type=Path, default=Path(tempfile.gettempdir()) / "helios_nlu_cv"
    )
    parser.add_argument("--reuse", action="store_true", help="reuse finished CV runs in --cv-dir")
    parser.add_argument(
        "--parse-worker",
        nargs=3,
        metavar=("MODEL", "TEST_YML", "OUT_JSONL"),
        help=argparse.SUPPRESS,
    )
    args = parser.parse_args(argv)
    if args.parse_worker:
        parse_worker(*args.parse_worker)
    elif args.predictions:
        write_held_out_report(args.predictions.resolve(), args.config.resolve())
    elif args.folds:
        args.cv_dir.mkdir(parents=True, exist_ok=True)
        configs = [c.resolve() for c in args.configs]
        run_cv(configs, args.folds, args.cv_dir, args.reuse, args.nlu.resolve())
    else:
        run_held_out(args.config.resolve(), args.seed, args.keep)


if __name__ == "__main__":
    main(sys.argv[1:])
