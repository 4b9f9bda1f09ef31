"""Small table helpers shared by the counting modules (flows, crossings, summary)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import RoutesError


class MissingFieldError(RoutesError, ValueError):
    """An input layer lacks a field the computation needs."""


def require_columns(table: pd.DataFrame, columns, what: str) -> None:
    """Raise :class:`MissingFieldError` naming the fields ``table`` (the ``what`` layer) lacks."""
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise MissingFieldError(f"the {what} layer lacks the field(s) {', '.join(map(str, missing))}; "
                                f"available: {', '.join(map(str, table.columns))}")


def blank(values: pd.Series) -> pd.Series:
    """True where a text field is missing or empty."""
    return values.isna() | (values.astype(str).str.strip() == "")


def case_sums(df: pd.DataFrame, keys) -> pd.DataFrame:
    """routes, cases_low (sum of known) and cases_high (missing when any route
    of the group has no upper bound) per group of distinct-route rows."""
    low, high = (pd.to_numeric(df[c], errors="coerce") for c in ("cases_low", "cases_high"))
    g = pd.DataFrame({"low": low, "high": high}).groupby([df[k] for k in keys], sort=False)
    out = pd.DataFrame({"routes": g.size(), "cases_low": g["low"].sum(min_count=1),
                        "cases_high": g["high"].sum(min_count=1), "_known": g["high"].count()})
    out.loc[out["_known"] < out["routes"], "cases_high"] = np.nan
    out = out.drop(columns="_known")
    for c in ("cases_low", "cases_high"):
        out[c] = out[c].round().astype("Int64")
    return out


def cell_items(values: pd.Series):
    """Codes of ``values`` (factorised cells) and their categories, one row per
    (code, category); cells are ``"; "``-joined codes, numbers are one value."""
    if pd.api.types.is_float_dtype(values) and (values.dropna() % 1 == 0).all():
        values = values.astype("Int64")
    codes, uniques = pd.factorize(values)
    items = pd.Series(pd.Index(uniques).astype(str), name="category").str.split(";").explode().str.strip()
    items = items[items != ""]
    table = pd.DataFrame({"cell": items.index.to_numpy(), "category": items.to_numpy()}).drop_duplicates()
    return codes, table
