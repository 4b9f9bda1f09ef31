"""Tables out to CSV or XLSX for spreadsheets, safely (QGIS-free).

Three guards apply to every table written here:

* **Formulas are neutralised.** A text cell (or header) starting with ``=``,
  ``+``, ``-``, ``@``, a tab or a carriage return could run as a formula when
  the file is opened in a spreadsheet (CSV injection). Such a cell is written
  with a leading apostrophe: ``=HYPERLINK(...)`` becomes ``'=HYPERLINK(...)``,
  ``-5`` written as *text* becomes ``'-5``. Numbers stay numbers.
* **No small count is written.** The count columns (given, or by default every
  column named ``routes*``, ``cases*``, ``count*``, ``legs*``, ``weight*`` or
  ``n_*``) are checked with :func:`suppression.check_no_small_counts`; a table
  holding a count from 1 to ``threshold - 1`` is refused and nothing is
  written. Run it through the algorithm that made it (which suppresses) first.
* **Identifying columns stay out** (``reporting_org``, ``notes``) unless the
  caller opts in for this export.

Geometries are not written (these are tables). Control characters that XLSX
cannot hold are replaced by U+FFFD.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, Sequence

import pandas as pd

from .errors import RoutesError
from .routes import IDENTIFYING
from .suppression import DEFAULT_THRESHOLD, check_no_small_counts

FORMATS = ("csv", "xlsx")
#: first characters that make a spreadsheet read a cell as a formula
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: default count columns: routes, routes_out, cases_low, count, legs, weight, n_origin ...
COUNT_NAME = re.compile(r"^(?:(?:routes|cases|count|legs|weight)(?:_|$)|n_)", re.IGNORECASE)
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class ExportError(RoutesError, ValueError):
    """The table cannot be exported as asked (small counts, unknown columns, format)."""


def neutralise(value):
    """``value`` made safe for a spreadsheet: text starting like a formula gets a leading ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def count_columns(columns: Iterable[str]) -> list[str]:
    """The columns that hold published counts, by name (see :data:`COUNT_NAME`)."""
    return [c for c in columns if COUNT_NAME.match(str(c))]


def export_table(table: pd.DataFrame, path, fmt: str | None = None, threshold: int = DEFAULT_THRESHOLD,
                 count_fields: Sequence[str] | None = None, include_identifying: bool = False) -> Path:
    """Write ``table`` to ``path`` as CSV (UTF-8 with BOM, for Excel) or XLSX.

    ``fmt``: ``"csv"`` or ``"xlsx"`` (None: from the file name). ``threshold``:
    the small-count rule (0 = off). ``count_fields``: the count columns to check
    (None: by name, :func:`count_columns`). Raises :class:`ExportError`, before
    anything is written, when a count is below the threshold.
    """
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise ExportError(f"unknown table format {fmt!r}: choose one of {', '.join(FORMATS)}")
    frame = pd.DataFrame(table).drop(columns=[c for c in table.columns
                                              if c == getattr(table, "_geometry_column_name", None)
                                              or (not include_identifying and c in IDENTIFYING)])
    counts = count_columns(frame.columns) if count_fields is None else list(count_fields)
    missing = [c for c in counts if c not in frame.columns]
    if missing:
        raise ExportError(f"count field(s) not in the table: {', '.join(missing)}")
    small = check_no_small_counts(frame, counts, threshold)
    if small:
        raise ExportError(f"refused: {len(small)} count(s) below {threshold} would be published "
                          f"({', '.join(small[:10])}{' …' if len(small) > 10 else ''}). Suppress them first "
                          "(the algorithm that made the table has 'Suppress counts below').")
    xlsx = fmt == "xlsx"

    def clean(value):
        value = neutralise(value)
        return _XLSX_ILLEGAL.sub("\ufffd", value) if xlsx and isinstance(value, str) else value

    for c in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[c]):
            frame[c] = frame[c].astype(object).map(clean)
    frame.columns = [clean(str(c)) for c in frame.columns]
    if xlsx:
        frame.to_excel(path, index=False, engine="openpyxl")
    else:
        frame.to_csv(path, index=False, encoding="utf-8-sig")
    return path

