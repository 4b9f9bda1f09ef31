"""The one small-count suppression rule.

Every algorithm and export that publishes counts calls :func:`suppress`.
A count below the threshold is never published: it is blanked (set to
missing) or the whole row is dropped / merged into an "other" row, as the
caller chooses. A threshold of 0 turns suppression off.
"""
from __future__ import annotations

from typing import Iterable, Sequence

import pandas as pd

DEFAULT_THRESHOLD = 5

#: What :func:`suppress` does with a row whose key count is below the threshold.
BLANK, DROP, MERGE = "blank", "drop", "merge"
MODES = (BLANK, DROP, MERGE)

OTHER_LABEL = "other (suppressed)"


def is_suppressed(value, threshold: int = DEFAULT_THRESHOLD) -> bool:
    """True when ``value`` is a count that must not be published."""
    if threshold <= 0 or value is None or pd.isna(value):
        return False
    return 0 < float(value) < threshold


def suppress(
    table: pd.DataFrame,
    count_columns: Sequence[str],
    threshold: int = DEFAULT_THRESHOLD,
    mode: str = BLANK,
    key_column: str | None = None,
    label_columns: Iterable[str] = (),
) -> pd.DataFrame:
    """Apply the small-count rule to ``table`` and return a new table.

    ``count_columns`` are the published counts. ``key_column`` (default: the
    first count column) decides whether a whole row is small.

    - ``blank``: every count cell below the threshold becomes missing
      (other cells of the row are kept); with ``key_column`` given, a row
      whose key count is small has all its counts blanked (a large weight or
      case count must not reveal a small group).
    - ``drop``: rows whose key count is below the threshold are removed;
      remaining small cells are blanked.
    - ``merge``: small rows are summed into one row labelled
      :data:`OTHER_LABEL` in ``label_columns``; if the merged row is itself
      below the threshold it is dropped. Remaining small cells are blanked.

    A suppressed table carries the attribute ``attrs["suppressed_rows"]``
    (rows dropped or merged) and ``attrs["suppress_below"]``.
    """
    if mode not in MODES:
        raise ValueError(f"suppression mode must be one of {MODES}, not {mode!r}")
    count_columns = [c for c in count_columns if c in table.columns]
    out = table.copy()
    out.attrs["suppress_below"] = int(threshold)
    out.attrs["suppressed_rows"] = 0
    if threshold <= 0 or not count_columns or out.empty:
        return out
    key = key_column or count_columns[0]
    if mode in (DROP, MERGE) and key in out.columns:
        keyvals = pd.to_numeric(out[key], errors="coerce")
        small = (keyvals > 0) & (keyvals < threshold)
        small_rows = out[small]
        out = out[~small]
        out.attrs["suppressed_rows"] = int(small.sum())
        if mode == MERGE and len(small_rows):
            merged = {c: pd.to_numeric(small_rows[c], errors="coerce").sum(min_count=1) for c in count_columns}
            if not is_suppressed(merged.get(key), threshold):
                row = {c: None for c in out.columns}
                row.update(merged)
                for c in label_columns:
                    row[c] = OTHER_LABEL
                other = pd.DataFrame([row])
                # geometry and other non-label columns stay empty for the "other" row
                out = pd.concat([out, other.astype(out.dtypes.to_dict(), errors="ignore")], ignore_index=True)
        out.attrs["suppress_below"] = int(threshold)
        out.attrs["suppressed_rows"] = int(small.sum())
    row_small = None
    if key_column is not None and key in out.columns:  # a small key count hides the whole row's counts
        keyvals = pd.to_numeric(out[key], errors="coerce")
        row_small = ((keyvals > 0) & (keyvals < threshold)).fillna(False).to_numpy(dtype=bool)
    for c in count_columns:
        vals = pd.to_numeric(out[c], errors="coerce")
        mask = ((vals > 0) & (vals < threshold)).fillna(False).to_numpy(dtype=bool)
        if row_small is not None:
            mask = mask | row_small
        if mask.any():
            out[c] = vals.astype("Float64").mask(mask)
    return out


def check_no_small_counts(table: pd.DataFrame, count_columns: Iterable[str], threshold: int) -> list[str]:
    """Return a description of every published count below ``threshold``
    (empty when the table is clean). Used by tests and by the export guard."""
    found = []
    if threshold <= 0:
        return found
    for c in count_columns:
        if c not in table.columns:
            continue
        vals = pd.to_numeric(table[c], errors="coerce")
        bad = vals[(vals > 0) & (vals < threshold)]
        found += [f"{c}[{i}]={v}" for i, v in bad.items()]
    return found
