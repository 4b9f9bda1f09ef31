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


def _per_distinct(series: pd.Series, fn) -> tuple[np.ndarray, list]:
    """``fn`` once per distinct non-missing value: (codes, results); code -1 is a missing cell."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    return codes, [fn(v) for v in uniques]


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

    The steps, in order: :func:`_route_ids`, :func:`_cases_and_year`,
    :func:`_categories`, :func:`_long_stops`, :func:`_resolve_places`,
    :func:`_place_problems`, :func:`_journeys`. Each works once per distinct
    cell value or on whole columns, never row by row in pandas.
    """
    if unresolved not in UNRESOLVED_MODES:
        raise ValueError(f"unresolved must be one of {UNRESOLVED_MODES}")

    def progress(p):
        if feedback is not None:
            if feedback.isCanceled():
                raise InterruptedError("cancelled")
            feedback.setProgress(p)

    cx = _Context(raw, Path(raw.source_file).name, list(raw.problems))  # the file name, never the user's folders
    f = raw.frame
    rows, rejected = _route_ids(cx, f, {} if seen is None else seen)
    progress(5)
    _cases_and_year(cx, f, rows)
    _categories(f, rows, include_identifying)
    progress(15)
    stops = _long_stops(cx, f, rows, rejected, gazetteer)
    progress(25)
    stops = _resolve_places(stops, gazetteer, unresolved, home_country, lambda share: progress(25 + 50 * share))
    progress(78)
    kept = _place_problems(cx, rows, stops, rejected)
    routes, stops_out = _journeys(rows, kept, rejected)
    progress(85)
    return Journeys(routes=routes, stops=stops_out, problems=cx.problems, rows_read=raw.rows_read, source_file=cx.src)


@dataclass
class _Context:
    """What every step of :func:`parse_routes` reports problems with."""

    raw: RawTable
    src: str
    problems: list[Problem]

    def header(self, column):
        return self.raw.column_map.get(column, column)

    def add(self, source_rows, column, values, reasons, severity):
        """One problem per row; ``values`` and ``reasons`` are lists as long as ``source_rows``."""
        header = self.header(column) if column is not None else None
        self.problems.extend(Problem(self.src, int(r), header, v, why, severity)
                             for r, v, why in zip(source_rows, values, reasons))


def _route_ids(cx: _Context, f: pd.DataFrame, seen: dict[str, int]) -> tuple[pd.DataFrame, np.ndarray]:
    """Route ids (given, else derived from the row's content) and duplicates
    (within the chunk and of ``seen``, which is updated) -> (rows, rejected)."""
    rows = pd.DataFrame({"source_row": f["source_row"].astype("int64")}, index=f.index)
    if "source_rows" in f.columns:
        rows["source_rows"] = f["source_rows"]
    given = f["route_id"] if "route_id" in f.columns else pd.Series(pd.NA, index=f.index, dtype="object")
    rows["route_id"] = given.astype(object)
    missing = given.isna().to_numpy()
    if missing.any():
        content_cols = [c for c in f.columns if c not in ("source_row", "source_rows", "route_id")]
        rows.loc[missing, "route_id"] = [stable_route_id(v) for v in
                                         f.loc[missing, content_cols].itertuples(index=False, name=None)]
    rows["route_id"] = rows["route_id"].astype(str)
    ids, source_rows = rows["route_id"].tolist(), rows["source_row"].tolist()
    dup = rows["route_id"].duplicated(keep="first").to_numpy() | np.fromiter((rid in seen for rid in ids), bool,
                                                                             len(ids))
    for rid, r in zip(ids, source_rows):  # only this chunk's ids: seen holds every earlier chunk's
        seen.setdefault(rid, r)
    first_row = seen  # the first row of every id, this chunk's included
    if dup.any():
        had_id = given.notna().to_numpy()[dup]
        dup_ids = [ids[i] for i in np.flatnonzero(dup)]
        cx.add(rows["source_row"].to_numpy()[dup], "route_id", dup_ids,
               [f"duplicate of row {first_row[rid]}: " + ("route id" if has else "the same content (no route id)")
                for rid, has in zip(dup_ids, had_id)], "rejected")
    return rows, dup.copy()


def _cases_and_year(cx: _Context, f: pd.DataFrame, rows: pd.DataFrame) -> None:
    """``cases_low``/``cases_high`` and ``year`` of every row; a cell that is
    not a number of cases or a year is left blank with a warning."""
    srow = rows["source_row"].to_numpy()
    if "cases" in f.columns:
        codes, parsed = _per_distinct(f["cases"], parse_cases)
        low = np.array([p[0] for p in parsed] + [np.nan], dtype=float)[codes]
        high = np.array([p[1] for p in parsed] + [np.nan], dtype=float)[codes]
        bad = np.array([p[2] for p in parsed] + [None], dtype=object)[codes]
        m = pd.notna(bad)
        cells = f["cases"].to_numpy(dtype=object)[m]
        cx.add(srow[m], "cases", [str(v)[:200] for v in cells], [why + "; cases left blank" for why in bad[m]],
               "warning")
        rows["cases_low"] = pd.array(low, dtype="Int64")
        rows["cases_high"] = pd.array(high, dtype="Int64")
    else:
        rows["cases_low"] = pd.array([pd.NA] * len(f), dtype="Int64")
        rows["cases_high"] = pd.array([pd.NA] * len(f), dtype="Int64")
    year = np.full(len(f), np.nan)
    for col in ("year", "date_reported"):
        if col not in f.columns:
            continue
        codes, parsed = _per_distinct(f[col], parse_year)
        y = np.array([p[0] for p in parsed] + [np.nan], dtype=float)[codes]
        bad = np.array([p[1] for p in parsed] + [None], dtype=object)[codes]
        m = pd.notna(bad)
        cells = f[col].to_numpy(dtype=object)[m]
        cx.add(srow[m], col, [str(v)[:200] for v in cells], [why + "; year left blank" for why in bad[m]], "warning")
        year = np.where(np.isnan(year), y, year)
    rows["year"] = pd.array(year, dtype="Int64")


def _categories(f: pd.DataFrame, rows: pd.DataFrame, include_identifying: bool) -> None:
    """The category fields as codes joined by "; " (and the identifying fields when asked for)."""
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


def _without_missing_tokens(f: pd.DataFrame) -> pd.DataFrame:
    """"N/A", "unknown", "-" and the like in a place cell mean no place (tested once per distinct cell)."""
    out = {}
    for c in _PLACE_CELLS:
        if c in f.columns:
            values = pd.unique(f[c].dropna())
            tokens = [v for v in values if _is_missing_token(v)]
            if tokens:
                out[c] = f[c].mask(f[c].isin(tokens).fillna(False).astype(bool))
    return f.assign(**out) if out else f


def _transit_part(cx: _Context, names: pd.Series, col: str, srow: np.ndarray, rejected: np.ndarray,
                  gazetteer) -> pd.DataFrame:
    """The transit cell split into its points, one row each (``sub`` = position in the cell)."""
    codes, split = _per_distinct(names, lambda v: _join_countries(cat.split_cell(v), str(v), gazetteer))
    sizes = np.array([len(s) for s in split] + [0], dtype=np.int64)[codes]
    too_many = sizes > MAX_TRANSIT_POINTS
    if too_many.any():
        cells = names.to_numpy(dtype=object)[too_many]
        cx.add(srow[too_many], col, [str(v) for v in cells],
               [f"{n:,} transit points in one cell (more than {MAX_TRANSIT_POINTS}): not a route"
                for n in sizes[too_many]], "rejected")
        rejected |= too_many
        sizes = np.where(too_many, 0, sizes)
    index = names.index.to_numpy()
    long = pd.Series(np.array([x for c, n in zip(codes, sizes) if n for x in split[c]], dtype=object),
                     index=np.repeat(index, sizes), dtype=object)
    part = pd.DataFrame({"row": long.index, "input_name": long.values, "country_input": pd.NA, "column": col})
    starts = np.cumsum(sizes) - sizes
    part["sub"] = np.arange(len(part), dtype=np.int64) - np.repeat(starts, sizes)
    return part


def _long_stops(cx: _Context, f: pd.DataFrame, rows: pd.DataFrame, rejected: np.ndarray, gazetteer) -> pd.DataFrame:
    """The stops in long format (``row`` = the row's index label, ``order`` =
    the column's place in :data:`STOP_COLUMNS`, ``sub``), with the ``air``
    flag of the route and the country ``hint`` each is looked up with."""
    f = _without_missing_tokens(f)
    srow = rows["source_row"].to_numpy()
    parts = []
    for order, (role, col, ccol) in enumerate(STOP_COLUMNS):
        if col not in f.columns and (ccol is None or ccol not in f.columns):
            continue
        names = f[col] if col in f.columns else pd.Series(pd.NA, index=f.index, dtype="object")
        hint = f[ccol] if ccol and ccol in f.columns else pd.Series(pd.NA, index=f.index, dtype="object")
        if role == "transit":
            part = _transit_part(cx, names, col, srow, rejected, gazetteer)
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
    return stops


def _resolve_places(stops: pd.DataFrame, gazetteer, unresolved: str, home_country, progress) -> pd.DataFrame:
    """Each distinct (name, country, hint, air) resolved once, joined back:
    adds ``status``, ``reason``, ``suggestions`` and :data:`PLACE_COLUMNS`."""
    key_cols = ["input_name", "country_input", "hint", "air"]
    stops[key_cols[:3]] = stops[key_cols[:3]].astype(object).where(stops[key_cols[:3]].notna(), None)
    code = np.zeros(len(stops), dtype=np.int64)  # one code per distinct key (blank = blank), in order of first use
    for c in key_cols:
        part, values = pd.factorize(stops[c], use_na_sentinel=False)
        code = pd.factorize(code * len(values) + part)[0]
    first = np.unique(code, return_index=True)[1]  # codes are numbered in order of first use
    keys = stops[key_cols].iloc[first].reset_index(drop=True)
    found = []
    for k, (name, country_input, hint, air) in enumerate(keys.itertuples(index=False, name=None)):
        if k % 500 == 0:
            progress(k / max(len(keys), 1))
        status, place, reason, suggestions = _resolve_stop(gazetteer, name, country_input, hint, unresolved,
                                                           home_country, bool(air))
        found.append((status, reason, suggestions,
                      *(getattr(place, a, None) if place is not None else None for a in _PLACE_ATTRS)))
    resolved = pd.DataFrame(found, columns=["status", "reason", "suggestions", *PLACE_COLUMNS])
    out = stops.reset_index(drop=True)
    for c in resolved.columns:  # each stop takes its key's row (a merge on four object columns, without one)
        out[c] = resolved[c].array.take(code)
    return out


def _place_problems(cx: _Context, rows: pd.DataFrame, stops: pd.DataFrame, rejected: np.ndarray) -> pd.DataFrame:
    """Problems of places that could not be used (a warning for a place kept at
    country level), and of rows left without any place; updates ``rejected``.
    Returns the stops that have a place."""
    srow = rows["source_row"]
    bad = stops[stops["status"] != "ok"]
    if len(bad):
        values = bad["input_name"].where(bad["input_name"].notna(), bad["country_input"]).tolist()
        sources = bad["row"].map(srow).to_numpy()
        for r, column, value, reason, status, suggestions in zip(sources, bad["column"].tolist(), values,
                                                                 bad["reason"].tolist(), bad["status"].tolist(),
                                                                 bad["suggestions"].tolist()):
            cx.problems.append(Problem(cx.src, int(r), cx.header(column), None if pd.isna(value) else str(value),
                                       reason, "warning" if status == "country" else "rejected",
                                       suggestions=suggestions))
    rejected |= rows.index.isin(bad.loc[bad["status"] != "country", "row"].unique())
    kept = stops[stops["place_key"].notna()]
    no_place = ~rows.index.isin(kept["row"].unique()) & ~rejected
    cx.add(srow.to_numpy()[no_place], None, [None] * int(no_place.sum()),
           ["no origin, transit, destination or exploitation place in this row"] * int(no_place.sum()), "rejected")
    rejected |= no_place
    return kept


def _journeys(rows: pd.DataFrame, kept: pd.DataFrame, rejected: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The routes not rejected, and their stops in order with ``seq``."""
    routes = rows[~rejected].reset_index(drop=True)
    kept = kept[~kept["row"].isin(rows.index[rejected])].sort_values(["row", "order", "sub"])
    kept = kept.assign(route_id=kept["row"].map(rows["route_id"]).astype(rows["route_id"].dtype),
                       source_row=kept["row"].map(rows["source_row"]))
    kept["seq"] = kept.groupby("row").cumcount()
    return routes, kept[["route_id", "source_row", "seq", "role", "input_name", "column",
                         *PLACE_COLUMNS]].reset_index(drop=True)


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
