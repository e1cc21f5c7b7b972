"""The Rasa model, trained only when its inputs change: it is named by their content hash."""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import subprocess
import sys
from pathlib import Path

from core.settings import PROJECT_ROOT

logger = logging.getLogger(__name__)

RASA_ENV = PROJECT_ROOT / ".venv-rasa"
RASA_BIN = RASA_ENV / "bin" / "rasa"

# Everything a trained model depends on: data, domain, pipeline, custom NLU components (and the
# parts of core they import: folding, the languages, language detection), and the exact Rasa
# environment.
MODEL_INPUTS = (
    "config.yml", "bot/domain.yml", "bot/data", "bot/nlu", "core/text.py",
    "core/languages.py", "core/language_detection.py", "bot/requirements-rasa.lock",
)
INPUT_SUFFIXES = {".yml", ".yaml", ".py", ".json", ".txt", ".md"}


class TrainingError(RuntimeError):
    """`rasa train` failed; the message carries the tail of its output."""


def _input_files(root: Path) -> list[Path]:
    files: list[Path] = []
    for entry in MODEL_INPUTS:
        path = root / entry
        if path.is_dir():
            files.extend(
                p for p in path.rglob("*")
                if p.is_file() and "__pycache__" not in p.parts and p.suffix in INPUT_SUFFIXES
            )
        elif path.is_file():
            files.append(path)
        else:
            raise FileNotFoundError(f"model input {entry} is missing")
    return sorted(files)


def content_hash(root: Path = PROJECT_ROOT) -> str:
    """Hash of the model inputs' paths and bytes; equal inputs give the same model name."""
    digest = hashlib.sha256()
    for file in _input_files(root):
        digest.update(file.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(file.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:20]


def rasa_env() -> dict[str, str]:
    """Environment for Rasa commands: the project importable, no telemetry (no internet here)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env.setdefault("PYTHONWARNINGS", "ignore::DeprecationWarning")
    env.setdefault("MPLCONFIGDIR", str(PROJECT_ROOT / ".cache" / "matplotlib"))
    return env


def model_path(models_dir: Path, root: Path = PROJECT_ROOT) -> Path:
    return models_dir / f"{content_hash(root)}.tar.gz"


def ensure_model(models_dir: Path, *, force: bool = False, quiet: bool = False) -> Path:
    """Return the trained model for the current inputs, training it first if it does not exist."""
    if not RASA_BIN.exists():
        raise TrainingError("the Rasa environment is missing: run `make setup` first")
    target = model_path(models_dir)
    if target.exists() and not force:
        logger.info("Rasa model up to date: %s", target.name)
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    # One trainer at a time per models folder (two clones may share it); the others wait and reuse.
    with open(models_dir / ".train.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if target.exists() and not force:
            return target
        return _train(models_dir, target, quiet=quiet)


def _train(models_dir: Path, target: Path, *, quiet: bool) -> Path:
    logger.info("training the Rasa model %s (inputs changed)", target.name)
    partial = f"partial-{os.getpid()}-{target.name.removesuffix('.tar.gz')}"
    command = [
        str(RASA_BIN), "train",
        "--config", "config.yml", "--domain", "bot/domain.yml", "--data", "bot/data",
        "--out", str(models_dir), "--fixed-model-name", partial,
        # Rasa's checks of the domain, rules and stories took 40 of a retrain's 115 s; the
        # tests run them (`rasa data validate --fail-on-warnings`, tests/bot/test_rasa_data.py)
        # and malformed data still fails the training.
        "--skip-validation",
    ]
    # Rasa prints its own progress (epochs per component); pass it through unless asked not to.
    output = subprocess.PIPE if quiet else None
    proc = subprocess.run(command, cwd=PROJECT_ROOT, env=rasa_env(), stdout=output,
                          stderr=subprocess.STDOUT if quiet else None, text=True, check=False)
    trained = models_dir / f"{partial}.tar.gz"
    if proc.returncode != 0 or not trained.exists():
        trained.unlink(missing_ok=True)
        tail = "\n".join((proc.stdout or "").splitlines()[-40:])
        raise TrainingError(f"rasa train failed (exit {proc.returncode})\n{tail}")
    # Renamed only when complete, so a crash mid-training never leaves a model under the hash.
    trained.replace(target)
    return target


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="[train] %(message)s", stream=sys.stderr)
    from core.settings import get_settings

    print(ensure_model(get_settings().models_dir, force="--force" in sys.argv))
