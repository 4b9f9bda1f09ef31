"""Build the output layers (GeoDataFrames, EPSG:4326) from :class:`Journeys`.

The schema of every layer is documented in ``docs/layers.md``; this module is
its only producer. Vectorised throughout (shapely 2 array functions).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import categories as cat
from .geodesy import haversine_km
from .routes import IDENTIFYING, Journeys

CRS = "EPSG:4326"
ROUTE_ATTRS = ("cases_low", "cases_high", "year", *cat.CATEGORY_FIELDS)


def _route_attrs(journeys: Journeys) -> list[str]:
    extra = [c for c in (*IDENTIFYING, "reports") if c in journeys.routes.columns]  # reports: core/dedupe.py
    return ["route_id", *ROUTE_ATTRS, *extra]


def route_points(journeys: Journeys) -> gpd.GeoDataFrame:
    s = journeys.stops
    attrs = journeys.routes[_route_attrs(journeys)]
    df = s.drop(columns=["column", "lat", "lon"]).merge(attrs, on="route_id", how="left")
    geom = shapely.points(s["lon"].to_numpy(float), s["lat"].to_numpy(float))
    return gpd.GeoDataFrame(df, geometry=geom, crs=CRS)


MODES = ("air", "road", "sea", "rail", "foot")
#: a leg of a route that flew, at least this long, is a flight
AIR_MIN_KM = 1500.0
NEIGHBOURS_FILE = Path(__file__).resolve().parents[1] / "data" / "gazetteer" / "neighbours.csv"


@lru_cache(maxsize=1)
def neighbours() -> frozenset[tuple[str, str]]:
    """Pairs of ISO3 codes (both orders) whose countries share a land border
    (Natural Earth polygons, ``scripts/build_gazetteer.py``)."""
    df = pd.read_csv(NEIGHBOURS_FILE, keep_default_na=False)
    return frozenset(zip(df.a, df.b)) | frozenset(zip(df.b, df.a))


def leg_modes(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(mode, mode_source) per leg from the route's modes and airlines and the
    geography (rules in docs/layers.md). ``df`` has transport_modes, airlines,
    from/to_precision, from/to_country and length_km."""
    n = len(df)
    mode = np.full(n, "unknown", dtype=object)
    source = np.full(n, "unknown", dtype=object)
    if not n:
        return mode, source
    cells = df["transport_modes"].astype(object).where(df["transport_modes"].notna(), "") \
        if "transport_modes" in df else pd.Series("", index=df.index)
    codes, cell_values = pd.factorize(cells)  # each distinct cell once
    known = [[m for m in cat.split_cell(c) if m in MODES] for c in cell_values]
    surfaces = [[m for m in ms if m != "air"] for ms in known]

    def per_leg(values, dtype=object):
        return np.array(values, dtype=dtype)[codes]

    airline = df["airlines"].notna().to_numpy() if "airlines" in df else np.zeros(n, bool)
    flew = per_leg(["air" in ms for ms in known], bool) | airline
    single = per_leg([len(ms) for ms in known], np.int64) == 1
    a_air = (df["from_precision"] == "airport").to_numpy()
    b_air = (df["to_precision"] == "airport").to_numpy()
    fc, tc = df["from_country"].astype(str).to_numpy(), df["to_country"].astype(str).to_numpy()
    pairs = neighbours()
    abroad = np.array([a != b and (a, b) not in pairs for a, b in zip(fc, tc)], dtype=bool)
    long = df["length_km"].to_numpy(float) >= AIR_MIN_KM
    none_given = per_leg([len(ms) for ms in known], np.int64) == 0
    # 1. one mode given for the route: every leg
    first = per_leg([ms[0] if ms else "unknown" for ms in known])
    mode[single], source[single] = first[single], "given"
    # 2. airport to airport, or an airport end on a route that flew: air
    air = ~single & ((a_air & b_air) | ((a_air | b_air) & (flew | (none_given & (fc != tc)))))
    # 3. a route that flew, between countries without a common land border, or a long leg: air
    air |= ~single & flew & (abroad | long)
    mode[air], source[air] = "air", "inferred"
    # 4. the other legs of a route with one surface mode take it
    one_surface = per_leg([len(ms) for ms in surfaces], np.int64) == 1
    rest = ~single & ~air & one_surface
    mode[rest] = per_leg([ms[0] if ms else "unknown" for ms in surfaces])[rest]
    source[rest] = "inferred"
    # 5. between countries without a common land border, on a route that went by sea: sea
    sea = ~single & ~air & ~rest & abroad & per_leg(["sea" in ms for ms in surfaces], bool)
    mode[sea], source[sea] = "sea", "inferred"
    return mode, source


def route_legs(journeys: Journeys) -> tuple[gpd.GeoDataFrame, int]:
    """One line per consecutive pair of stops. Returns (legs, zero_length_skipped)."""
    s = journeys.stops
    rid = s["route_id"].to_numpy(dtype=object)
    first = np.flatnonzero(rid[1:] == rid[:-1]) if len(s) else np.array([], dtype=np.int64)  # stop i, i + 1
    keys = s["place_key"].to_numpy(dtype=object)
    same = keys[first] == keys[first + 1]
    first = first[~same]
    a, b = s.iloc[first].reset_index(drop=True), s.iloc[first + 1].reset_index(drop=True)
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
    ps = journeys.problems
    rows = [p.row for p in ps]
    df = pd.DataFrame({"source_file": [p.file for p in ps], "source_row": pd.array(rows, dtype="Int64"),
                       "route_id": [mapped.get(r) for r in rows], "column": [p.column for p in ps],
                       "value": [None if p.value is None else str(p.value)[:1000] for p in ps],
                       "reason": [p.reason for p in ps], "suggestions": [getattr(p, "suggestions", "") or "" for p in ps],
                       "severity": [p.severity for p in ps]})  # column by column: no dict per problem
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
