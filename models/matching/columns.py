"""Column stores for the index's per-passage and per-organisation data, mapped from a snapshot.

An index of 100,000 organisations held its passage texts and organisation records as Python
objects (about 600 MB per worker, unpickled by each) and its vectors as float32. Here:

- :class:`PassageVectors` keeps the snapshot's vectors as a read-only float16 map shared by every
  worker of the machine, and the rows an in-place edit appends in a small float32 tail; reading rows
  gives float32, so scores are computed in float32 on the rows read only;
- :class:`TextColumn` keeps strings as one UTF-8 buffer and their offsets (two ``.npy`` maps), decoded
  when read, with appended strings in a list;
- :class:`OrgTable` keeps the organisation fields a page shows as such columns, with the records an
  edit or an addition brings in a dict;
- :class:`EditableRows` (the mean vectors) and :class:`LexicalRows` (the TF-IDF matrix) read a few
  rows with ``pread`` and a whole side in place, and keep the rows an edit writes apart, so that no
  edit copies the matrix.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np
from scipy import sparse

VECTOR_DTYPE = np.float16  # the snapshot's vectors: half the memory, top-10 agreement in bench/bench_scale.py


class FileRows:
    """The rows of a 2-D ``.npy`` file read with ``pread``, not mapped: what ``np.load`` would give.

    The file's pages stay in the page cache, once for the whole machine; a worker holds only the rows
    a request reads. A map would count, in each worker's RSS, every page (or large folio) any request
    ever touched: at 100,000 organisations a few suggestions map the whole 244 MB.
    """

    def __init__(self, path: Path):
        shape, dtype, self._offset = _npy_layout(path)
        if len(shape) != 2:
            raise ValueError(f"{path}: a C-ordered 2-D array is needed")
        self.shape, self.dtype, self.ndim = shape, dtype, 2
        self.path = path
        self._row_bytes = shape[1] * dtype.itemsize
        self._fd = os.open(path, os.O_RDONLY)

    def __len__(self) -> int:
        return self.shape[0]

    def __del__(self) -> None:
        with contextlib.suppress(AttributeError, OSError):
            os.close(self._fd)

    def __getitem__(self, key) -> np.ndarray:
        if isinstance(key, slice):
            start, stop, step = key.indices(len(self))
            key = np.arange(start, stop, step)
        key = np.asarray(key, dtype=np.int64)
        out = np.empty((key.size, self.shape[1]), dtype=self.dtype)
        if key.size == 0:
            return out
        # One read per run of consecutive rows (an organisation's passages are one run).
        breaks = np.flatnonzero(np.diff(key) != 1) + 1
        starts, stops = np.r_[0, breaks], np.r_[breaks, key.size]
        view = memoryview(out).cast("B")
        for start, stop in zip(starts.tolist(), stops.tolist(), strict=True):
            at = self._offset + int(key[start]) * self._row_bytes
            os.preadv(self._fd, [view[start * self._row_bytes : stop * self._row_bytes]], at)
        return out

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        whole = self[:]
        return whole if dtype is None else whole.astype(dtype)

    def view(self, start: int, stop: int) -> np.ndarray:
        """Rows ``start:stop`` without a copy, from a map of their own (see :func:`_view`)."""
        return _view(self.path, start, stop)


def _view(path: Path, start: int, stop: int) -> np.ndarray:
    """``array[start:stop]`` of a ``.npy`` file as a read-only view of a map made for it.

    The map goes when the view does (at the end of the request that asked for it), and with it the
    pages it brought into the worker's RSS. A whole side's mean vectors (77 MB at 100,000
    organisations) or TF-IDF rows are read in place, where ``pread`` copied them (107 ms a
    suggestion under load, against 5 ms for a map); a map kept open would keep them in RSS.
    """
    return np.load(path, mmap_mode="r")[start:stop]


def _npy_layout(path: Path) -> tuple[tuple[int, ...], np.dtype, int]:
    """The shape, dtype and data offset of a C-ordered ``.npy`` file, read from its header."""
    with open(path, "rb") as source:
        version = np.lib.format.read_magic(source)
        header = np.lib.format.read_array_header_1_0 if version == (1, 0) else (
            np.lib.format.read_array_header_2_0
        )  # fmt: skip
        shape, fortran, dtype = header(source)
        offset = source.tell()
    if fortran:
        raise ValueError(f"{path}: a C-ordered array is needed")
    return shape, dtype, offset


def _row_keys(key, n: int) -> np.ndarray:
    """``key`` (an int, a slice or an int array of rows) as an int64 array of rows below ``n``."""
    if isinstance(key, slice):
        return np.arange(*key.indices(n), dtype=np.int64)
    keys = np.atleast_1d(np.asarray(key, dtype=np.int64))
    return np.where(keys < 0, keys + n, keys)


class EditableRows:
    """A read-only float32 matrix (an array or :class:`FileRows`) with rows overwritten or added.

    The organisations' mean vectors of a snapshot: an edit changes one row, so the rows it writes
    are kept apart (a few per edit) instead of copying the 150 MB matrix at 100,000 organisations.
    """

    def __init__(self, base):
        self.base = base
        self._n = len(base)
        self._rows = np.zeros(0, dtype=np.int64)  # ascending rows written since
        self._values = np.zeros((0, base.shape[1]), dtype=np.float32)

    @property
    def shape(self) -> tuple[int, int]:
        return (self._n, int(self.base.shape[1]))

    ndim = 2
    dtype = np.dtype(np.float32)

    def __len__(self) -> int:
        return self._n

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        whole = self[:]
        return whole if dtype is None else whole.astype(dtype)

    def __getitem__(self, key) -> np.ndarray:
        """float32 rows (a slice, an int array; an int gives one row)."""
        if isinstance(key, slice) and hasattr(self.base, "view"):
            start, stop, step = key.indices(self._n)
            untouched = not self._rows.size or not (
                np.searchsorted(self._rows, start) < np.searchsorted(self._rows, stop)
            )
            if step == 1 and stop <= len(self.base) and untouched and self.base.dtype == np.float32:
                return self.base.view(start, stop)  # a side's block, read in place
        rows = _row_keys(key, self._n)
        in_base = rows < len(self.base)
        if in_base.all():
            out = np.asarray(self.base[rows], dtype=np.float32)
        else:
            out = np.zeros((rows.size, self.shape[1]), dtype=np.float32)
            out[in_base] = self.base[rows[in_base]]
        if self._rows.size:
            at = np.searchsorted(self._rows, rows).clip(max=self._rows.size - 1)
            hit = self._rows[at] == rows
            out[hit] = self._values[at[hit]]
        return out[0] if np.isscalar(key) or isinstance(key, np.integer) else out

    def products(self, vectors: np.ndarray, start: int, stop: int) -> np.ndarray:
        """``self[start:stop] @ vectors.T`` without a copy of the rows, edited ones included.

        Parameters
        ----------
        vectors : ndarray of shape (n_vectors, dim)

        Returns
        -------
        products : ndarray of shape (stop - start, n_vectors), float32
        """
        vectors = np.asarray(vectors, dtype=np.float32)
        out = np.zeros((stop - start, len(vectors)), dtype=np.float32)
        in_base = min(stop, len(self.base))
        if in_base > start:
            base = self.base.view(start, in_base) if hasattr(self.base, "view") else self.base[start:in_base]
            out[: in_base - start] = base @ vectors.T
        first, last = np.searchsorted(self._rows, [start, stop])
        if last > first:
            out[self._rows[first:last] - start] = self._values[first:last] @ vectors.T
        return out

    def __setitem__(self, row: int, value: np.ndarray) -> None:
        """Write one row (the base is never written)."""
        row = int(row)
        if not 0 <= row < self._n:
            raise IndexError(f"row {row} is out of range for {self._n} rows")
        at = int(np.searchsorted(self._rows, row))
        if at < self._rows.size and self._rows[at] == row:
            self._values[at] = value
        else:
            self._rows = np.insert(self._rows, at, row)
            self._values = np.insert(self._values, at, np.asarray(value, np.float32), axis=0)

    def grow(self, rows: int) -> None:
        """Room for ``rows`` rows in all, the new ones zero until written."""
        self._n = max(self._n, rows)

    @property
    def flags(self):  # Candidates.update asks before writing: these rows are written apart
        return np.zeros(1).flags


class LexicalRows:
    """The TF-IDF matrix (CSR) of a snapshot read with ``pread``, with the rows edits replaced.

    Reading rows gives a ``scipy.sparse.csr_matrix`` of those rows, as slicing the matrix would.
    A map would bring the 44 MB at 100,000 organisations into each worker's RSS, and the first edit
    made a whole copy of it; here only the rows a request reads are read, and an edited or added
    organisation's row is kept apart.
    """

    def __init__(self, base: sparse.csr_matrix | dict):
        self._base = base
        if isinstance(base, dict):  # a snapshot's three files
            self._indptr = np.asarray(base["indptr"], dtype=np.int64)
            self._n_base, n_terms = len(self._indptr) - 1, int(base["n_terms"])
        else:
            self._n_base, n_terms = base.shape
        self.shape = (self._n_base, n_terms)
        self._replaced: dict[int, sparse.csr_matrix] = {}
        self._replaced_rows = np.zeros(0, dtype=np.int64)

    @classmethod
    def load(cls, folder: Path, shape: tuple[int, int]) -> LexicalRows:
        """The matrix saved as ``lexical_data.npy``, ``lexical_indices.npy``, ``lexical_indptr.npy``."""
        parts = {name: FileValues(folder / f"lexical_{name}.npy") for name in ("data", "indices")}
        indptr = np.load(folder / "lexical_indptr.npy")
        if len(indptr) != shape[0] + 1:
            raise ValueError(f"{folder}: the TF-IDF matrix has {len(indptr) - 1} rows, not {shape[0]}")
        return cls({**parts, "indptr": indptr, "n_terms": shape[1]})

    def whole(self) -> sparse.csr_matrix:
        """Every row, the replaced ones included, as one CSR matrix (to save a snapshot)."""
        return self[: self.shape[0]]

    def replace(self, rows: np.ndarray, fresh: sparse.csr_matrix) -> None:
        """Give ``rows`` (existing or added) the rows of ``fresh`` (one per row, in order)."""
        fresh = sparse.csr_matrix(fresh, dtype=np.float32)
        for i, row in enumerate(np.asarray(rows, dtype=np.int64).tolist()):
            self._replaced[row] = fresh[i]
        self._replaced_rows = np.array(sorted(self._replaced), dtype=np.int64)
        self.shape = (max(self.shape[0], int(max(rows, default=-1)) + 1), self.shape[1])

    def grow(self, rows: int) -> None:
        """Room for ``rows`` rows in all, empty until replaced."""
        self.shape = (max(self.shape[0], rows), self.shape[1])

    def __getitem__(self, key) -> sparse.csr_matrix:
        rows = _row_keys(key, self.shape[0])
        in_base = np.where(rows < self._n_base, rows, -1)
        picked = self._read(in_base)
        replaced = np.isin(rows, self._replaced_rows) if self._replaced else None
        if replaced is None or not replaced.any():
            return picked
        fresh = sparse.vstack([self._replaced[row] for row in rows[replaced].tolist()], format="csr")
        if rows.size > 1024:  # a side's block: its products are fixed up rather than the block copied
            return _PatchedBlock(picked, replaced, fresh)
        return _splice(picked, replaced, fresh)

    def _read(self, rows: np.ndarray) -> sparse.csr_matrix:
        """The base rows ``rows`` (-1: an empty row) as a CSR matrix."""
        shape = (rows.size, self.shape[1])
        if not isinstance(self._base, dict):
            if (rows >= 0).all():
                return self._base[rows] if rows.size != 1 else self._base[int(rows[0])]
            out = sparse.csr_matrix(shape, dtype=np.float32)
            if (rows >= 0).any():
                got = self._base[rows[rows >= 0]]
                place = sparse.csr_matrix(
                    (np.ones(got.shape[0], np.float32), (np.flatnonzero(rows >= 0), np.arange(got.shape[0]))),
                    shape=(rows.size, got.shape[0]),
                )
                out = (place @ got).tocsr()
            return out
        first, last = (int(rows[0]), int(rows[-1])) if rows.size else (0, -1)
        if rows.size > 1 and first >= 0 and last - first + 1 == rows.size and (np.diff(rows) == 1).all():
            a, b = int(self._indptr[first]), int(self._indptr[last + 1])  # a block: read in place
            indptr = self._indptr[first : last + 2] - a
            data, indices = self._base["data"].view(a, b), self._base["indices"].view(a, b)
            return sparse.csr_matrix((data, indices, indptr.astype(indices.dtype)), shape=shape, copy=False)
        begin = np.where(rows >= 0, self._indptr[rows.clip(0)], 0)
        end = np.where(rows >= 0, self._indptr[rows.clip(0) + 1], 0)
        indices = self._base["indices"].spans(begin, end)
        indptr = np.zeros(rows.size + 1, dtype=_index_dtype(indices))  # as the indices: no upcast copy
        np.cumsum(end - begin, out=indptr[1:])
        data = self._base["data"].spans(begin, end)
        return sparse.csr_matrix((data, indices, indptr), shape=shape)


class _PatchedBlock:
    """A block of TF-IDF rows read in place, some of them replaced: a product with a dense array is
    computed on the block and then fixed for those rows, without copying the block (32 ms a
    suggestion under load once a hundred profiles were edited). Anything else gets the spliced
    CSR matrix (:meth:`tocsr`)."""

    def __init__(self, block: sparse.csr_matrix, replaced: np.ndarray, fresh: sparse.csr_matrix):
        self._block, self._replaced, self._fresh = block, replaced, fresh
        self.shape = block.shape

    def __matmul__(self, other):
        if sparse.issparse(other):
            return self.tocsr() @ other
        out = self._block @ other
        out[self._replaced] = self._fresh @ other
        return out

    @property
    def T(self) -> sparse.csr_matrix:  # noqa: N802 (scipy's name)
        return self.tocsr().T

    def toarray(self) -> np.ndarray:
        return self.tocsr().toarray()

    def tocsr(self) -> sparse.csr_matrix:
        return _splice(self._block, self._replaced, self._fresh)


def _splice(picked: sparse.csr_matrix, replaced: np.ndarray, fresh: sparse.csr_matrix) -> sparse.csr_matrix:
    """``picked`` with its rows where ``replaced`` is True taken, in order, from ``fresh``.

    The entries are copied as runs between the replaced rows (a few per edit): a sum of two sparse
    matrices, or masks over every entry, cost 3 to 8 times more for a side of 50,000 rows.
    """
    lengths = np.diff(picked.indptr)
    spliced = lengths.copy()
    spliced[replaced] = np.diff(fresh.indptr)
    indptr = np.zeros(lengths.size + 1, dtype=np.int64)
    np.cumsum(spliced, out=indptr[1:])
    indptr = indptr.astype(_index_dtype(picked.indices, int(indptr[-1])))
    data, indices, start = [], [], 0
    for k, row in enumerate(np.flatnonzero(replaced).tolist()):
        run = slice(picked.indptr[start], picked.indptr[row])
        own = slice(fresh.indptr[k], fresh.indptr[k + 1])
        data += [picked.data[run], fresh.data[own]]
        indices += [picked.indices[run], fresh.indices[own].astype(picked.indices.dtype)]
        start = row + 1
    data.append(picked.data[picked.indptr[start] :])
    indices.append(picked.indices[picked.indptr[start] :])
    return sparse.csr_matrix((np.concatenate(data), np.concatenate(indices), indptr), shape=picked.shape)


def _index_dtype(indices: np.ndarray, nnz: int | None = None) -> np.dtype:
    """The dtype of ``indices`` if it can also count ``nnz`` entries, else int64 (scipy's rule)."""
    nnz = indices.size if nnz is None else nnz
    return indices.dtype if nnz < np.iinfo(indices.dtype).max else np.dtype(np.int64)


class FileValues:
    """The values of a 1-D ``.npy`` file read with ``pread`` by spans (see :class:`FileRows`)."""

    def __init__(self, path: Path):
        shape, self.dtype, self._offset = _npy_layout(path)
        if len(shape) != 1:
            raise ValueError(f"{path}: a 1-D array is needed")
        self._fd = os.open(path, os.O_RDONLY)
        self.path = path

    def view(self, start: int, stop: int) -> np.ndarray:
        """Values ``start:stop`` without a copy, from a map of their own (see :func:`_view`)."""
        return _view(self.path, start, stop)

    def __del__(self) -> None:
        with contextlib.suppress(AttributeError, OSError):
            os.close(self._fd)

    def spans(self, begin: np.ndarray, end: np.ndarray) -> np.ndarray:
        """``values[begin[i]:end[i]]`` for each i, concatenated; one read per run of touching spans."""
        lengths = end - begin
        out = np.empty(int(lengths.sum()), dtype=self.dtype)
        if out.size == 0:
            return out
        view, size = memoryview(out).cast("B"), self.dtype.itemsize
        has = np.flatnonzero(lengths > 0)
        begin, end = begin[has], end[has]
        breaks = np.flatnonzero(begin[1:] != end[:-1]) + 1  # a new read where a span does not follow on
        first, last = np.r_[0, breaks], np.r_[breaks, has.size] - 1
        done = 0
        for a, b in zip(begin[first].tolist(), end[last].tolist(), strict=True):
            os.preadv(self._fd, [view[done * size : (done + b - a) * size]], self._offset + a * size)
            done += b - a
        return out


class PassageVectors:
    """Rows of a base matrix (an array, a read-only map or :class:`FileRows`) and a float32 tail."""

    def __init__(self, base, dim: int | None = None):
        base = np.asarray(base) if not isinstance(base, (np.ndarray, FileRows)) else base
        if base.ndim != 2:
            base = base.reshape(0, dim or 0)
        self.base = base
        # A plain view of a map: the same memory, without np.memmap's cost per slice.
        self._read = base.view(np.ndarray) if isinstance(base, np.ndarray) else base
        self._tail = np.zeros((0, base.shape[1]), dtype=np.float32)
        self._tail_used = 0

    @property
    def dim(self) -> int:
        return int(self.base.shape[1])

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self), self.dim)

    @property
    def ndim(self) -> int:
        return 2

    dtype = np.dtype(np.float32)  # what reading gives

    def __len__(self) -> int:
        return len(self.base) + len(self._tail)

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        whole = np.concatenate([np.asarray(self.base, dtype=np.float32), self._tail])
        return whole if dtype is None else whole.astype(dtype)

    def __getitem__(self, key) -> np.ndarray:
        """float32 rows: ``key`` is a slice, an int array or an int."""
        n_base = len(self.base)
        if isinstance(key, slice):
            start, stop, step = key.indices(len(self))
            if step == 1 and stop <= n_base:
                return np.asarray(self._read[start:stop], dtype=np.float32)
            if step == 1 and start >= n_base:
                return self._tail[start - n_base : stop - n_base]
            key = np.arange(start, stop, step)
        if np.isscalar(key):
            return self[np.array([key])][0]
        key = np.asarray(key, dtype=np.int64)
        if key.size == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        if int(key.max()) < n_base:
            return np.asarray(self._read[key], dtype=np.float32)
        out = np.empty((key.size, self.dim), dtype=np.float32)
        in_base = key < n_base
        out[in_base] = self._read[key[in_base]]
        out[~in_base] = self._tail[key[~in_base] - n_base]
        return out

    def __setitem__(self, key: slice, values: np.ndarray) -> None:
        """Write appended rows (the base is never written): ``key`` is a slice past the base."""
        start, stop, _ = key.indices(len(self))
        n_base = len(self.base)
        if start < n_base:
            raise ValueError("the snapshot's vectors are read-only: append rows instead")
        self._tail[start - n_base : stop - n_base] = values

    def reserve(self, rows: int) -> None:
        """Room for at least ``rows`` rows in all (the tail grows by a quarter at a time)."""
        missing = rows - len(self)
        if missing > 0:
            extra = max(missing, len(self._tail) // 4, 1024)
            self._tail = np.concatenate([self._tail, np.zeros((extra, self.dim), np.float32)])

    def blocks(self, size: int = 65_536) -> Iterator[tuple[int, np.ndarray]]:
        """(first row, float32 rows) over every row, ``size`` rows at a time."""
        for start in range(0, len(self), size):
            yield start, self[start : min(start + size, len(self))]


class TextColumn:
    """Strings stored as one UTF-8 buffer and offsets, with appended strings kept as a list."""

    def __init__(self, buffer, offsets: np.ndarray):
        # Sliced as bytes (an mmap or bytes object): a numpy slice per string costs ten times more.
        self._buffer = buffer
        self._offsets = np.asarray(offsets)  # int64, len(strings) + 1 (a plain view of a map)
        self._base = len(offsets) - 1
        self._extra: list[str] = []

    @classmethod
    def of(cls, strings: Iterable[str]) -> TextColumn:
        encoded = [str(s).encode("utf-8") for s in strings]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        offsets[1:] = np.cumsum([len(e) for e in encoded]) if encoded else []
        return cls(b"".join(encoded), offsets)

    def save(self, folder: Path, name: str) -> None:
        """``name``.bin (the buffer) and ``name``.offsets.npy in ``folder``: the strings as they are now."""
        whole = TextColumn.of(self) if self._extra else self
        (folder / f"{name}.bin").write_bytes(whole._buffer[:])
        np.save(folder / f"{name}.offsets.npy", whole._offsets)

    @classmethod
    def load(cls, folder: Path, name: str) -> TextColumn:
        """The column saved by :meth:`save`, memory-mapped read-only."""
        offsets = np.load(folder / f"{name}.offsets.npy", mmap_mode="r")
        return cls(_FileBytes(folder / f"{name}.bin"), offsets)

    def __len__(self) -> int:
        return self._base + len(self._extra)

    def _get(self, i: int) -> str:
        if i < 0:
            i += len(self)
        if i >= self._base:
            return self._extra[i - self._base]
        return self._buffer[int(self._offsets[i]) : int(self._offsets[i + 1])].decode("utf-8")

    def __getitem__(self, key):
        if isinstance(key, slice):
            return [self._get(i) for i in range(*key.indices(len(self)))]
        return self._get(int(key))

    def __iter__(self) -> Iterator[str]:
        return (self._get(i) for i in range(len(self)))

    def __setitem__(self, key: slice, values: Sequence[str]) -> None:
        start, stop, _ = key.indices(len(self))
        if start < self._base:
            raise ValueError("the snapshot's texts are read-only: append instead")
        self._extra[start - self._base : stop - self._base] = list(values)

    def extend(self, values: Iterable[str]) -> None:
        self._extra.extend(values)


class _FileBytes:
    """A file's bytes sliced with ``pread`` (see :class:`FileRows`): ``buffer[a:b]`` gives bytes."""

    def __init__(self, path: Path):
        self._fd = os.open(path, os.O_RDONLY)
        self._size = os.fstat(self._fd).st_size

    def __getitem__(self, key: slice) -> bytes:
        start, stop, _ = key.indices(self._size)
        return os.pread(self._fd, stop - start, start) if stop > start else b""

    def __del__(self) -> None:
        with contextlib.suppress(AttributeError, OSError):
            os.close(self._fd)


ORG_COLUMNS = ("short_name", "name", "region", "city", "type", "status")  # what suggestions and hits show


class OrgTable:
    """The index's organisation records: mapped columns, with whole records for edited or added rows."""

    def __init__(self, ids: np.ndarray, columns: Mapping[str, TextColumn]):
        self._ids = ids
        self._columns = dict(columns)
        self._records: dict[int, dict] = {}  # row -> the record an edit brought
        self._added: list[dict] = []
        self._cache: dict[str, np.ndarray] = {}

    @staticmethod
    def save(folder: Path, orgs: Sequence[Mapping]) -> None:
        """The fields of :data:`ORG_COLUMNS` of ``orgs`` (records in row order) into ``folder``."""
        np.save(folder / "org_ids.npy", np.array([org["id"] for org in orgs], dtype=np.int64))
        for name in ORG_COLUMNS:
            default = "active" if name == "status" else ""
            TextColumn.of(str(org.get(name) or default) for org in orgs).save(folder, f"org_{name}")

    @classmethod
    def load(cls, folder: Path) -> OrgTable:
        ids = np.load(folder / "org_ids.npy", mmap_mode="r")
        return cls(ids, {name: TextColumn.load(folder, f"org_{name}") for name in ORG_COLUMNS})

    def __len__(self) -> int:
        return len(self._ids) + len(self._added)

    def __getitem__(self, row: int) -> dict:
        row = int(row)
        if row >= len(self._ids):
            return self._added[row - len(self._ids)]
        record = self._records.get(row)
        if record is not None:
            return record
        found = {"id": int(self._ids[row])}
        found.update((name, column[row]) for name, column in self._columns.items())
        return found

    def __setitem__(self, row: int, org: Mapping) -> None:
        row = int(row)
        self._cache.clear()
        if row >= len(self._ids):
            self._added[row - len(self._ids)] = dict(org)
        else:
            self._records[row] = dict(org)

    def __iter__(self) -> Iterator[dict]:
        return (self[row] for row in range(len(self)))

    def append(self, org: Mapping) -> None:
        self._cache.clear()
        self._added.append(dict(org))

    def ids(self) -> np.ndarray:
        """Every row's organisation id."""
        return np.concatenate([np.asarray(self._ids), [org["id"] for org in self._added]]).astype(np.int64)

    def column(self, name: str) -> np.ndarray:
        """One field of every row, as an object array (for filters; kept until the next edit)."""
        if name in self._cache:
            return self._cache[name]
        values = np.array(list(self._columns[name]) + [""] * len(self._added), dtype=object)
        for row, record in self._records.items():
            values[row] = record.get(name)
        for i, record in enumerate(self._added):
            values[len(self._ids) + i] = record.get(name)
        self._cache[name] = values
        return values
