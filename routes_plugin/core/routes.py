"""The journey model: raw export cells -> typed routes and their ordered stops.

One export row is one reported route. :func:`parse_routes` turns the reader's
table into a :class:`Journeys` value of two tables:

``routes``  one row per route that could be mapped: ``route_id``,
            ``source_row``, ``cases_low``/``cases_high``, ``year``, the
            category fields (codes joined by ``"; "``) and, only when asked
            for, the identifying fields.
``stops``   one row per stop, in order: ``route_id``, ``seq``, ``role``,
            ``input_name``, ``column`` and the resolved gazetteer place
            (``place_key``, ``place``, ``lat``, ``lon``, ``country``,
            ``country_name``, ``region``, ``county``, ``precision``).

Problems are values, not exceptions: every cell that cannot be used becomes a
:class:`~.readers.base.Problem`; severity ``rejected`` takes its row out of
the route layers, ``warning`` keeps the row. Every input row is either in
``routes`` or named by at least one ``rejected`` problem.

Work is done once per distinct cell value (cases, categories, place names),
so a million rows with a few thousand distinct places parse in seconds.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import categories as cat
from .countries import pack as default_pack
from .readers.base import Problem, RawTable

#: stop columns in route order: (role, place column, country column)
STOP_COLUMNS = (
    ("origin", "origin", "origin_country"),
    ("transit", "transit", None),
    ("destination", "destination", "destination_country"),
    ("exploitation", "exploitation_place", "exploitation_country"),
)
IDENTIFYING = ("reporting_org", "notes")
#: more transit points than this in one cell is not a route (and would flood memory)
MAX_TRANSIT_POINTS = 100
UNRESOLVED_MODES = ("reject", "country")

PLACE_COLUMNS = ("place_key", "place", "lat", "lon", "country", "country_name", "region", "county", "precision",
                 "place_sw", "country_name_sw")
_PLACE_ATTRS = ("key", "name", "lat", "lon", "country", "country_name", "region", "county", "precision",
                "name_sw", "country_name_sw")


# --------------------------------------------------------------------------- cells
#: place and country cells that mean "no value" (English and Swahili). "NA" is one of them:
#: write Namibia as "Namibia" or "NAM".
MISSING_TOKENS = {"na", "n/a", "n.a", "none", "nil", "null", "unknown", "not known", "not applicable", "-", "--",
                  "?", "hakuna", "haijulikani", "haijulikani bado"}
_PLACE_CELLS = ("origin", "origin_country", "transit", "destination", "destination_country",
                "exploitation_place", "exploitation_country")


def _is_missing_token(value) -> bool:
    text = str(value).strip().casefold()
    return text in MISSING_TOKENS or text.rstrip(".") in MISSING_TOKENS
_NUM = r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.0+)?"
_CASES_PATTERNS = (
    (re.compile(rf"^{_NUM}$"), "exact"),
    (re.compile(rf"^{_NUM}\s*(?:\+|or more|and above|na zaidi)$"), "atleast"),
    (re.compile(rf"^(?:over|more than|above|at least|>=?|zaidi ya)\s*{_NUM}$"), "atleast"),
    (re.compile(rf"^(?:about|around|approx\.?|approximately|circa|c\.|ca\.?|~|≈|takriban|karibu)\s*{_NUM}$"), "exact"),
    (re.compile(rf"^{_NUM}\s*(?:-|–|—|to|hadi|mpaka)\s*{_NUM}$"), "range"),
)
MAX_CASES = 1_000_000


def parse_cases(text) -> tuple[float, float, str | None]:
    """Estimated cases -> (low, high, problem). Missing bounds are NaN.

    "12" -> 12/12, "10+" -> 10/NaN, "about 20" -> 20/20, "5-10" -> 5/10,
    blank -> NaN/NaN. Anything else gives NaN/NaN and a reason.
    """
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return np.nan, np.nan, None
    s = re.sub(r"\s+", " ", str(text)).strip().casefold()
    if not s:
        return np.nan, np.nan, None
    for pattern, kind in _CASES_PATTERNS:
        m = pattern.match(s)
        if not m:
            continue
        nums = [int(g.replace(",", "")) for g in m.groups() if g is not None]
        if any(n > MAX_CASES for n in nums):
            return np.nan, np.nan, f"{nums[-1]} cases is implausibly large (more than {MAX_CASES:,})"
        if kind == "exact":
            return nums[0], nums[0], None
        if kind == "atleast":
            return nums[0], np.nan, None
        if nums[0] > nums[1]:
            return np.nan, np.nan, f"range {nums[0]}-{nums[1]} runs backwards"
        return nums[0], nums[1], None
    return np.nan, np.nan, "not a number of cases (expected e.g. 12, 10+, about 20, 5-10)"


def parse_year(text) -> tuple[float, str | None]:
    """A year (1900-2100) from "2019", "2019.0", "2019-05-01", "05/2019"."""
    if text is None or (not isinstance(text, str) and pd.isna(text)) or not str(text).strip():
        return np.nan, None
    years = re.findall(r"(?<!\d)(19\d\d|20\d\d|2100)(?!\d)", str(text))
    if len(set(years)) == 1:
        return int(years[0]), None
    return np.nan, "no single year between 1900 and 2100 in this cell"


def _map_unique(series: pd.Series, fn):
    """Apply ``fn`` once per distinct value; returns a dict value -> result."""
    return {v: fn(v) for v in pd.unique(series.dropna())}


# --------------------------------------------------------------------------- model
@dataclass
class Journeys:
    """Parsed routes and their resolved stops (see module docstring)."""

    routes: pd.DataFrame
    stops: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    rows_read: int = 0
    source_file: str = ""

    @property
    def rejected_rows(self) -> set[int]:
        return {p.row for p in self.problems if p.severity == "rejected" and p.row is not None}

    @property
    def mapped_rows(self) -> set[int]:
        rows = set(self.routes["source_row"].astype(int))
        if "source_rows" in self.routes.columns:
            for v in self.routes["source_rows"].dropna():
                rows.update(int(x) for x in str(v).split(";") if x.strip())
        return rows

    def accounting(self) -> dict[str, int]:
        """rows in = rows mapped + rows rejected (distinct input rows)."""
        mapped = self.mapped_rows
        return {"rows_in": self.rows_read, "rows_mapped": len(mapped),
                "rows_rejected": len(self.rejected_rows - mapped)}


def stable_route_id(row_values) -> str:
    """A route id derived from the row's content (same content, same id)."""
    text = "\x1f".join("" if pd.isna(v) else str(v).strip().casefold() for v in row_values)
    return "r-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


DEFAULT_HOME_COUNTRY = default_pack().home_country  # the default country pack's (Kenya)


def parse_routes(raw: RawTable, gazetteer, unresolved: str = "reject", include_identifying: bool = False,
                 feedback=None, home_country: str | None = DEFAULT_HOME_COUNTRY,
                 seen: dict[str, int] | None = None) -> Journeys:
    """Parse the reader's table into :class:`Journeys`.

    ``gazetteer`` is a :class:`~.gazetteer.Gazetteer`. ``unresolved``:
    ``"reject"`` sends a row with an unknown or ambiguous place to the
    rejected rows; ``"country"`` keeps such a place at country level (flagged
    ``precision='country'`` and reported as a warning) when the row names its
    country, and rejects the row otherwise. ``feedback`` may be any object
    with ``setProgress(float)`` and ``isCanceled()``.

    Transit points have no country column: they are looked up in the
    origin's country, then in ``home_country`` (the network's own country,
    Kenya by default), then anywhere; a name still matching several places
    is ambiguous.

    ``seen`` (route id -> first source row) carries route ids across chunks
    of one export: a later row with a seen id is a duplicate. It is updated.
    """
    if unresolved not in UNRESOLVED_MODES:
        raise ValueError(f"unresolved must be one of {UNRESOLVED_MODES}")
    f = raw.frame
    src = Path(raw.source_file).name  # never the user's folders
    problems: list[Problem] = list(raw.problems)

    def problem(rows, column, values, reason, severity="rejected", suggestions=""):
        for r, v in zip(rows, values):
            problems.append(Problem(src, int(r), raw.column_map.get(column, column), None if pd.isna(v) else str(v),
                                    reason, severity, suggestions=suggestions))

    def progress(p):
        if feedback is not None:
            if feedback.isCanceled():
                raise InterruptedError("cancelled")
            feedback.setProgress(p)

    rows = pd.DataFrame({"source_row": f["source_row"].astype("int64")}, index=f.index)
    if "source_rows" in f.columns:
        rows["source_rows"] = f["source_rows"]
    # --- route ids: given, else derived from content
    given = f["route_id"] if "route_id" in f.columns else pd.Series(pd.NA, index=f.index, dtype="object")
    rows["route_id"] = given.astype(object)
    missing = given.isna().to_numpy()
    if missing.any():
        content_cols = [c for c in f.columns if c not in ("source_row", "source_rows", "route_id")]
        rows.loc[missing, "route_id"] = [stable_route_id(v) for v in
                                         f.loc[missing, content_cols].itertuples(index=False, name=None)]
    rows["route_id"] = rows["route_id"].astype(str)
    seen = {} if seen is None else seen
    dup = rows["route_id"].duplicated(keep="first") | rows["route_id"].isin(seen.keys())
    first_row = {**rows.drop_duplicates("route_id").set_index("route_id")["source_row"].to_dict(), **seen}
    seen.update({k: v for k, v in first_row.items() if k not in seen})
    rejected = pd.Series(False, index=f.index)
    if dup.any():
        for i in rows.index[dup]:
            rid = rows.at[i, "route_id"]
            how = "route id" if pd.notna(given.at[i]) else "the same content (no route id)"
            problems.append(Problem(src, int(rows.at[i, "source_row"]), raw.column_map.get("route_id", "route_id"),
                                    rid, f"duplicate of row {first_row[rid]}: {how}", "rejected"))
        rejected |= dup
    progress(5)

    # --- cases and year
    if "cases" in f.columns:
        parsed = _map_unique(f["cases"], parse_cases)
        low = f["cases"].map(lambda v: parsed[v][0] if v in parsed else np.nan)
        high = f["cases"].map(lambda v: parsed[v][1] if v in parsed else np.nan)
        bad = f["cases"].map(lambda v: parsed[v][2] if v in parsed else None)
        m = bad.notna()
        for i in f.index[m]:
            problems.append(Problem(src, int(rows.at[i, "source_row"]), raw.column_map.get("cases", "cases"),
                                    str(f.at[i, "cases"])[:200], bad[i] + "; cases left blank", "warning"))
        rows["cases_low"] = pd.array(low, dtype="Int64")
        rows["cases_high"] = pd.array(high, dtype="Int64")
    else:
        rows["cases_low"] = pd.array([pd.NA] * len(f), dtype="Int64")
        rows["cases_high"] = pd.array([pd.NA] * len(f), dtype="Int64")
    year = pd.Series(np.nan, index=f.index)
    for col in ("year", "date_reported"):
        if col not in f.columns:
            continue
        parsed = _map_unique(f[col], parse_year)
        y = f[col].map(lambda v: parsed[v][0] if v in parsed else np.nan).astype(float)
        bad = f[col].map(lambda v: parsed[v][1] if v in parsed else None).notna()
        for i in f.index[bad]:
            problems.append(Problem(src, int(rows.at[i, "source_row"]), raw.column_map.get(col, col),
                                    str(f.at[i, col])[:200], parsed[f.at[i, col]][1] + "; year left blank", "warning"))
        year = year.fillna(y)
    rows["year"] = pd.array(year, dtype="Int64")

    # --- categories (codes joined by "; ")
    for col in cat.CATEGORY_FIELDS:
        if col in f.columns:
            norm = _map_unique(f[col], lambda v, c=col: cat.join(cat.normalise_categories(c, v)))
            rows[col] = f[col].map(norm).replace("", pd.NA)
        else:
            rows[col] = pd.Series(pd.NA, index=f.index, dtype="object")
    if include_identifying:
        for col in IDENTIFYING:
            if col in f.columns:
                rows[col] = f[col]
    progress(15)

    # --- stops, long format; "N/A", "unknown", "-" and the like in a place cell mean no place
    f = f.assign(**{c: f[c].mask(f[c].map(_is_missing_token, na_action="ignore").fillna(False).astype(bool))
                    for c in _PLACE_CELLS if c in f.columns})
    parts = []
    for order, (role, col, ccol) in enumerate(STOP_COLUMNS):
        if col not in f.columns and (ccol is None or ccol not in f.columns):
            continue
        names = f[col] if col in f.columns else pd.Series(pd.NA, index=f.index, dtype="object")
        hint = f[ccol] if ccol and ccol in f.columns else pd.Series(pd.NA, index=f.index, dtype="object")
        if role == "transit":
            split = _map_unique(names, lambda v: _join_countries(cat.split_cell(v), str(v), gazetteer))
            too_many = names.map(lambda v: len(split.get(v, ())) > MAX_TRANSIT_POINTS if pd.notna(v) else False)
            for i in f.index[too_many.to_numpy(dtype=bool)]:
                problems.append(Problem(src, int(rows.at[i, "source_row"]), raw.column_map.get(col, col),
                                        str(names[i]), f"{len(split[names[i]]):,} transit points in one cell "
                                        f"(more than {MAX_TRANSIT_POINTS}): not a route", "rejected"))
                rejected[i] = True
            names = names.where(~too_many)
            items = names.map(lambda v: split.get(v, []) if pd.notna(v) else [])
            long = items.explode().dropna()
            part = pd.DataFrame({"row": long.index, "input_name": long.values, "country_input": pd.NA,
                                 "column": col})
            part["sub"] = part.groupby("row").cumcount()
        else:
            has = names.notna() | hint.notna()
            part = pd.DataFrame({"row": f.index[has], "input_name": names[has].values,
                                 "country_input": hint[has].values, "column": np.where(names[has].notna(), col, ccol)})
            part["sub"] = 0
        part["role"] = role
        part["order"] = order
        parts.append(part)
    stops = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["row", "input_name", "country_input", "column", "sub", "role", "order"])
    # a route that flew (air among its modes, or an airline named) looks for airports first
    flew = rows["transport_modes"].fillna("").astype(str).str.contains(r"\bair\b", regex=True)
    if "airlines" in rows.columns:
        flew |= rows["airlines"].notna()
    stops["air"] = stops["row"].map(flew).fillna(False).astype(bool)
    # transit points have no country column: the origin's country disambiguates
    origin_country = f["origin_country"] if "origin_country" in f.columns else pd.Series(pd.NA, index=f.index)
    stops["hint"] = stops["country_input"].where(stops["country_input"].notna(),
                                                  stops["row"].map(origin_country))
    progress(25)

    # --- resolve each distinct (name, country, hint) once, then join back
    key_cols = ["input_name", "country_input", "hint", "air"]
    stops[key_cols[:3]] = stops[key_cols[:3]].astype(object).where(stops[key_cols[:3]].notna(), None)
    keys = stops[key_cols].drop_duplicates().reset_index(drop=True)
    found = []
    for k, (name, country_input, hint, air) in enumerate(keys.itertuples(index=False, name=None)):
        if k % 500 == 0:
            progress(25 + 50 * k / max(len(keys), 1))
        status, place, reason, suggestions = _resolve_stop(gazetteer, name, country_input, hint, unresolved,
                                                           home_country, bool(air))
        found.append((status, reason, suggestions,
                      *(getattr(place, a, None) if place is not None else None for a in _PLACE_ATTRS)))
    resolved = pd.concat([keys, pd.DataFrame(found, columns=["status", "reason", "suggestions", *PLACE_COLUMNS])],
                         axis=1)
    stops = stops.merge(resolved, on=key_cols, how="left", sort=False)
    progress(78)

    # --- problems from places
    srow = rows["source_row"]
    bad = stops[stops["status"] != "ok"]
    for st in bad.itertuples(index=False):
        sev = "warning" if st.status == "country" else "rejected"
        value = st.input_name if pd.notna(st.input_name) else st.country_input
        problems.append(Problem(src, int(srow[st.row]), raw.column_map.get(st.column, st.column),
                                None if pd.isna(value) else str(value), st.reason, sev,
                                suggestions=st.suggestions))
    rejected |= rows.index.isin(bad.loc[bad["status"] != "country", "row"].unique())
    kept = stops[stops["place_key"].notna()]
    no_place = ~rows.index.isin(kept["row"].unique()) & ~rejected
    for i in rows.index[no_place]:
        problems.append(Problem(src, int(srow[i]), None, None,
                                "no origin, transit, destination or exploitation place in this row", "rejected"))
    rejected |= no_place

    routes = rows[~rejected].reset_index(drop=True)
    kept = kept[~kept["row"].isin(rows.index[rejected])].sort_values(["row", "order", "sub"])
    kept = kept.assign(route_id=kept["row"].map(rows["route_id"]).astype(rows["route_id"].dtype),
                       source_row=kept["row"].map(srow))
    kept["seq"] = kept.groupby("row").cumcount()
    stops_out = kept[["route_id", "source_row", "seq", "role", "input_name", "column", *PLACE_COLUMNS]].reset_index(drop=True)
    progress(85)
    return Journeys(routes=routes, stops=stops_out, problems=problems, rows_read=raw.rows_read, source_file=src)


def _join_countries(items: list[str], cell: str, gazetteer) -> list[str]:
    """Transit items back together where a comma only named the country of the town
    before it: "Busia, Uganda; Kampala" -> ["Busia, Uganda", "Kampala"]."""
    if len(items) < 2 or "," not in cell:
        return items
    out: list[str] = []
    for item in items:
        if out and f"{out[-1]}, {item}" in cell and gazetteer.country(item) is not None \
                and gazetteer.country(out[-1]) is None:
            out[-1] = f"{out[-1]}, {item}"
        else:
            out.append(item)
    return out


def _resolve(gazetteer, name, hint, air):
    try:
        return gazetteer.resolve(name, hint, prefer_airport=air)
    except TypeError:   # a gazetteer without airports
        return gazetteer.resolve(name, hint)


def _resolve_stop(gazetteer, name, country_input, hint, unresolved, home_country=None, air=False):
    """-> (status, Place|None, reason, suggestions). Status: ok | country
    (kept at the row's country, a warning) | unknown | ambiguous | invalid."""
    hint = None if hint is None or pd.isna(hint) else str(hint)
    if name is None or pd.isna(name):  # only a country was given
        place = gazetteer.country(str(country_input))
        if place is None:
            return "unknown", None, f"'{country_input}' is not a known country", ""
        return "ok", place, "", ""
    res = _resolve(gazetteer, str(name), hint, air)
    if res.status != "ok" and (country_input is None or pd.isna(country_input)):
        # a transit point's hint is the origin's country: a preference, not a constraint
        for fallback_hint in (home_country, None):
            if fallback_hint != hint:
                again = _resolve(gazetteer, str(name), fallback_hint, air)
                if again.status == "ok":
                    res = again
                    break
    suggestions = "; ".join(res.suggestions)
    if res.status == "ok":
        return "ok", res.place, "", ""
    if unresolved == "country" and country_input is not None and not pd.isna(country_input):
        # only the row's own country column decides (never the origin's, for transit)
        fallback = gazetteer.country(str(country_input))
        if fallback is not None:
            return "country", fallback, f"{res.reason}; kept at country level ({fallback.country})", suggestions
    return res.status, None, res.reason, suggestions
