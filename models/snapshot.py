"""An index saved to disk once, loaded by every worker of the machine from memory-mapped files.

Building a :class:`MatchIndex` reads every passage vector and fits TF-IDF (tens of seconds at 100,000
organisations). A snapshot keeps the result in a folder, its big parts as files that every worker
maps, so that their pages are shared through the page cache and read only where a request reads:

- the passage vectors as float16 (``vectors.npy``, read-only; rows are cast to float32 when read,
  and an in-place edit appends float32 rows in memory), and the candidates' mean vectors;
- the passage texts and the organisations' shown fields as UTF-8 buffers with offsets;
- the TF-IDF matrix as its three CSR arrays;

and the rest (small arrays, the vocabulary, the fitted vectorizer) in one pickle. Snapshots are
written by this code into the instance folder and read only from there, so the pickle is trusted.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import pickle
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from models.candidates import Candidates
from models.matching.columns import VECTOR_DTYPE, EditableRows, FileRows, LexicalRows, OrgTable, TextColumn
from models.matching.index import MatchIndex
from models.matching.vectorstore import gc_paused
from models.matching.weights import WEIGHTS_PATH
from models.needs import KIND_SIGNALS_PATH, NEEDS_PATH, TRACK_SIGNALS_PATH

FORMAT = 3
_MAPPED = ("vectors", "texts", "orgs", "lexical")  # the big parts: memory-mapped rather than unpickled
_CSR_PARTS = ("data", "indices", "indptr")


@dataclass(frozen=True)
class Snapshot:
    """An index and its candidate stage, with the engine state they reflect."""

    version: int
    change: int
    index: MatchIndex
    candidates: Candidates


def save(folder: Path, snapshot: Snapshot) -> Path:
    """Write ``snapshot`` into a new subfolder of ``folder`` at once, remove older ones; return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / f"{_prefix(snapshot.index.model_id)}-{snapshot.change:012d}"
    if final.exists():
        return final
    work = Path(tempfile.mkdtemp(dir=folder, prefix=".writing-"))
    index = snapshot.index
    used, _ = index.used
    np.save(work / "vectors.npy", index.vectors[:used].astype(VECTOR_DTYPE))
    np.save(work / "centroids.npy", snapshot.candidates.centroids)
    TextColumn.of(index.texts[:used]).save(work, "texts")
    OrgTable.save(work, index.orgs)
    lexical = index.lexical.whole() if index.lexical is not None else None
    if lexical is not None:
        for part in _CSR_PARTS:
            np.save(work / f"lexical_{part}.npy", getattr(lexical, part))
    state = {f.name: getattr(index, f.name) for f in fields(index) if f.name not in _MAPPED}
    vectorizer = _resolved(state.pop("vectorizer"))
    if vectorizer is not None:  # apart: unpickling it imports scikit-learn
        with open(work / "vectorizer.pickle", "wb") as out:
            pickle.dump(vectorizer, out, protocol=pickle.HIGHEST_PROTOCOL)
    state["lexical_shape"] = None if lexical is None else lexical.shape
    state["needs_sought"], state["needs_provided"] = index.sought, index.provided
    state["needs_affinity"] = index.affinity
    _trim(index, state, used)
    with open(work / "index.pickle", "wb") as out:
        pickle.dump({"format": FORMAT, "version": snapshot.version, "change": snapshot.change,
                     "state": state}, out, protocol=pickle.HIGHEST_PROTOCOL)  # fmt: skip
    (work / "meta.json").write_text(
        json.dumps({"format": FORMAT, "version": snapshot.version, "change": snapshot.change})
    )
    os.replace(work, final)
    for old in folder.glob(f"{_safe(index.model_id)}-*"):
        if old != final:
            shutil.rmtree(old, ignore_errors=True)
    return final


def saved_version(folder: Path, model_id: str) -> int | None:
    """The engine version of the newest snapshot of ``model_id``, read without loading it (None: none)."""
    saved = saved_state(folder, model_id)
    return None if saved is None else saved[0]


def saved_state(folder: Path, model_id: str) -> tuple[int, int] | None:
    """(engine version, last change id) of the newest snapshot of ``model_id``, read without
    loading it; None when there is none."""
    found = sorted(folder.glob(f"{_prefix(model_id)}-*")) if folder.exists() else []
    try:
        meta = json.loads((found[-1] / "meta.json").read_text()) if found else None
        return None if meta is None else (int(meta["version"]), int(meta["change"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def load(folder: Path, model_id: str) -> Snapshot | None:
    """The newest snapshot of ``model_id`` in ``folder``, memory-mapped; None if there is none."""
    found = sorted(folder.glob(f"{_prefix(model_id)}-*")) if folder.exists() else []
    if not found:
        return None
    path = found[-1]
    try:
        with open(path / "index.pickle", "rb") as source, gc_paused():
            saved = pickle.load(source)  # 100,000 profile dicts: 2 s, against 15 s with the collector on
        if saved.get("format") != FORMAT:
            return None
        state = saved["state"]
        shape = state.pop("lexical_shape")
        lexical = None if shape is None else LexicalRows.load(path, shape)  # read with pread
        if "vectorizer" not in state:  # older snapshots kept it in the pickle
            found = (path / "vectorizer.pickle").exists()
            state["vectorizer"] = _Deferred(path / "vectorizer.pickle") if found else None
        index = MatchIndex(
            **state,
            vectors=FileRows(path / "vectors.npy"),  # read, never written: edits append in memory
            texts=TextColumn.load(path, "texts"),
            orgs=OrgTable.load(path),
            lexical=lexical,
        )
        candidates = Candidates(index, centroids=EditableRows(FileRows(path / "centroids.npy")))
    except (OSError, EOFError, pickle.UnpicklingError, KeyError, TypeError, ValueError):
        return None  # half-removed or from another version: build again
    return Snapshot(saved["version"], saved["change"], index, candidates)


class _Deferred:
    """A pickled object loaded on first use: the fitted TF-IDF vectorizer is needed only to patch an
    edited profile, and unpickling it imports scikit-learn (1.8 s of a 10k ``flask plan-trip``)."""

    def __init__(self, path: Path):
        self._path, self._object = path, None

    def loaded(self):
        """The object, unpickled now if it was not yet."""
        if self._object is None:
            with open(self._path, "rb") as source:
                self._object = pickle.load(source)
        return self._object

    def __getattr__(self, name: str):
        if name.startswith("_"):  # not found on the wrapper itself (copy, pickle): not the vectorizer's
            raise AttributeError(name)
        return getattr(self.loaded(), name)


def _resolved(value):
    return value.loaded() if isinstance(value, _Deferred) else value


@contextmanager
def building(folder: Path) -> Iterator[None]:
    """Hold the machine-wide build lock: one process builds, the others wait and then load its result."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def load_or_build(
    folder: Path, model_id: str, build: Callable[[], Snapshot], fresh: Callable[[Snapshot], bool]
):
    """A snapshot that ``fresh`` accepts: loaded from disk, else built (once per machine) and saved.

    The builder too returns the saved snapshot, mapped as every other process maps it: the index it
    built is dropped (0.8 GB less RSS for the life of the background worker at 100,000
    organisations, 2.1 -> 1.3 GB), and it serves the same float16 scores as the others.
    """
    snapshot = load(folder, model_id)
    if snapshot is not None and fresh(snapshot):
        return snapshot
    with building(folder):
        snapshot = load(folder, model_id)  # another process may have built it while we waited
        if snapshot is not None and fresh(snapshot):
            return snapshot
        built = build()
        save(folder, built)
        snapshot = load(folder, model_id)
        return snapshot if snapshot is not None and fresh(snapshot) else built


def _trim(index: MatchIndex, state: dict, used: int) -> None:
    """Drop the spare room of in-place edits from the saved arrays."""
    _, segments = index.used
    state["passage_row"] = index.passage_row[:used]
    state["passage_field"] = index.passage_field[:used]
    state["segment_start"] = index.segment_start[:segments]
    state["org_start"] = index.org_start


def _prefix(model_id: str) -> str:
    """A snapshot folder's name before its change number: the model, the format, and a digest of the
    data files the index is computed from beside the database (the weights, what organisations seek
    the track signals and the kind words), so that shipping new ones rebuilds the snapshot once."""
    digest = hashlib.sha256()
    for path in (WEIGHTS_PATH, NEEDS_PATH, TRACK_SIGNALS_PATH, KIND_SIGNALS_PATH):
        digest.update(path.read_bytes() if path.exists() else b"")
    return f"{_safe(model_id)}-f{FORMAT}-{digest.hexdigest()[:8]}"


def _safe(model_id: str) -> str:
    return "".join(char if char.isalnum() or char in "-_.@+" else "_" for char in model_id)
