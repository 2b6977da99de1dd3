"""Import big CSV files of customers or orders in slices, in bounded memory.

A file larger than ``STREAM_MIN_BYTES`` is not read whole: it is cut into slices of about
``SLICE_BYTES`` at line ends outside quoted fields, and each slice is parsed, validated
and staged into the importer's temporary tables before the next is read. What must see
the whole file is checked once at the end from compact per-row keys kept in memory
(dictionary-encoded Arrow arrays: a few bytes a row): duplicate keys inside the file,
lines of one order that disagree, whole orders rejected for one bad line. Everything
happens inside one transaction, so all-or-nothing still writes nothing when any row is
bad, and every reject still names its file line.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from dangol.integration.errors import ImportFileError, IntegrationErrorCode
from dangol.integration.readers import (
    Table,
    detect_encoding,
    guess_format,
    read_csv_text,
    sniff_contacts,
)
from dangol.integration.validate import (
    KEYS,
    ORDER_HEADER_COLUMNS,
    REJECT_COLUMNS,
    apply_mapping,
    check_columns,
)

# Files at least this big are imported in slices (smaller ones are read whole: faster).
STREAM_MIN_BYTES = 48 * 1024 * 1024
# About this many bytes of the file are parsed, validated and staged at a time.
SLICE_BYTES = 8 * 1024 * 1024
_READ_BLOCK = 8 * 1024 * 1024
STREAM_KINDS = ("customers", "orders")


def stream_codec(path: Path, *, kind: str, fmt: str | None, encoding: str | None) -> str | None:
    """Return the codec to stream ``path`` with, or None when it must be read whole.

    Only customer and order CSV files of at least ``STREAM_MIN_BYTES`` stream, in a
    codec where a line feed byte always ends a line (not UTF-16); Google and Outlook
    exports are read whole (they are small and mapped row by row).
    """
    if kind not in STREAM_KINDS or guess_format(path, fmt) != "csv":
        return None
    try:
        if path.stat().st_size < STREAM_MIN_BYTES:
            return None
        with path.open("rb") as handle:
            head = handle.read(4)
    except OSError:
        return None  # the whole-file reader reports it
    if encoding:
        codec = detect_encoding(head, encoding)
    elif head.startswith(codecs.BOM_UTF8):
        codec = "utf-8-sig"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    else:
        codec = "utf-8" if _is_utf8(path) else "cp949"
    if codecs.lookup(codec).name.startswith("utf-16") or codecs.lookup(codec).name.startswith(
        "utf-32"
    ):
        return None
    return codec


def _is_utf8(path: Path) -> bool:
    """Tell whether the whole file is strict UTF-8, reading it block by block."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        try:
            while block := handle.read(_READ_BLOCK):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


@dataclass
class Slice:
    """Some whole lines of the file: the text and the line number of its first line."""

    first_line: int
    offset: int
    size: int
    text: str


def _cut(buffer: bytes) -> int:
    """Return the end of the last whole line of ``buffer`` outside quotes, or -1.

    Every slice starts outside a quoted field, so a line end is outside one exactly when
    the quotes before it are even in number (an escaped quote counts two).
    """
    end = buffer.rfind(b"\n")
    while end != -1:
        if buffer.count(b'"', 0, end + 1) % 2 == 0:
            return end + 1
        end = buffer.rfind(b"\n", 0, end)
    return -1


def _decode(data: bytes, codec: str, offset: int) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"The file is not valid {codec} at byte {offset + exc.start}; "
            "give the right one with --encoding",
            code=IntegrationErrorCode.UNREADABLE_FILE,
        ) from exc


def read_header(path: Path, codec: str) -> tuple[str, int] | None:
    """Return the header line's text and its length in bytes; None when it is not simple.

    A header that is blank or spans lines is left to the whole-file reader.
    """
    with path.open("rb") as handle:
        block = handle.read(1024 * 1024)
    end = block.find(b"\n")
    if end <= 0 or block.count(b'"', 0, end) % 2:
        return None
    text = _decode(block[:end], codec, 0).lstrip("\ufeff")
    if not text.strip():
        return None
    return text, end + 1


def iter_slices(path: Path, codec: str, start: int, slice_bytes: int) -> Iterator[Slice]:
    """Yield the file after its header in slices of whole lines (lines count from 1)."""
    body_codec = "utf-8" if codec == "utf-8-sig" else codec
    line = 2
    offset = start
    with path.open("rb") as handle:
        handle.seek(start)
        buffer = b""
        while True:
            block = handle.read(max(slice_bytes - len(buffer), slice_bytes // 4, 1))
            buffer += block
            if not block:
                if buffer:
                    yield Slice(line, offset, len(buffer), _decode(buffer, body_codec, offset))
                return
            if len(buffer) < slice_bytes:
                continue
            cut = _cut(buffer)
            if cut == -1:
                continue  # a quoted field spans the whole buffer: read on
            piece, buffer = buffer[:cut], buffer[cut:]
            yield Slice(line, offset, cut, _decode(piece, body_codec, offset))
            line += piece.count(b"\n")
            offset += cut


def parse_slice(header: str, piece: Slice) -> Table:
    """Parse one slice with the file's header; index and rejects carry file lines."""
    table = read_csv_text(header + "\n" + piece.text)
    shift = piece.first_line - 2
    if shift:
        table.frame.index = table.frame.index + shift
        for reject in table.rejects:
            reject.line += shift
    return table


# --- checks across the whole file ------------------------------------------------------------


@dataclass
class CrossFile:
    """What the checks across the file found."""

    rejects: pd.DataFrame
    bad_lines: np.ndarray
    # (first line of an order in a later slice, its first line in the file) pairs.
    renumber: list[tuple[int, int]] = field(default_factory=list)


def _codes(chunks: list[pa.Array]) -> tuple[np.ndarray, pa.Array]:
    """Return one int32 code per row and the dictionary of distinct values of ``chunks``."""
    if not chunks:
        return np.zeros(0, dtype=np.int32), pa.array([], type=pa.string())
    merged = pa.chunked_array(chunks).unify_dictionaries().combine_chunks()
    chunks.clear()
    return merged.indices.to_numpy(zero_copy_only=False).astype(np.int32, copy=False), (
        merged.dictionary
    )


def _values(dictionary: pa.Array, codes: np.ndarray) -> list[str]:
    return dictionary.take(pa.array(codes)).to_pylist()


def _empty_code(dictionary: pa.Array) -> int:
    found = np.flatnonzero(dictionary.to_numpy(zero_copy_only=False) == "")
    return int(found[0]) if len(found) else -1


def _first_rows(codes: np.ndarray, size: int) -> np.ndarray:
    """Return, for each code, the index of its first row (rows are in file order)."""
    first = np.full(size, np.iinfo(np.int32).max, dtype=np.int32)
    np.minimum.at(first, codes, np.arange(len(codes), dtype=np.int32))
    return first


_SEP = "\x1f"  # joins an order line's own fields into one compact key (never in a value)


def _repeated_rows(key: np.ndarray) -> np.ndarray:
    """Return the indices of the rows whose ``key`` occurs more than once (sorted)."""
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    same = ordered[1:] == ordered[:-1]
    del ordered
    repeated = np.zeros(len(key), dtype=bool)
    repeated[1:] |= same
    repeated[:-1] |= same
    return np.sort(order[repeated])


class FileKeys:
    """The keys of every row of a file read in slices, for the checks across the file.

    Per row: its line (int32), its key columns dictionary-encoded per slice, and for
    orders the order's own fields (customer, time, channel, status) joined into one
    dictionary-encoded value; a few bytes a row in all, so ten million lines fit in a
    few hundred megabytes.
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.key_columns = KEYS[kind]
        self.lines: list[np.ndarray] = []
        self.columns: dict[str, list[pa.Array]] = {}
        self.header_names: list[str] = []
        self.row_bad: list[np.ndarray] = []

    def add(self, frame: pd.DataFrame, bad_lines) -> None:
        """Remember the stripped keys of ``frame``'s rows and which rows were bad."""
        self.lines.append(np.asarray(frame.index, dtype=np.int32))
        for name in self.key_columns:
            self._store(name, frame[name].astype(str).str.strip())
        if self.kind == "orders":
            self.header_names = [c for c in ORDER_HEADER_COLUMNS if c in frame.columns]
            fields = [
                frame[name].astype(str).str.strip().str.replace(_SEP, " ", regex=False)
                for name in self.header_names
            ]  # a separator inside a value (a bad row anyway) must not shift the fields
            joined = fields[0]
            for values in fields[1:]:
                joined = joined + _SEP + values
            self._store("header", joined)
        self.row_bad.append(np.fromiter(bad_lines, dtype=np.int64, count=len(bad_lines)))

    def _store(self, name: str, values: pd.Series) -> None:
        array = pa.array(values.to_numpy(dtype=object), type=pa.string())
        self.columns.setdefault(name, []).append(array.dictionary_encode())

    def check(self) -> CrossFile:
        """Run the checks across the file; return their rejects and every bad line."""
        sizes = [len(part) for part in self.lines]
        lines = np.concatenate(self.lines) if self.lines else np.zeros(0, dtype=np.int32)
        self.lines = []
        parts: list[pd.DataFrame] = []
        bad = np.concatenate(self.row_bad) if self.row_bad else np.zeros(0, dtype=np.int64)
        key_codes = {name: _codes(self.columns.pop(name)) for name in self.key_columns}
        parts.append(self._duplicates(lines, key_codes))
        renumber: list[tuple[int, int]] = []
        if self.kind == "orders":
            numbers, dictionary = key_codes.pop("order_number")
            key_codes.clear()
            first_of = _first_rows(numbers, len(dictionary))
            parts.append(self._disagreeing(lines, numbers, first_of))
            found = [p["line"].to_numpy(np.int64) for p in parts if len(p)]
            bad = np.union1d(bad, np.concatenate(found)) if found else np.unique(bad)
            whole = self._whole_orders(lines, numbers, dictionary, bad)
            if len(whole):
                parts.append(whole)
                bad = np.union1d(bad, whole["line"].to_numpy(np.int64))
            renumber = self._renumber(lines, numbers, first_of, sizes)
        rejects = [p for p in parts if len(p)]
        table = (
            pd.concat(rejects, ignore_index=True)
            if rejects
            else pd.DataFrame(columns=REJECT_COLUMNS).astype({"line": "int64"})
        )
        if self.kind != "orders" and len(table):
            bad = np.union1d(bad, table["line"].to_numpy(np.int64))
        return CrossFile(rejects=table, bad_lines=np.unique(bad), renumber=renumber)

    def _duplicates(self, lines: np.ndarray, key_codes) -> pd.DataFrame:
        """Reject every row whose key is in the file more than once (as ``validate``)."""
        names = list(self.key_columns)
        filled = np.ones(len(lines), dtype=bool)
        key = np.zeros(len(lines), dtype=np.int64)
        for name in names:
            codes, dictionary = key_codes[name]
            filled &= codes != _empty_code(dictionary)
            key *= max(len(dictionary), 1)
            key += codes
        key[~filled] = -1 - np.arange(int((~filled).sum()), dtype=np.int64)  # never equal
        rows = _repeated_rows(key)
        if not len(rows):
            return pd.DataFrame(columns=REJECT_COLUMNS)
        groups = pd.Series(lines[rows].astype(np.int64)).groupby(key[rows])
        count = groups.transform("size").to_numpy()
        first = groups.transform("min").to_numpy()
        del key
        last = names[-1]
        codes, dictionary = key_codes[last]
        label = " + ".join(names)
        return pd.DataFrame(
            {
                "line": lines[rows].astype(np.int64),
                "column": last,
                "value": _values(dictionary, codes[rows]),
                "reason": [
                    f"duplicate {label} in the file ({n} rows, first at line {f})"
                    for n, f in zip(count, first, strict=True)
                ],
            }
        )

    def _disagreeing(self, lines, numbers, first_of) -> pd.DataFrame:
        """Reject lines whose order fields differ from the first line of their order."""
        if "header" not in self.columns:
            return pd.DataFrame(columns=REJECT_COLUMNS)
        header, values = _codes(self.columns.pop("header"))
        first = first_of[numbers]
        rows = np.flatnonzero(header != header[first])
        if not len(rows):
            return pd.DataFrame(columns=REJECT_COLUMNS)
        mine = _values(values, header[rows])
        theirs = _values(values, header[first[rows]])
        out = []
        names = self.header_names
        for row, own, other in zip(rows, mine, theirs, strict=True):
            reason = f"differs from line {int(lines[first[row]])} of the same order"
            for name, a, b in zip(names, own.split(_SEP), other.split(_SEP), strict=True):
                if a != b:
                    out.append((int(lines[row]), name, a, reason))
        return pd.DataFrame(out, columns=REJECT_COLUMNS)

    def _whole_orders(self, lines, numbers, dictionary, bad: np.ndarray) -> pd.DataFrame:
        """Reject every line of an order one of whose lines is bad."""
        is_bad = np.isin(lines, bad)
        if not is_bad.any():
            return pd.DataFrame(columns=REJECT_COLUMNS)
        none = np.iinfo(np.int64).max
        first_bad = np.full(len(dictionary), none, dtype=np.int64)
        np.minimum.at(first_bad, numbers[is_bad], lines[is_bad].astype(np.int64))
        collateral = np.flatnonzero(~is_bad & (first_bad[numbers] != none))
        if not len(collateral):
            return pd.DataFrame(columns=REJECT_COLUMNS)
        return pd.DataFrame(
            {
                "line": lines[collateral].astype(np.int64),
                "column": "order_number",
                "value": _values(dictionary, numbers[collateral]),
                "reason": [
                    f"another line of this order is bad (line {line})"
                    for line in first_bad[numbers[collateral]]
                ],
            }
        )

    def _renumber(self, lines, numbers, first_of, sizes) -> list[tuple[int, int]]:
        """Map each order's first line in a later slice to its first line in the file."""
        out: list[tuple[int, int]] = []
        start = 0
        for size in sizes:
            codes = numbers[start : start + size]
            unique, local = np.unique(codes, return_index=True)
            local = local + start
            moved = np.flatnonzero(first_of[unique] != local)
            out.extend(
                zip(
                    lines[local[moved]].tolist(),
                    lines[first_of[unique[moved]]].tolist(),
                    strict=True,
                )
            )
            start += size
        return out


class CachedLookup:
    """Resolve references across slices, asking the database once per distinct value.

    ``fetch`` maps a list of values to ``{value: id}``; ``fetch_all``, when given, returns
    the whole map at once and is used instead when a slice names many unseen values.
    """

    def __init__(self, fetch: Callable, fetch_all: Callable | None = None, many: int = 50_000):
        self.fetch = fetch
        self.fetch_all = fetch_all
        self.many = many
        self.found: dict[str, int] = {}
        self.missing: set[str] = set()
        self.complete = False

    def __call__(self, keys: list[str]) -> dict[str, int]:
        if not self.complete:
            unseen = [k for k in keys if k not in self.found and k not in self.missing]
            if self.fetch_all is not None and len(unseen) > self.many:
                self.found = self.fetch_all()
                self.complete = True
            elif unseen:
                got = self.fetch(unseen)
                self.found.update(got)
                self.missing.update(k for k in unseen if k not in got)
        found = self.found
        return {k: found[k] for k in keys if k in found}


def header_frame(header: str, mapping: dict[str, str]) -> pd.DataFrame:
    """Return an empty frame with the file's (mapped) columns, to check them up front."""
    table = read_csv_text(header + "\n")
    frame = apply_mapping(table.frame, mapping)
    return frame


def check_header(kind: str, header: str, mapping: dict[str, str]) -> bool:
    """Stop on a missing column before anything is read; False for a contacts export."""
    frame = header_frame(header, mapping)
    if sniff_contacts(frame):
        return False
    check_columns(kind, frame)
    return True
