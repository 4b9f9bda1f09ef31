"""The loader's path as it was before issue 17 (per-row parsing, per-route
dedupe, pyogrio writes with the R-tree built by GDAL afterwards): the
reference that tests/core/test_load_equivalence.py compares the fast path
with. Kept here only, never in the plugin. Helpers whose code did not change
(the per-cell parsers, the gazetteer, leg modes) are imported from the plugin.
"""
from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from trafficking_routes.routes_plugin.core import categories as cat
from trafficking_routes.routes_plugin.core.dedupe import ORG_COLUMN, _org
from trafficking_routes.routes_plugin.core.gazetteer import Gazetteer
from trafficking_routes.routes_plugin.core.geodesy import haversine_km
from trafficking_routes.routes_plugin.core.layers import CRS, ROUTE_ATTRS, leg_modes
from trafficking_routes.routes_plugin.core.loader import _chunks
from trafficking_routes.routes_plugin.core.publication import generalise_coordinates, tag_working_data
from trafficking_routes.routes_plugin.core.readers import read_export
from trafficking_routes.routes_plugin.core.readers.base import Problem, RawTable
from trafficking_routes.routes_plugin.core.routes import (
    _PLACE_ATTRS, _PLACE_CELLS, IDENTIFYING, MAX_TRANSIT_POINTS, PLACE_COLUMNS, STOP_COLUMNS, UNRESOLVED_MODES,
    Journeys, _is_missing_token, _join_countries, _resolve_stop, parse_cases, parse_year, stable_route_id)


# ----------------------------------------------------------------- routes.py
def _map_unique(series: pd.Series, fn):
    """Apply ``fn`` once per distinct value; returns a dict value -> result."""
    return {v: fn(v) for v in pd.unique(series.dropna())}


def parse_routes(raw: RawTable, gazetteer, unresolved: str = "reject", include_identifying: bool = False,
                 feedback=None, home_country: str | None = "KEN",
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


# ----------------------------------------------------------------- dedupe.py
class DedupeState:
    """Groups seen so far in one load: signature -> {organisation: [kept route ids ...]}."""

    def __init__(self):
        self.groups: dict = {}
        self.kept_rows: dict = {}  #: route id -> its source row
        self.merged = 0


def signatures(routes: pd.DataFrame, stops: pd.DataFrame) -> pd.Series:
    """The duplicate signature of each route (index of ``routes``)."""
    order = stops.sort_values(["route_id", "seq"], kind="stable") if "seq" in stops.columns else stops
    seq = order.groupby("route_id", sort=False)["place_key"].agg(lambda s: "→".join(map(str, s)))
    year = routes["year"] if "year" in routes.columns else pd.Series(np.nan, index=routes.index)
    year = pd.to_numeric(year, errors="coerce")
    types = routes["exploitation_types"] if "exploitation_types" in routes.columns else pd.Series("", index=routes.index)
    types = types.fillna("").astype(str).map(lambda t: ";".join(sorted({x.strip() for x in t.split(";") if x.strip()})))
    stops_of = routes["route_id"].map(seq).fillna("")
    return stops_of + "|" + year.map(lambda y: "" if pd.isna(y) else str(int(y))) + "|" + types


def merge_duplicates(journeys, raw_frame: pd.DataFrame | None, state: DedupeState | None = None):
    """``journeys`` with duplicates across organisations folded (see the module
    docstring); routes gain ``reports``. ``raw_frame``: the reader's rows (with
    ``source_row`` and the organisation column); without an organisation
    column nothing is merged."""
    routes, stops = journeys.routes, journeys.stops
    routes = routes.copy()
    routes["reports"] = np.ones(len(routes), dtype="int64")
    if raw_frame is None or ORG_COLUMN not in raw_frame.columns or routes.empty:
        journeys.routes = routes
        return journeys
    state = state if state is not None else DedupeState()
    org_of = dict(zip(pd.to_numeric(raw_frame["source_row"], errors="coerce"), raw_frame[ORG_COLUMN]))
    orgs = routes["source_row"].map(org_of).map(_org)
    sig = signatures(routes, stops)
    src = Path(journeys.source_file).name if journeys.source_file else ""
    drop = np.zeros(len(routes), bool)
    pos = {rid: i for i, rid in enumerate(routes["route_id"])}
    rows_of = {i: _rows(routes.iloc[i]) for i in range(len(routes))}
    low = pd.to_numeric(routes["cases_low"], errors="coerce").to_numpy(float).copy()
    high = pd.to_numeric(routes["cases_high"], errors="coerce").to_numpy(float).copy()
    reports = routes["reports"].to_numpy().copy()
    problems = []
    for i, (s, org) in enumerate(zip(sig.to_numpy(), orgs.to_numpy())):
        if org is None or pd.isna(org):  # no organisation: never merged
            continue
        g = state.groups.setdefault(s, {"kept": [], "by_org": {}})
        mine = g["by_org"].setdefault(org, 0)
        g["by_org"][org] = mine + 1
        if mine < len(g["kept"]):  # another organisation already reported this route: fold into it
            target = g["kept"][mine]
            drop[i] = True
            state.merged += 1
            j = pos.get(target)
            kept_row = state.kept_rows.get(target)
            here = j is not None and not drop[j]
            if here:
                reports[j] += 1
                rows_of[j] = rows_of[j] + rows_of[i]
                low[j] = np.nanmax([low[j], low[i]]) if not (np.isnan(low[j]) and np.isnan(low[i])) else np.nan
                high[j] = np.nan if np.isnan(high[j]) or np.isnan(high[i]) else max(high[j], high[i])
            # kept in an earlier chunk (already written): the row is listed as rejected, never lost
            problems.append(Problem(src, int(routes["source_row"].iloc[i]), ORG_COLUMN, None,
                                    f"same route (stops, year, exploitation types) as row {kept_row}, reported by "
                                    "another organisation: counted once", "warning" if here else "rejected"))
        else:
            g["kept"].append(routes["route_id"].iloc[i])
            state.kept_rows[routes["route_id"].iloc[i]] = int(routes["source_row"].iloc[i])
    routes["reports"] = reports
    routes["cases_low"] = pd.array(np.where(np.isnan(low), np.nan, low)).astype(routes["cases_low"].dtype) \
        if str(routes["cases_low"].dtype) != "object" else low
    routes["cases_high"] = pd.array(np.where(np.isnan(high), np.nan, high)).astype(routes["cases_high"].dtype) \
        if str(routes["cases_high"].dtype) != "object" else high
    routes["source_rows"] = ["; ".join(map(str, rows_of[i])) for i in range(len(routes))]
    keep = ~drop
    journeys.routes = routes[keep].reset_index(drop=True)
    journeys.stops = stops[stops["route_id"].isin(set(journeys.routes["route_id"]))].reset_index(drop=True)
    journeys.problems = [*journeys.problems, *problems]
    return journeys


def _rows(route) -> list[int]:
    if "source_rows" in route.index and pd.notna(route["source_rows"]) and str(route["source_rows"]).strip():
        return [int(x) for x in str(route["source_rows"]).split(";") if x.strip()]
    return [int(route["source_row"])]


# ----------------------------------------------------------------- layers.py
def _route_attrs(journeys: Journeys) -> list[str]:
    extra = [c for c in (*IDENTIFYING, "reports") if c in journeys.routes.columns]  # reports: core/dedupe.py
    return ["route_id", *ROUTE_ATTRS, *extra]


def route_points(journeys: Journeys) -> gpd.GeoDataFrame:
    s = journeys.stops
    attrs = journeys.routes[_route_attrs(journeys)]
    df = s.drop(columns=["column", "lat", "lon"]).merge(attrs, on="route_id", how="left")
    geom = shapely.points(s["lon"].to_numpy(float), s["lat"].to_numpy(float))
    return gpd.GeoDataFrame(df, geometry=geom, crs=CRS)


def route_legs(journeys: Journeys) -> tuple[gpd.GeoDataFrame, int]:
    """One line per consecutive pair of stops. Returns (legs, zero_length_skipped)."""
    s = journeys.stops
    nxt = s.shift(-1)
    pair = (nxt["route_id"] == s["route_id"]).to_numpy()
    a, b = s[pair].reset_index(drop=True), nxt[pair].reset_index(drop=True)
    same = (a["place_key"] == b["place_key"]).to_numpy()
    a, b = a[~same].reset_index(drop=True), b[~same].reset_index(drop=True)
    df = pd.DataFrame({"route_id": a["route_id"], "source_row": a["source_row"].astype("int64")})
    df["leg_seq"] = df.groupby("route_id").cumcount()
    df["from_seq"], df["to_seq"] = a["seq"].astype("int64"), b["seq"].astype("int64")
    for c in ("role", "place", "key", "county", "region", "country", "precision"):
        src = "place_key" if c == "key" else c
        df[f"from_{c}"] = a[src].values if src in a else None
        df[f"to_{c}"] = b[src].values if src in b else None
    df["crosses_border"] = (df["from_country"] != df["to_country"]).to_numpy()
    df["length_km"] = np.round(haversine_km(a["lon"].to_numpy(float), a["lat"].to_numpy(float),
                                            b["lon"].to_numpy(float), b["lat"].to_numpy(float)), 3)
    df = df.merge(journeys.routes[_route_attrs(journeys)], on="route_id", how="left")
    mode, source = leg_modes(df)
    pos = df.columns.get_loc("length_km") + 1
    df.insert(pos, "mode", mode)
    df.insert(pos + 1, "mode_source", source)
    coords = np.stack([a[["lon", "lat"]].to_numpy(float), b[["lon", "lat"]].to_numpy(float)], axis=1)
    geom = shapely.linestrings(coords) if len(coords) else []
    return gpd.GeoDataFrame(df, geometry=geom, crs=CRS), int(same.sum())


def route_lines(journeys: Journeys, legs: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    s = journeys.stops
    r = journeys.routes
    g = s.groupby("route_id", sort=False)
    first, last = g.head(1).set_index("route_id"), s.drop_duplicates("route_id", keep="last").set_index("route_id")
    # final = place of exploitation if given, else intended destination, else the last stop
    ranked = s.assign(rank=s["role"].map({"exploitation": 0, "destination": 1}).fillna(2))
    final = ranked.sort_values(["rank", "seq"], ascending=[True, False], kind="stable").drop_duplicates("route_id").set_index("route_id")
    final = final.reindex(last.index).fillna(last) if len(final) else last
    df = pd.DataFrame({"route_id": r["route_id"], "source_row": r["source_row"].astype("int64")})
    if "source_rows" in r.columns:
        df["source_rows"] = r["source_rows"]
    df["n_stops"] = df["route_id"].map(g.size()).fillna(0).astype("int64")
    for prefix, frame in (("origin", first), ("final", final)):
        for c in ("place", "key", "county", "region", "country", "lat", "lon"):
            src = "place_key" if c == "key" else c
            df[f"{prefix}_{c}"] = df["route_id"].map(frame[src])
    borders = legs.groupby("route_id")["crosses_border"].sum() if len(legs) else pd.Series(dtype="int64")
    df["n_borders"] = df["route_id"].map(borders).fillna(0).astype("int64")
    df["crosses_border"] = df["n_borders"] > 0
    for c in _route_attrs(journeys)[1:]:
        df[c] = r[c].values
    # geometry: all stops in order; a route with one stop has none
    multi = s[s["route_id"].map(g.size()) >= 2]
    geom = np.full(len(df), None, dtype=object)
    if len(multi):
        idx = pd.factorize(multi["route_id"])[0]
        lines = shapely.linestrings(multi[["lon", "lat"]].to_numpy(float), indices=idx)
        pos = pd.Series(np.arange(len(df)), index=df["route_id"])
        geom[pos[pd.unique(multi["route_id"])].to_numpy()] = lines
    return gpd.GeoDataFrame(df, geometry=geom, crs=CRS)


PLACE_INFO = ["place", "precision", "county", "region", "country", "country_name", "lat", "lon"]
PLACE_COUNTS = [f"n_{r}" for r in cat.ROLE_ORDER] + ["routes", "cases_low", "cases_high", "high_unknown"]


def place_counts(journeys: Journeys) -> pd.DataFrame:
    """Per place: who it is and its counts; partial tables of several chunks
    add up (see :func:`places`)."""
    s = journeys.stops
    if s.empty:
        return pd.DataFrame(columns=["place_key", *PLACE_INFO, *PLACE_COUNTS]).set_index("place_key")
    info = s.drop_duplicates("place_key").set_index("place_key").reindex(columns=PLACE_INFO)
    counts = pd.crosstab(s["place_key"], s["role"]).reindex(columns=list(cat.ROLE_ORDER), fill_value=0)
    counts.columns = [f"n_{c}" for c in counts.columns]
    per_route = s.drop_duplicates(["place_key", "route_id"]).merge(
        journeys.routes[["route_id", "cases_low", "cases_high"]], on="route_id", how="left")
    agg = per_route.assign(high_unknown=per_route["cases_high"].isna()).groupby("place_key").agg(
        routes=("route_id", "size"), cases_low=("cases_low", "sum"), cases_high=("cases_high", "sum"),
        high_unknown=("high_unknown", "sum"))
    return info.join(counts).join(agg)


def places(partials) -> gpd.GeoDataFrame:
    """The places layer from one or more :func:`place_counts` tables.
    ``cases_high`` is missing where any route through the place has no upper bound."""
    parts = [p for p in partials if len(p)]
    if not parts:
        cols = ["place_key", *PLACE_INFO[:-2], *PLACE_COUNTS[:-1]]
        return gpd.GeoDataFrame(columns=cols, geometry=[], crs=CRS)
    both = pd.concat(parts)
    info = both.reindex(columns=PLACE_INFO).groupby(level=0).first()
    counts = both[PLACE_COUNTS].astype("float64").groupby(level=0).sum()
    df = info.join(counts).reset_index()
    for c in PLACE_COUNTS:
        df[c] = df[c].astype("int64")
    df["cases_high"] = df["cases_high"].astype("Int64").mask(df.pop("high_unknown") > 0)
    geom = shapely.points(df.pop("lon").to_numpy(float), df.pop("lat").to_numpy(float))
    return gpd.GeoDataFrame(df, geometry=geom, crs=CRS)


def rejected_rows(journeys: Journeys) -> pd.DataFrame:
    mapped = dict(zip(journeys.routes["source_row"], journeys.routes["route_id"]))
    recs = [{"source_file": p.file, "source_row": p.row, "route_id": mapped.get(p.row),
             "column": p.column, "value": None if p.value is None else str(p.value)[:1000], "reason": p.reason,
             "suggestions": getattr(p, "suggestions", "") or "", "severity": p.severity}
            for p in journeys.problems]
    df = pd.DataFrame(recs, columns=["source_file", "source_row", "route_id", "column", "value", "reason",
                                     "suggestions", "severity"])
    df["source_row"] = df["source_row"].astype("Int64")
    text = ["source_file", "route_id", "column", "value", "reason", "suggestions", "severity"]
    return df.astype({c: "str" for c in text})


def build_layers(journeys: Journeys) -> tuple[dict[str, pd.DataFrame], dict[str, int]]:
    """All output layers of one (chunk of an) export, and its counts.
    ``places`` is left as its partial counts (``place_counts``): chunks add up."""
    legs, zero = route_legs(journeys)
    layers = {
        "route_points": route_points(journeys),
        "route_legs": legs,
        "route_lines": route_lines(journeys, legs),
        "place_counts": place_counts(journeys),
        "rejected_rows": rejected_rows(journeys),
    }
    report = {name: len(df) for name, df in layers.items() if name != "place_counts"}
    report["zero_length_legs_skipped"] = zero
    report["warnings"] = int((layers["rejected_rows"]["severity"] == "warning").sum())
    return layers, report


# ----------------------------------------------------------------- store.py
def _plain(df: pd.DataFrame) -> pd.DataFrame:
    """pyogrio writes numpy dtypes; nullable extension columns become float/object."""
    out = df.copy()
    for c in out.columns:
        dt = out[c].dtype
        if isinstance(dt, pd.Int64Dtype) or str(dt) in ("Int64", "Int32"):
            out[c] = out[c].astype("float64") if out[c].isna().any() else out[c].astype("int64")
        elif isinstance(dt, pd.BooleanDtype):
            out[c] = out[c].astype("object")
        elif isinstance(dt, pd.StringDtype) or str(dt) == "str":
            out[c] = out[c].astype("object")
    return out




def _default_type(name: str) -> str:
    return "Point" if name in ("route_points", "places") else "LineString"


class ReferenceWriter:
    """The old GeoPackageWriter's writes (pyogrio, chunk by chunk, R-tree by GDAL
    at the end), straight into a new file."""

    def __init__(self, path):
        self.path = Path(path)
        self.written: list[str] = []
        self.spatial: set[str] = set()

    def write(self, name: str, df: pd.DataFrame) -> None:
        append = name in self.written
        plain = _plain(df)
        opts = {} if append else {"layer_options": {"OVERWRITE": "YES", "SPATIAL_INDEX": "NO"}}
        if isinstance(df, gpd.GeoDataFrame):
            self.spatial.add(name)
            types = set(df.geometry.geom_type.dropna().unique())
            gtype = types.pop() if len(types) == 1 else _default_type(name)
            pyogrio.write_dataframe(plain, self.path, layer=name, driver="GPKG", append=append, use_arrow=False,
                                    geometry_type=gtype, promote_to_multi=False, **opts)
        else:
            pyogrio.write_dataframe(plain, self.path, layer=name, driver="GPKG", append=append, use_arrow=False,
                                    **opts)
        if not append:
            self.written.append(name)

    def commit(self) -> None:
        from osgeo import ogr

        ogr.UseExceptions()
        ds = ogr.Open(str(self.path), update=1)
        for name in sorted(self.spatial):
            ds.ReleaseResultSet(ds.ExecuteSQL(f"SELECT CreateSpatialIndex('{name}', 'geom')"))
        ds = None


ROW_LAYERS = ("route_points", "route_legs", "route_lines")


def load_export(path, output=None, overrides=None, unresolved="reject", include_identifying=False,
                home_country="KEN", chunk_rows=25_000):
    """The old loader's loop: -> (layers kept in memory, counts); with ``output`` the
    row layers go to the GeoPackage ``output`` (which must not exist) instead."""
    raw = read_export(path)
    gaz = Gazetteer.load(overrides=overrides)
    writer = ReferenceWriter(output) if output else None
    seen: dict[str, int] = {}
    duplicates = DedupeState()
    kept: dict[str, list] = {}
    counts: dict[str, int] = {}
    mapped, rejected = set(), set()
    for chunk in _chunks(raw, chunk_rows):
        journeys = parse_routes(chunk, gaz, unresolved=unresolved, include_identifying=include_identifying,
                                home_country=home_country, seen=seen)
        journeys.stops = generalise_coordinates(journeys.stops, gaz)
        journeys = merge_duplicates(journeys, chunk.frame, duplicates)
        layers, report = build_layers(journeys)
        mapped |= journeys.mapped_rows
        rejected |= journeys.rejected_rows
        for k, v in report.items():
            counts[k] = counts.get(k, 0) + v
        for name, df in layers.items():
            if writer is not None and name in ROW_LAYERS:
                writer.write(name, df)
            else:
                kept.setdefault(name, []).append(df)
    out = {name: pd.concat(parts, ignore_index=True) for name, parts in kept.items() if name != "place_counts"}
    out["places"] = places(kept.get("place_counts", []))
    if writer is not None:
        writer.write("places", out["places"])
        writer.write("rejected_rows", out["rejected_rows"])
        writer.commit()
        tag_working_data(output)
    counts.update(rows_in=raw.rows_read, rows_mapped=len(mapped), rows_rejected=len(rejected - mapped),
                  places=len(out["places"]), duplicates_merged=duplicates.merged)
    return out, counts
