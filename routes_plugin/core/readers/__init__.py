"""Readers of route exports: tracker CSV/XLSX (per a column profile), HTCDS and CTDC.

``read_export(path)`` returns a :class:`RawTable` whose cells are text (or
``pd.NA``) under canonical field names, never evaluated or converted to
numbers; the parser validates them. File-level failures raise
:class:`ReadError` naming the file (and row/column where known).
"""
from __future__ import annotations

from pathlib import Path

from . import ctdc, htcds
from .base import CANONICAL_FIELDS, PLACE_FIELDS, Problem, RawTable, ReadError
from .grid import read_csv_grid, read_xlsx_grid, sniff_kind
from .headers import HeaderPicker
from .profile import bundled_profiles, load_profile
from .tracker import table_from_grid

FORMATS = ("auto", "csv", "xlsx", "htcds", "ctdc", "ctdc_vp")

__all__ = ["CANONICAL_FIELDS", "PLACE_FIELDS", "FORMATS", "Problem", "RawTable", "ReadError",
           "bundled_profiles", "load_profile", "read_export"]


def read_export(path, profile=None, sheet=None, fmt: str = "auto", encoding: str | None = None,
                uncertain: str = "stop") -> RawTable:
    """Read one export file into canonical columns.

    ``profile``: a profile dict, bundled name or JSON path (None: default).
    ``sheet``: XLSX sheet name or 0-based index (None: the profile's, else the first).
    ``fmt``: 'auto' (from the file's bytes and headers) or one of FORMATS to force it.
    ``encoding``: CSV text encoding (None: detected).
    ``uncertain``: a column that only probably is a field: ``"stop"`` (ReadError
    naming it) or ``"map"`` (mapped, with a warning). See ``headers.py``.

    The header is the best-matching row among the first 30 (rows above it are
    ``skipped`` problems); without ``sheet``, the best-matching sheet is read.
    """
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(FORMATS)}")
    path = Path(path)
    file = path.name
    if path.is_dir():
        raise ReadError(Problem(file, None, None, None, "is a folder, not a file"))
    kind = sniff_kind(path)
    prof = load_profile(profile)
    picker = HeaderPicker(prof, extra_keys=htcds.HEADER_KEYS | ctdc.HEADER_KEYS)
    if kind == "xlsx":
        grid = read_xlsx_grid(path, sheet if sheet is not None else prof.get("sheet"), picker)
    else:
        grid = read_csv_grid(path, encoding, picker)
    if fmt == "auto":
        fmt = "htcds" if htcds.detect(grid) else ctdc.detect(grid) or kind
    if fmt == "htcds":
        if not htcds.detect(grid):
            raise ReadError(Problem(file, 1, None, None, "not an HTCDS events file: no 'hte_Type' column"))
        return htcds.read(grid, str(path), file)
    if fmt in ("ctdc", "ctdc_vp"):
        if ctdc.detect(grid) is None:
            raise ReadError(Problem(file, 1, None, None,
                                    "not a CTDC file: no 'CountryOfExploitation', 'citizenship' or "
                                    "'UN_COO_Region' column"))
        return ctdc.read(grid, fmt, str(path), file)
    return table_from_grid(grid, prof, str(path), file, kind, uncertain)
