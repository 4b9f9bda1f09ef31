"""Shared types of the readers: problems, the fatal read error and the raw table."""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..errors import RoutesError

#: canonical fields of a route, in output order
CANONICAL_FIELDS = (
    "route_id", "year", "date_reported",
    "origin", "origin_country", "transit", "destination", "destination_country",
    "exploitation_place", "exploitation_country", "cases",
    "exploitation_types", "industry", "transport_modes", "airlines", "recruitment_methods",
    "reporting_org", "notes",
)
#: fields that place a route; a table without any of them cannot be mapped
PLACE_FIELDS = (
    "origin", "origin_country", "transit", "destination", "destination_country",
    "exploitation_place", "exploitation_country",
)
#: columns the readers add themselves
ROW_COLUMNS = ("source_row", "source_rows")

#: longest cell value / reason kept in a problem (a 10 MB cell must not flood logs and layers)
MAX_VALUE_TEXT, MAX_REASON_TEXT = 500, 4000


def clip(text, limit: int):
    """``text`` without its middle when longer than ``limit``, saying how long it was
    (non-text unchanged): the start and the end of a message stay readable."""
    if not isinstance(text, str) or len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]} … ({len(text):,} characters) … {text[-half:]}"


@dataclass
class Problem:
    """One thing wrong with the input, located as precisely as known.

    ``severity`` is ``error`` (the whole file is unusable), ``rejected`` (the
    row is not a usable route) or ``warning`` (the row or file is used).
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    reason: str
    severity: str = "rejected"
    suggestions: str = ""  # e.g. best gazetteer candidates, "; "-joined

    def __post_init__(self):
        self.value, self.reason = clip(self.value, MAX_VALUE_TEXT), clip(self.reason, MAX_REASON_TEXT)

    def __str__(self) -> str:
        where = [self.file or "input"]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.reason}"


class ReadError(RoutesError):
    """A file-level, fatal problem; ``str()`` names the file (and row/column when known)."""

    def __init__(self, problem: Problem):
        problem.severity = "error"
        self.problem = problem
        super().__init__(str(problem))


@dataclass
class RawTable:
    """A file read into canonical columns, every cell text (stripped) or ``pd.NA``.

    ``frame`` has ``source_row`` (the row a person sees: header = row 1), the
    canonical fields found, then the unmapped input columns under the names in
    ``unmapped`` (identifying by default: never written unless opted in).
    Formats that build one route from several input rows add ``source_rows``
    ("2; 3; 5"). ``rows_read`` counts the file's data rows, so that
    rows in = mapped rows + rejected rows can be checked.
    """

    frame: pd.DataFrame
    source_file: str
    fmt: str
    column_map: dict[str, str]
    unmapped: list[str]
    problems: list[Problem] = field(default_factory=list)
    rows_read: int = 0
    header_rows: list[int] = field(default_factory=lambda: [1])  # the header's row(s) in the file
    sheet: str | None = None       # the XLSX sheet read
    notices: list[str] = field(default_factory=list)   # how the file was read (sheet, header row)
    alerts: list[str] = field(default_factory=list)    # warnings for the top of the log
    match_kinds: dict[str, str] = field(default_factory=dict)  # field -> how its header matched

    @property
    def skipped(self) -> list[Problem]:
        """Rows that are not data: titles above the header, notes below the data."""
        return [p for p in self.problems if p.severity == "skipped"]


def rows_text(rows: list[int], limit: int = 20) -> str:
    """'2, 5, 9' or '2, 5, … (and 40 more)' for messages."""
    shown = ", ".join(str(r) for r in rows[:limit])
    return shown + (f" … (and {len(rows) - limit} more)" if len(rows) > limit else "")
