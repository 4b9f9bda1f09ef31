"""Read a CSV or XLSX file into a grid of text cells, safely.

Nothing here evaluates anything: CSV cells are the text in the file, XLSX
cells are the values Excel cached (formulas are never computed). Every cell is
stripped text or ``pd.NA``. The header is the first non-blank row; blank rows
between data rows are reported (severity ``rejected``, reason "blank row") so
rows in = mapped + rejected holds; blank rows after the last data row are not
data and are not counted.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
import sys
import warnings
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter

from ..categories import fold
from .base import Problem, ReadError, rows_text

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
#: refuse XLSX files whose parts unpack to more than this (zip bombs)
MAX_UNZIPPED_BYTES = 500 * 1024 ** 2
#: ... or whose compression ratio is above this for a part bigger than MIN_RATIO_CHECK_BYTES
MAX_RATIO = 100
MIN_RATIO_CHECK_BYTES = 50 * 1024 ** 2
DELIMITERS = (",", ";", "\t", "|")
CHUNK_ROWS = 100_000
#: the legacy encoding preferred when a non-UTF-8 file could be several
LEGACY_DEFAULT = "cp1252"
#: invisible format characters trimmed from cell ends like spaces: zero-width space and
#: joiners, word joiner, byte order mark, direction marks and embeddings
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_TRIM = "".join(chr(i) for i in range(0x3001) if chr(i).isspace()) + INVISIBLE
_QUOTED = re.compile(r'"(?:[^"]|"")*"')
_SEP_LINE = re.compile(r"sep=(.)\r?\n", re.IGNORECASE)


@dataclass
class Grid:
    """Header cells and data rows of one sheet (positional columns 0..n-1)."""

    headers: list[str]
    data: pd.DataFrame          # columns 0..n-1 (string dtype) + source_row
    kind: str                   # 'csv' | 'xlsx'
    problems: list[Problem] = field(default_factory=list)
    rows_read: int = 0
    header_rows: list[int] = field(default_factory=lambda: [1])
    sheet: str | None = None
    sheet_note: str = ""

    def keys(self) -> list[str]:
        """Folded headers (``categories.fold``), by position."""
        return [fold(h) for h in self.headers]

    def find(self, *keys: str) -> int | None:
        """Position of the first column whose folded header is one of ``keys``."""
        folded = self.keys()
        return next((folded.index(k) for k in keys if k in folded), None)


def sniff_kind(path: Path) -> str:
    """'xlsx' or 'csv' from the file's first bytes (never from its name alone)."""
    name = path.name
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise ReadError(Problem(name, None, None, None, f"cannot open the file ({exc.strerror or exc})"))
    if not head:
        raise ReadError(Problem(name, None, None, None, "file is empty"))
    if head.startswith(OLE2_MAGIC):
        raise ReadError(Problem(name, None, None, None,
                                "the file is password-protected or a legacy .xls workbook: remove the "
                                "password / save it as .xlsx (Excel Workbook) or CSV and try again"))
    if head.startswith(ZIP_MAGIC):
        return "xlsx"
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        raise ReadError(Problem(name, None, None, None, "not a valid XLSX file (it is not a zip archive)"))
    return "csv"


# --------------------------------------------------------------------------- shared
#: a row below the data that is a note, a source line or a total, not a route
_NOTE = re.compile(r"^\s*(?:notes?\b|nb\b|n\.b\.|source[s]?\b|data source|chanzo cha data|maelezo\b|kumbuka\b|"
                   r"imeandaliwa|prepared\b|compiled\b|generated\b|exported\b|data as of|as of\b|disclaimer|"
                   r"grand total|totals?\b|jumla\b|sum\b|\*|†|©)", re.IGNORECASE)


def _is_note(cells) -> bool:
    filled = [c for c in cells if c]
    if not filled or len(filled) > 3:
        return False
    first = filled[0]
    if _NOTE.match(first):
        return True
    return len(filled) == 1 and len(first) >= 40 and first.count(" ") >= 5


def first_nonblank(candidates) -> tuple[int, int, list[str]]:
    """The default header choice: the first non-blank row."""
    return 0, 1, [c or "" for c in candidates[0][1]]


def build_grid(rows: Iterable[tuple[int, list]], name: str, kind: str, pick_header=None) -> Grid:
    """Turn (row number, stripped cells or None) pairs into a Grid.

    ``pick_header([(number, cells), ...])`` (the first ``HEADER_SCAN_ROWS``
    non-blank rows) returns ``(index, n_rows, headers)``: the header row (or
    two, a group row over sub-headers) among them; default the first
    non-blank row. Rows above the header and notes below the data are listed
    as ``skipped`` problems (not data rows); interior blank rows become
    'blank row' problems, trailing blank rows are dropped uncounted.
    """
    from .headers import HEADER_SCAN_ROWS

    pick_header = pick_header or first_nonblank
    headers: list[str] | None = None
    problems: list[Problem] = []
    pending_blank: list[int] = []
    chunks: list[pd.DataFrame] = []
    buf: list[list] = []
    numbers: list[int] = []
    rows_read = 0
    scan: list[tuple[int, list]] = []
    header_rows: list[int] = []

    def flush():
        if buf:
            frame = pd.DataFrame(buf)
            frame["source_row"] = numbers[:]
            chunks.append(frame)
            buf.clear()
            numbers.clear()

    def choose():
        nonlocal headers
        filled = [(nb, c) for nb, c in scan if any(c)]
        i, n, headers = pick_header(filled)
        header_rows.extend(number for number, _ in filled[i:i + n])
        for number, cells in filled[:i]:
            text = " | ".join(c for c in cells if c)
            problems.append(Problem(name, number, None, text, f"above the header (row {header_rows[0]}): "
                                    "a title or note, not a route; skipped", "skipped"))
        return [(nb, c) for nb, c in scan if nb > header_rows[-1]]

    def take(number, cells):
        nonlocal rows_read
        if not any(cells):
            pending_blank.append(number)
            return
        for b in pending_blank:
            problems.append(Problem(name, b, None, None, "blank row", "rejected"))
        rows_read += len(pending_blank) + 1
        pending_blank.clear()
        buf.append(cells)
        numbers.append(number)
        if len(buf) >= CHUNK_ROWS:
            flush()

    n_filled = 0
    for number, cells in rows:
        if headers is None:
            if not scan and not any(cells):
                continue        # blank rows above everything
            scan.append((number, cells))
            n_filled += bool(any(cells))
            if n_filled < HEADER_SCAN_ROWS:
                continue
            for nb, cb in choose():
                take(nb, cb)
            continue
        take(number, cells)
    if headers is None and n_filled:
        for nb, cb in choose():
            take(nb, cb)
    flush()
    if headers is None:
        raise ReadError(Problem(name, None, None, None, "file is empty"))
    width = max([len(headers)] + [c.shape[1] - 1 for c in chunks])
    if chunks:
        data = pd.concat(chunks, ignore_index=True).reindex(columns=[*range(width), "source_row"])
    else:
        data = pd.DataFrame({i: [] for i in range(width)} | {"source_row": []})
    return _finish_grid(name, kind, headers, data, problems, rows_read, header_rows)


def _finish_grid(name: str, kind: str, headers: list[str], data: pd.DataFrame, problems: list[Problem],
                 rows_read: int, header_rows: list[int]) -> Grid:
    """The Grid of the data rows ``data`` (columns 0..n-1 and source_row): notes below
    the data skipped, cells as strings."""
    width = data.shape[1] - 1
    headers = headers + [""] * (width - len(headers))
    # notes, sources and totals below the data: skipped, with the blank rows before them
    cells = data.drop(columns="source_row")
    n_notes = 0
    for k in range(len(data) - 1, -1, -1):
        row = [None if pd.isna(v) else v for v in cells.iloc[k].tolist()]
        if not _is_note(row):
            break
        n_notes += 1
    if n_notes and n_notes < len(data):
        notes = data.iloc[len(data) - n_notes:]
        data = data.iloc[:len(data) - n_notes]
        last = int(data["source_row"].iloc[-1])
        gap = [p for p in problems if p.reason == "blank row" and p.row is not None and p.row > last]
        problems = [p for p in problems if p not in gap]
        rows_read -= n_notes + len(gap)
        for number, row in zip(notes["source_row"], notes.drop(columns="source_row").itertuples(index=False)):
            text = " | ".join(str(c) for c in row if isinstance(c, str) and c)
            problems.append(Problem(name, int(number), None, text, "below the data: a note, source or total "
                                    "line, not a route; skipped", "skipped"))
    if not len(data):
        problems.append(Problem(name, None, None, None, "the file has a header row but no data rows", "warning"))
    cells = data.drop(columns="source_row").astype(pd.StringDtype()).reset_index(drop=True)
    cells["source_row"] = data["source_row"].astype("int64").to_numpy()
    grid = Grid(headers, cells, kind, problems, rows_read)
    grid.header_rows = header_rows
    return grid


def column_letter(pos: int) -> str:
    return get_column_letter(pos + 1)


# --------------------------------------------------------------------------- CSV
@contextmanager
def _field_size_limit(limit: int):
    old = csv.field_size_limit()
    csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _detect_encoding(path: Path, head: bytes) -> tuple[str, bool]:
    """(encoding, guessed): BOMs first, then strict UTF-8, then charset-normalizer."""
    for bom, enc in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                     (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                     (codecs.BOM_UTF16_BE, "utf-16")):
        if head.startswith(bom):
            return enc, False
    if head.count(b"\x00") <= len(head) // 10:   # many NULs: UTF-16/32 without a BOM
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            with open(path, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    decoder.decode(block)
                decoder.decode(b"", final=True)
            return "utf-8", False
        except UnicodeDecodeError:
            pass
    from charset_normalizer import from_path

    matches = list(from_path(path))
    if not matches:
        return "cp1252", True
    # Windows-1252 is the usual non-UTF-8 export here: prefer it among equally plausible guesses
    plausible = [m for m in matches if m.chaos <= matches[0].chaos + 0.01]
    if any(LEGACY_DEFAULT in m.could_be_from_charset for m in plausible):
        return LEGACY_DEFAULT, True
    return matches[0].encoding, True


def _sniff_delimiter(text: str) -> str:
    """The candidate that splits the first lines (outside quotes) most consistently:
    most lines with the same, non-zero count (title rows above the header have
    none); ',' on ties."""
    lines = [ln for ln in _QUOTED.sub("", text).split("\n")[:40] if ln.strip()]
    if len(lines) > 1 and text.count("\n") < 40:
        lines = lines[:-1] or lines     # the last line of a 64 kB head may be cut
    best, best_key = ",", (0, 0, 0)
    for rank, d in enumerate(DELIMITERS):
        counts = [ln.count(d) for ln in lines]
        nonzero = [c for c in counts if c]
        if not nonzero:
            continue
        mode = max(set(nonzero), key=lambda c: (nonzero.count(c), c))
        key = (nonzero.count(mode), mode, -rank)
        if key > best_key:
            best, best_key = d, key
    return best


class _Replacements:
    """A codec error handler that replaces undecodable bytes with U+FFFD and counts them."""

    name = "trafficking_routes_replace"

    def __init__(self):
        self.count = 0
        codecs.register_error(self.name, self)

    def __call__(self, exc: UnicodeDecodeError):
        self.count += 1
        return "\ufffd", exc.end


_REPLACEMENTS = _Replacements()


def read_csv_grid(path: Path, encoding: str | None = None, pick_header=None) -> Grid:
    """Read a delimited text file (any common encoding and delimiter) into a Grid."""
    name = path.name
    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
    guessed = False
    if encoding is None:
        encoding, guessed = _detect_encoding(path, head)
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise ReadError(Problem(name, None, None, None, f"unknown text encoding '{encoding}'"))
    text_head = head.decode(encoding, errors="replace").lstrip("\ufeff")
    if not text_head.strip():
        raise ReadError(Problem(name, None, None, None, "file is empty"))
    lowered = text_head.lstrip().lower()
    if lowered.startswith(("<!doctype html", "<html")) or (lowered.startswith("<") and "<html" in lowered[:2048]):
        raise ReadError(Problem(name, None, None, None,
                                "the file is a web page (HTML), not a CSV export: download the export "
                                "file itself (CSV or XLSX)"))
    sep_line = _SEP_LINE.match(text_head)   # Excel's "sep=;" hint line, not shown as a row
    delimiter = sep_line.group(1) if sep_line else _sniff_delimiter(text_head)

    def rows() -> Iterator[tuple[int, list]]:
        with open(path, encoding=encoding, errors=_REPLACEMENTS.name, newline="") as fh:
            if sep_line:
                fh.readline()
            reader = csv.reader(fh, delimiter=delimiter)
            number, line, headers = 0, 0, None
            try:
                for number, record in enumerate(reader, start=1):
                    cells = [c.strip(_TRIM) or None for c in record]
                    if reader.line_num - line > 1 and headers:
                        swallowed = _swallowed_rows(name, number, headers, cells, delimiter)
                        if swallowed:
                            problems.append(swallowed)
                    line = reader.line_num
                    headers = headers or (cells if any(cells) else None)
                    yield number, cells
            except csv.Error as exc:
                raise ReadError(Problem(name, number + 1, None, None, f"cannot read the CSV ({exc})"))

    grid = None
    if ARROW_CSV and encoding.replace("_", "-").lower() in ("utf-8", "utf-8-sig"):
        grid = _arrow_grid(path, name, delimiter, bool(sep_line), pick_header)
    replaced = _REPLACEMENTS.count
    if grid is None:  # the csv module, record by record: any encoding, ragged rows, what Arrow refuses
        problems: list[Problem] = []
        with _field_size_limit(2 ** 31 - 1):
            grid = build_grid(rows(), name, "csv", pick_header)
        grid.problems += problems
    replaced = _REPLACEMENTS.count - replaced
    if guessed or encoding.replace("_", "-").lower() not in ("utf-8", "utf-8-sig", "utf-16", "utf-32"):
        grid.problems.insert(0, Problem(name, None, None, None,
                                        f"the file is not UTF-8; it was read as {encoding}"
                                        + (" (guessed)" if guessed else "")
                                        + ": check that accented names look right", "warning"))
    if replaced:
        _warn_replacements(grid, name)
    return grid


#: read valid UTF-8 files with Arrow's C++ CSV reader (the same records as the csv module; see _arrow_grid)
ARROW_CSV = True
#: column names Arrow is told to read as text (a file with more columns is read by the csv module)
_ARROW_MAX_COLUMNS = 20_000


def _arrow_columns(path: Path, delimiter: str, skip_first: bool):
    """Every record of a UTF-8 file as columns of text cells, trimmed like the csv
    module's path trims them (empty cells null), read batch by batch by Arrow so
    that only one batch of raw text is held at a time; None when the csv module
    must read the file (no pyarrow, rows of different lengths, anything Arrow
    refuses)."""
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.csv as pcsv
    except ImportError:
        return None
    odd: list = []

    def invalid(row):  # a row of another length than the first: the csv module reads the file
        odd.append(row)
        return "skip"

    parts: list[list] = []
    empty = pa.scalar(None, pa.string())
    try:
        reader = pcsv.open_csv(
            path,
            read_options=pcsv.ReadOptions(autogenerate_column_names=True, skip_rows=int(skip_first),
                                          block_size=1 << 23),
            parse_options=pcsv.ParseOptions(delimiter=delimiter, quote_char='"', double_quote=True,
                                            escape_char=False, newlines_in_values=True,
                                            ignore_empty_lines=False, invalid_row_handler=invalid),
            convert_options=pcsv.ConvertOptions(
                column_types={f"f{i}": pa.string() for i in range(_ARROW_MAX_COLUMNS)},
                strings_can_be_null=False, quoted_strings_can_be_null=False))
        if not reader.schema.names or any(t != pa.string() for t in reader.schema.types):
            return None
        for batch in reader:
            parts.append([pc.if_else(pc.equal(t, ""), empty, t) for t in
                          (pc.utf8_trim(c, _TRIM) for c in batch.columns)])
            if odd:
                return None
    except (pa.ArrowException, OSError, ValueError):
        return None
    if odd or not parts:
        return None
    return [pa.chunked_array([part[j] for part in parts], pa.string()) for j in range(len(parts[0]))]


def _arrow_grid(path: Path, name: str, delimiter: str, skip_first: bool, pick_header) -> Grid | None:
    """:func:`build_grid` of a UTF-8 CSV read whole by Arrow, with the same records,
    row numbers, header choice and problems as the csv module's record-by-record
    path (tests/core/test_readers.py compares them on every file of the corpus);
    None when that path must read it."""
    import pyarrow as pa

    previous = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())  # everything read here lives in malloc's heap (_release_heap)
    try:
        return _arrow_grid_of(_arrow_columns(path, delimiter, skip_first), name, delimiter, pick_header)
    finally:
        pa.set_memory_pool(previous)
        _release_heap()


def _arrow_grid_of(cols, name: str, delimiter: str, pick_header) -> Grid | None:
    """:func:`_arrow_grid` of the file's trimmed columns (None: the csv module reads it)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from .headers import HEADER_SCAN_ROWS

    if cols is None:
        return None
    n = len(cols[0])
    number0 = 1  # records are numbered from 1, as the csv module does (a "sep=" line not among them)
    blank = np.ones(n, dtype=bool)
    for c in cols:
        blank &= c.is_null().to_numpy(zero_copy_only=False)
    filled = np.flatnonzero(~blank)
    if not len(filled):
        raise ReadError(Problem(name, None, None, None, "file is empty"))

    def rows(start: int, stop: int) -> list[list]:
        """Stripped cells (None for empty) of records start..stop-1."""
        return [list(r) for r in zip(*(c.slice(start, stop - start).to_pylist() for c in cols))]

    problems: list[Problem] = []
    # a quoted cell holding lines that look like rows (a quote never closed): as the record-by-record path
    # (which looks for them among the trimmed cells of records over several lines)
    multiline = np.zeros(n, dtype=bool)
    for c in cols:
        multiline |= pc.fill_null(pc.match_substring(c, "\n"), False).to_numpy(zero_copy_only=False)
    first_cells = rows(filled[0], filled[0] + 1)[0]
    spanning = pa.array(np.flatnonzero(multiline & (np.arange(n) > filled[0])), type=pa.int64())
    for k, cells in zip(spanning.to_pylist(), zip(*(c.take(spanning).to_pylist() for c in cols))):
        swallowed = _swallowed_rows(name, number0 + k, first_cells, list(cells), delimiter)
        if swallowed:
            problems.append(swallowed)
    # the header among the first HEADER_SCAN_ROWS non-blank records
    last_scanned = filled[min(HEADER_SCAN_ROWS, len(filled)) - 1]
    scanned = rows(filled[0], last_scanned + 1)
    candidates = [(number0 + int(k), scanned[k - filled[0]]) for k in filled[filled <= last_scanned].tolist()]
    i, n_header, headers = (pick_header or first_nonblank)(candidates)
    header_rows = [number for number, _ in candidates[i:i + n_header]]
    above: list[Problem] = []
    for number, cells in candidates[:i]:
        text = " | ".join(c for c in cells if c)
        above.append(Problem(name, number, None, text, f"above the header (row {header_rows[0]}): "
                             "a title or note, not a route; skipped", "skipped"))
    # the data: non-blank records after the header; blank ones between them are rejected rows
    region = np.arange(n) > header_rows[-1] - number0
    data_at = np.flatnonzero(region & ~blank)
    gaps = np.flatnonzero(region & blank)
    if len(data_at):
        gaps = gaps[gaps < data_at[-1]]
    else:
        gaps = gaps[:0]
    blank_rows = [Problem(name, number0 + int(k), None, None, "blank row", "rejected") for k in gaps.tolist()]
    rows_read = len(data_at) + len(gaps)
    width = max(len(headers), len(cols) if len(data_at) else 0)
    if len(data_at) and data_at[-1] - data_at[0] + 1 == len(data_at):  # one run of rows: no copy
        pick = lambda c: c.slice(int(data_at[0]), len(data_at))  # noqa: E731
    else:
        take = pa.array(data_at, type=pa.int64())
        pick = lambda c: c.take(take)  # noqa: E731
    data = pd.DataFrame({j: pd.arrays.ArrowStringArray(pick(cols[j]) if j < len(cols)
                                                       else pa.nulls(len(data_at), pa.string()))
                         for j in range(width)}, columns=[*range(width)])
    data["source_row"] = (number0 + data_at).astype(np.int64)
    grid = _finish_grid(name, "csv", list(headers), data, above + blank_rows, rows_read, header_rows)
    grid.problems += problems
    return grid


def _release_heap() -> None:
    """Hand the memory of the raw batches, freed but kept by the C allocator, back to the
    system (glibc's malloc_trim; elsewhere nothing): a million-row export is read with a
    transient peak of twice its size, which the rest of the load would otherwise sit on."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _swallowed_rows(name: str, number: int, headers: list, cells: list, delimiter: str) -> Problem | None:
    """A warning when a quoted cell of record ``number`` holds lines that look like
    rows of the file (a quote mark never closed swallows the rows after it)."""
    enough = max(2, (len(headers) - 1) // 2)
    for pos, cell in enumerate(cells):
        if cell and "\n" in cell:
            lines = cell.split("\n")[1:]
            rows = sum(ln.count(delimiter) >= enough for ln in lines)
            if rows:
                column = (headers[pos] if pos < len(headers) else None) or f"(column {column_letter(pos)})"
                return Problem(name, number, column, cell,
                               f"this cell runs over {len(lines) + 1} lines, {rows} of which look like rows of "
                               "the file: a quote mark (\") is probably never closed, so those lines were read "
                               "into this cell instead of as rows. Check the file", "warning")
    return None


def _warn_replacements(grid: Grid, name: str) -> None:
    """Warn about rows holding U+FFFD, the mark of bytes that could not be decoded."""
    cells = grid.data.drop(columns="source_row")
    if cells.empty:
        return
    hit = cells.apply(lambda col: col.str.contains("\ufffd", regex=False)).fillna(False).any(axis=1)
    bad = grid.data.loc[hit.to_numpy(dtype=bool), "source_row"].tolist()
    if bad:
        grid.problems.append(Problem(
            name, bad[0] if len(bad) == 1 else None, None, None,
            f"some characters could not be decoded and were replaced by '\ufffd' in rows {rows_text(bad)}: "
            "save the file as UTF-8 and load it again", "warning"))


# --------------------------------------------------------------------------- XLSX
def _check_zip(path: Path) -> None:
    """Refuse broken archives and zip bombs before openpyxl unpacks anything."""
    name = path.name
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ReadError(Problem(name, None, None, None, f"not a valid XLSX file (broken or truncated zip: {exc})"))
    total = sum(i.file_size for i in infos)
    if total > MAX_UNZIPPED_BYTES:
        raise ReadError(Problem(name, None, None, None,
                                f"refused: the XLSX unpacks to {total / 1024 ** 2:,.0f} MB (limit "
                                f"{MAX_UNZIPPED_BYTES / 1024 ** 2:,.0f} MB); save it as CSV instead"))
    for info in infos:
        if info.file_size > MIN_RATIO_CHECK_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ReadError(Problem(name, None, None, None,
                                    f"refused: part '{info.filename}' of the XLSX is compressed more than "
                                    f"{MAX_RATIO}:1 (a possible zip bomb); save it as CSV instead"))
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        hint = " (it looks like an OpenDocument .ods file)" if "content.xml" in names else ""
        raise ReadError(Problem(name, None, None, None,
                                f"not a valid XLSX file{hint}: save it as .xlsx or CSV"))


def cell_text(value) -> str | None:
    """Text of a cached cell value: dates ISO, integral numbers without '.0'."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip(_TRIM) or None


def read_xlsx_grid(path: Path, sheet: str | int | None = None, pick_header=None) -> Grid:
    """Read one sheet of an XLSX into a Grid: by name (case-insensitive) or 0-based
    index; with none given, the sheet whose header best matches (``pick_header.score``
    over its first rows), the first on ties."""
    import openpyxl

    name = path.name
    _check_zip(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for damaged parts
            raise ReadError(Problem(name, None, None, None, f"not a valid XLSX file ({type(exc).__name__}: {exc})"))
        try:
            names = wb.sheetnames
            note = ""
            if isinstance(sheet, str) and sheet.strip().isdigit() and sheet not in names:
                sheet = int(sheet.strip())
            if sheet is None:
                ws = wb.worksheets[0] if wb.worksheets else None
                if len(wb.worksheets) > 1 and hasattr(pick_header, "score"):
                    scores = []
                    for w in wb.worksheets:
                        if getattr(w, "sheet_state", "visible") != "visible" and len(scores):
                            scores.append(-1.0)
                            continue
                        w.reset_dimensions()
                        head = [(k, [cell_text(v) for v in values])
                                for k, values in enumerate(w.iter_rows(max_row=60, values_only=True), start=1)]
                        scores.append(pick_header.score([(k, c) for k, c in head if any(c)]))
                    best = max(range(len(scores)), key=lambda k: (scores[k], -k))
                    ws = wb.worksheets[best]
                    if best:
                        note = (f"read sheet {names[best]!r}: its header matches the export fields best "
                                f"(the workbook has {', '.join(repr(n) for n in names)}; give Sheet to choose)")
            elif isinstance(sheet, int):
                ws = wb.worksheets[sheet] if 0 <= sheet < len(wb.worksheets) else None
            else:
                folded = {fold(n): n for n in names}
                ws = wb[sheet] if sheet in names else (wb[folded[fold(sheet)]] if fold(sheet) in folded else None)
            if ws is None:
                raise ReadError(Problem(name, None, None, None,
                                        f"sheet {sheet!r} not found; the workbook has: "
                                        + (", ".join(repr(n) for n in names) or "no sheets")))
            ws.reset_dimensions()   # stored dimensions are often wrong; read what is there

            def rows() -> Iterator[tuple[int, list]]:
                number = 0
                try:
                    for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
                        yield number, [cell_text(v) for v in values]
                except ReadError:
                    raise
                except Exception as exc:
                    raise ReadError(Problem(name, number + 1, None, None,
                                            f"not a valid XLSX file ({type(exc).__name__}: {exc})"))

            try:
                grid = build_grid(rows(), name, "xlsx", pick_header)
                grid.sheet, grid.sheet_note = ws.title, note
                return grid
            except ReadError as exc:
                if sheet is None and len(names) > 1 and exc.problem.reason == "file is empty":
                    raise ReadError(Problem(name, None, None, None,
                                            f"the first sheet {names[0]!r} is empty; the workbook has: "
                                            + ", ".join(repr(n) for n in names) + ". Give the sheet to read "
                                            "(Sheet parameter, or 'sheet' in the profile)")) from None
                raise
        finally:
            wb.close()
