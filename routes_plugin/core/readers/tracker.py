"""The Victim-Journey-Tracker-style export: one row per route, columns per the profile."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .base import CANONICAL_FIELDS, Problem, RawTable
from .grid import Grid
from .profile import map_headers


def table_from_grid(grid: Grid, profile: dict, source_file: str, file: str, fmt: str,
                    uncertain: str = "stop") -> RawTable:
    """Rename the grid's columns to canonical fields; unmapped columns follow them."""
    from .headers import match_header

    cells, problems = repeated_headers(grid, file)
    has_data = [bool(cells[i].notna().any()) for i in range(len(grid.headers))]
    header_row = grid.header_rows[-1] if grid.header_rows else 1
    positions, column_map, unmapped, header_problems, alerts = map_headers(
        grid.headers, profile, file, has_data, header_row, uncertain)
    ordered = [f for f in CANONICAL_FIELDS if f in positions]
    frame = pd.concat(
        [cells[["source_row"]]]
        + [cells[positions[f]].rename(f) for f in ordered]
        + [cells[pos].rename(name) for name, pos in unmapped],
        axis=1)
    return RawTable(frame=frame, source_file=source_file, fmt=fmt,
                    column_map={f: column_map[f] for f in ordered},
                    unmapped=[n for n, _ in unmapped],
                    problems=header_problems[:len(alerts)] + grid.problems + problems + header_problems[len(alerts):],
                    rows_read=grid.rows_read, header_rows=list(grid.header_rows), sheet=grid.sheet,
                    notices=_notices(grid), alerts=alerts,
                    match_kinds={f: match_header(column_map[f], profile).how for f in ordered})


def _notices(grid: Grid) -> list[str]:
    out = [grid.sheet_note] if grid.sheet_note else []
    rows = grid.header_rows or [1]
    if rows != [1]:
        out.append(f"header found on row{'s' if len(rows) > 1 else ''} {' and '.join(map(str, rows))}"
                   + (" (a group row over sub-headers, read together)" if len(rows) > 1 else ""))
    skipped = [p.row for p in grid.problems if p.severity == "skipped"]
    if skipped:
        out.append(f"{len(skipped)} row(s) skipped, not data: {', '.join(map(str, skipped[:30]))}"
                   + (" …" if len(skipped) > 30 else ""))
    return out


def repeated_headers(grid: Grid, file: str) -> tuple[pd.DataFrame, list[Problem]]:
    """The data without rows that repeat the header (exports joined together), and a
    ``rejected`` problem for each such row."""
    named = [(pos, h) for pos, h in enumerate(grid.headers) if h]
    cells = grid.data
    if not named or cells.empty:
        return cells, []
    again = np.ones(len(cells), dtype=bool)
    for pos, h in named:  # column by column (a row-wise all() would make an object per cell)
        again &= cells[pos].eq(h).fillna(False).to_numpy(dtype=bool)
    if not again.any():
        return cells, []
    problems = [Problem(file, int(r), None, None, "this row repeats the header row (were files joined?): not a route")
                for r in cells.loc[again, "source_row"]]
    return cells[~again], problems
