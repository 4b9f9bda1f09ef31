"""Where route legs cross international borders (QGIS-free).

For every leg whose two ends lie in different countries:

1. if a named transit stop of the leg lies within ``snap_km`` of the other
   country (i.e. of the border), the crossing is that place — Busia, Malaba,
   Namanga, Isebania, Moyale …; the nearer end wins when both qualify;
2. otherwise the crossing is where the straight leg leaves its from-country
   polygon (QGIS's world_map.gpkg ``countries``), at the exit point nearest
   the to-country, when that point lies on the two countries' common border
   (within ``snap_km`` of the to-country). A straight leg that leaves its
   country into a third one (Kisumu to Juba leaves Kenya into Uganda, at
   Busia) does not say where it crossed: it is listed as skipped, never drawn
   as a Kenya–South Sudan crossing at Busia. Border points of the same
   country pair within ``snap_km`` of each other form one crossing.

Crossings with the same name and country pair are one crossing (Busia in
Kenya and Busia in Uganda), placed at the member used by most routes.
Counts are distinct routes, legs and cases (summed once per route, as in
:mod:`flows`), with the three most frequent transport modes, and go through
:func:`suppression.suppress`.

Legs carry a transport mode (``route_legs.mode``, docs/layers.md): an air or
sea leg never makes a land-border crossing, nor does a leg between two
countries without a common land border (all are
listed as skipped; a road leg between countries without a common border
crossed some third country, where is unknown: skipped too). Air legs instead give rows of ``kind`` ``airport``: the
departure and arrival airports (``air_town`` when the leg ends at a town whose
airport is not named), with routes departing and arriving, and their airlines.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from . import categories as cat
from .flows import CRS, line_ends, unwrap_to
from .suppression import DEFAULT_THRESHOLD, DROP, MERGE, OTHER_LABEL, primary_entry, suppress
from .errors import ResourceError
from .geodesy import EARTH_RADIUS_KM, haversine_km
from .tables import blank, case_sums, cell_items, require_columns

SNAP_KM = 25.0
NO_COORDINATES, UNKNOWN_COUNTRY = "missing coordinates", "country not in the border map"
AIR_LEG, SEA_LEG = "air leg: no land crossing", "sea leg: no land crossing"
NO_LAND_BORDER = "the two countries share no land border: where the leg crossed borders is unknown"
THIRD_COUNTRY = ("the straight leg leaves its country into a third country, not where the two countries meet: "
                 "where the leg crossed borders is unknown")
REQUIRED = ("route_id", "from_country", "to_country", "from_place", "to_place")


@dataclass
class CrossingResult:
    crossings: gpd.GeoDataFrame
    legs: pd.DataFrame          # one row per crossing leg: its crossing and point
    skipped: pd.DataFrame
    report: dict = field(default_factory=dict)
    #: what was withheld, one entry per table (suppression.disclosure_entry's format; core/publication.py's log)
    disclosure: list = field(default_factory=list)


@lru_cache(maxsize=2)
def load_countries(path) -> gpd.GeoSeries:
    """Country polygons of QGIS's world_map.gpkg at ``path`` (found by the caller)
    indexed by ISO_A3 (cached; don't modify)."""
    c = pyogrio.read_dataframe(path, layer="countries", columns=["ISO_A3"])
    c = c[c["ISO_A3"] != "-99"].dissolve("ISO_A3")
    return c.geometry


def _distance_km(points, polygons) -> np.ndarray:
    """Great-circle km from each point to the nearest point of its polygon."""
    c = shapely.get_coordinates(shapely.shortest_line(points, polygons)).reshape(-1, 4)
    return haversine_km(c[:, 0], c[:, 1], c[:, 2], c[:, 3])


def _border_point(line, home, other):
    """Where ``line`` leaves ``home``: the exit point nearest ``other``
    (nearest point of the home boundary to the line when they don't meet)."""
    boundary = shapely.boundary(home)
    hits = shapely.get_coordinates(shapely.intersection(line, boundary))
    if len(hits) == 0:
        return shapely.get_coordinates(shapely.shortest_line(boundary, line))[0]
    return hits[np.argmin(shapely.distance(shapely.points(hits), other))]


def locate_crossings(legs: gpd.GeoDataFrame, countries: gpd.GeoSeries | None = None,
                     snap_km: float = SNAP_KM) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Crossing of every border-crossing leg: ``(located, skipped)``.

    ``located`` has the leg's route_id, source_row, leg_seq, the two
    countries, ``kind`` (``place``/``border``), ``name``, ``place_key``,
    ``x``, ``y`` and the leg's cases and transport_modes. Geometry work runs
    once per distinct leg."""
    require_columns(legs, REQUIRED, "route_legs")
    if countries is None:
        raise ResourceError("Border crossings need the country polygons of QGIS's world_map.gpkg "
                            "(load_countries(path)); none were given.")
    fc, tc = legs["from_country"].astype(object), legs["to_country"].astype(object)
    crossing = ~blank(fc) & ~blank(tc) & (fc != tc)
    X = legs[crossing.to_numpy()]
    ends = line_ends(X.geometry.values)
    cols = {c: X[c].to_numpy() if c in X else None for c in
            ("route_id", "source_row", "leg_seq", "from_country", "to_country", "from_place", "to_place",
             "from_key", "to_key", "from_role", "to_role", "cases_low", "cases_high", "transport_modes")}
    X = pd.DataFrame(cols).assign(x0=ends[:, 0], y0=ends[:, 1], x1=ends[:, 2], y1=ends[:, 3])
    no_xy = np.isnan(ends).any(axis=1)
    unknown = ~X["from_country"].isin(countries.index) | ~X["to_country"].isin(countries.index)
    reason = np.select([no_xy, unknown.to_numpy()], [NO_COORDINATES, UNKNOWN_COUNTRY], None)
    skipped = X.loc[reason != None, ["route_id", "source_row", "leg_seq"]].assign(reason=reason[reason != None])  # noqa: E711
    X = X[reason == None].reset_index(drop=True)  # noqa: E711

    geo = ["from_country", "to_country", "from_place", "to_place", "from_key", "to_key",
           "from_role", "to_role", "x0", "y0", "x1", "y1"]
    uid = X[geo].astype(str).agg("\x1f".join, axis=1) if len(X) else pd.Series([], dtype=str)
    X["uid"] = pd.factorize(uid)[0]
    U = X.drop_duplicates("uid").set_index("uid")
    home, other = countries.reindex(U["from_country"]).to_numpy(), countries.reindex(U["to_country"]).to_numpy()
    # 1. a named transit stop near the border
    dist = np.full((len(U), 2), np.inf)
    for j, (x, y, poly, role, place) in enumerate((("x0", "y0", other, "from_role", "from_place"),
                                                   ("x1", "y1", home, "to_role", "to_place"))):
        eligible = ~blank(U[place].astype(object)).to_numpy()
        if U[role].notna().any():
            eligible &= (U[role] == "transit").to_numpy()
        if eligible.any():
            pts = shapely.points(U[x].to_numpy()[eligible], U[y].to_numpy()[eligible])
            dist[eligible, j] = _distance_km(pts, poly[eligible])
    end = dist.argmin(axis=1)
    snapped = dist.min(axis=1) <= snap_km
    U["kind"] = np.where(snapped, "place", "border")
    U["name"] = np.where(snapped, np.where(end == 0, U["from_place"], U["to_place"]), None)
    U["place_key"] = np.where(snapped, np.where(end == 0, U["from_key"], U["to_key"]), None)
    U["x"] = np.where(end == 0, U["x0"], U["x1"])
    U["y"] = np.where(end == 0, U["y0"], U["y1"])
    # 2. the point where the leg leaves its country
    lines = shapely.linestrings(np.stack([U[["x0", "y0"]].to_numpy(float),
                                          np.column_stack([unwrap_to(U["x0"], U["x1"]), U["y1"]])], axis=1)) \
        if len(U) else np.array([], dtype=object)
    border = np.flatnonzero(~snapped)
    for i in border:
        U.iloc[i, U.columns.get_indexer(["x", "y"])] = _border_point(lines[i], home[i], other[i])
    U["x"] = U["x"] - 360.0 * np.sign(U["x"]) * (np.abs(U["x"]) > 180.0)  # back from unwrapped
    third = np.zeros(len(U), dtype=bool)
    if len(border):  # the exit point must be where the two countries meet
        third[border] = _distance_km(shapely.points(U["x"].to_numpy()[border], U["y"].to_numpy()[border]),
                                     other[border]) > snap_km
    located = X.drop(columns=["x0", "y0", "x1", "y1"]).join(U[["kind", "name", "place_key", "x", "y"]], on="uid")
    off = third[X["uid"].to_numpy()] if len(X) else np.zeros(0, dtype=bool)
    skipped = pd.concat([skipped, located.loc[off, ["route_id", "source_row", "leg_seq"]].assign(reason=THIRD_COUNTRY)],
                        ignore_index=True)
    return located[~off].drop(columns="uid"), skipped.reset_index(drop=True)


def _by_mode(legs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(legs that may cross a land border, skipped legs with a reason, air legs).
    Legs without a ``mode`` column (older layers) are all land legs."""
    empty = pd.DataFrame(columns=["route_id", "source_row", "leg_seq", "reason"])
    if "mode" not in legs.columns:
        return legs, empty, legs.iloc[:0]
    from .layers import neighbours

    mode = legs["mode"].astype(object).fillna("unknown").to_numpy()
    fc, tc = legs["from_country"].astype(str).to_numpy(), legs["to_country"].astype(str).to_numpy()
    pairs = neighbours()
    abroad = np.array([a != b and (a, b) not in pairs for a, b in zip(fc, tc)], dtype=bool)
    reason = np.select([mode == "air", mode == "sea", abroad],
                       [AIR_LEG, SEA_LEG, NO_LAND_BORDER], "")
    crossing = fc != tc
    off = (reason != "") & crossing
    skipped = legs.loc[off, ["route_id", "source_row", "leg_seq"]].assign(reason=reason[off])
    return legs[(reason == "") | ~crossing], skipped.reset_index(drop=True), legs[mode == "air"]


def airports(air: pd.DataFrame, threshold: int = DEFAULT_THRESHOLD, suppress_mode: str = DROP) -> pd.DataFrame:
    """Departure and arrival points of air legs: one row per airport (``kind`` airport) or
    town reached by air (``air_town``) with distinct routes, legs, departures, arrivals,
    cases and the most frequent airlines; suppressed like the crossings."""
    cols = ["crossing_id", "name", "kind", "place_key", "country_a", "country_b", "countries", "routes", "legs",
            "cases_low", "cases_high", "top_modes", "departures", "arrivals", "airlines", "x", "y"]
    if not len(air):
        return pd.DataFrame(columns=cols)
    ends = line_ends(air.geometry.values) if hasattr(air, "geometry") else np.full((len(air), 4), np.nan)
    parts = []
    for side, (xi, yi), direction in (("from", (0, 1), "departure"), ("to", (2, 3), "arrival")):
        parts.append(pd.DataFrame({
            "route_id": air["route_id"].to_numpy(), "name": air[f"{side}_place"].to_numpy(),
            "place_key": air[f"{side}_key"].to_numpy(), "country": air[f"{side}_country"].to_numpy(),
            "precision": air[f"{side}_precision"].to_numpy() if f"{side}_precision" in air else None,
            "x": ends[:, xi], "y": ends[:, yi], "direction": direction,
            "cases_low": air["cases_low"].to_numpy() if "cases_low" in air else np.nan,
            "cases_high": air["cases_high"].to_numpy() if "cases_high" in air else np.nan,
            "airlines": air["airlines"].to_numpy() if "airlines" in air else None}))
    E = pd.concat(parts, ignore_index=True).dropna(subset=["place_key"])
    R = E.drop_duplicates(["place_key", "route_id"])
    table = case_sums(R, ["place_key"])
    table["legs"] = E.groupby("place_key").size()
    for direction, col in (("departure", "departures"), ("arrival", "arrivals")):
        table[col] = E[E["direction"] == direction].drop_duplicates(["place_key", "route_id"]) \
            .groupby("place_key").size().reindex(table.index).fillna(0).astype("int64")
    first = E.drop_duplicates("place_key").set_index("place_key")
    for c in ("name", "x", "y"):
        table[c] = first[c]
    table["kind"] = np.where(first["precision"] == "airport", "airport", "air_town")
    table["country_a"], table["country_b"] = first["country"], first["country"]
    table["countries"] = first["country"]
    r2 = R.assign(crossing_id=R["place_key"], transport_modes=R["airlines"])
    table["airlines"] = _top_modes(r2, threshold).reindex(table.index) if R["airlines"].notna().any() else None
    table["top_modes"] = "air"
    table = table.reset_index()
    table["crossing_id"] = -(np.arange(len(table)) + 1)     # negative ids: not land crossings
    count_cols = ["routes", "legs", "cases_low", "cases_high", "departures", "arrivals"]
    published = suppress(table[cols], count_cols, threshold, suppress_mode, key_column="routes",
                         label_columns=("name", "countries"))
    other = published["name"] == OTHER_LABEL
    published.loc[other, ["airlines", "place_key"]] = None
    published.loc[other, "kind"] = "airport"
    published["crossing_id"] = published["crossing_id"].astype("int64")
    published.attrs["raw"] = table[cols]
    return published


def _crossing_ids(located: pd.DataFrame, snap_km: float) -> pd.Series:
    """Crossing key per located leg: country pair + place name, or + cluster
    of border points within ``snap_km``."""
    a = np.minimum(located["from_country"].astype(str), located["to_country"].astype(str))
    b = np.maximum(located["from_country"].astype(str), located["to_country"].astype(str))
    pair = pd.Series(a, index=located.index) + "|" + b
    key = pair + "|place:" + located["name"].map(lambda n: cat.fold(n) if isinstance(n, str) else "")
    border = (located["kind"] == "border").to_numpy()
    if border.any():
        B = located[border]
        lon, lat = np.radians(B["x"].to_numpy(float)), np.radians(B["y"].to_numpy(float))
        xyz = np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
        i, j = cKDTree(xyz).query_pairs(2 * np.sin(snap_km / EARTH_RADIUS_KM / 2), output_type="ndarray").T \
            if len(B) > 1 else (np.array([], int), np.array([], int))
        p = pd.factorize(pair[border])[0]
        same = p[i] == p[j]
        graph = coo_matrix((np.ones(same.sum()), (i[same], j[same])), shape=(len(B), len(B)))
        cluster = connected_components(graph, directed=False)[1]
        key[border] = pair[border] + "|border:" + pd.Series(cluster, index=B.index).astype(str)
    return key


def _top_modes(R: pd.DataFrame, threshold: int, n: int = 3) -> pd.Series:
    """The ``n`` most frequent transport modes per crossing among distinct
    routes; a mode is named only when its route count is publishable."""
    if "transport_modes" not in R or R["transport_modes"].isna().all():
        return pd.Series(dtype=object)
    codes, items = cell_items(R["transport_modes"])
    m = pd.DataFrame({"crossing_id": R["crossing_id"].to_numpy(), "cell": codes}).merge(items, on="cell")
    counts = m.groupby(["crossing_id", "category"]).size().rename("n").reset_index()
    if threshold > 0:
        counts = counts[counts["n"] >= threshold]
    counts = counts.sort_values(["crossing_id", "n", "category"], ascending=[True, False, True])
    return counts.groupby("crossing_id").head(n).groupby("crossing_id")["category"].agg(cat.join)


def aggregate_crossings(legs: gpd.GeoDataFrame, threshold: int = DEFAULT_THRESHOLD, suppress_mode: str = DROP,
                        snap_km: float = SNAP_KM, countries: gpd.GeoSeries | None = None) -> CrossingResult:
    """Border crossings of ``legs`` (route_legs) with their counts, suppressed."""
    if suppress_mode not in (DROP, MERGE):
        raise ValueError(f"suppress_mode must be {DROP!r} or {MERGE!r}, not {suppress_mode!r}")
    land, not_land, air = _by_mode(legs)
    located, skipped = locate_crossings(land, countries, snap_km)
    skipped = pd.concat([skipped, not_land], ignore_index=True)
    located["crossing_key"] = _crossing_ids(located, snap_km) if len(located) else pd.Series(dtype=str)
    located["crossing_id"] = pd.factorize(located["crossing_key"])[0] + 1
    R = located.drop_duplicates(["crossing_id", "route_id"])
    table = case_sums(R, ["crossing_id"])
    table.insert(1, "legs", located.groupby("crossing_id").size())
    # position and name: the member point used by most routes
    members = R.groupby(["crossing_id", "x", "y"], dropna=False).size().rename("n").reset_index()
    best = members.sort_values(["crossing_id", "n"], ascending=[True, False]).drop_duplicates("crossing_id")
    first = R.drop_duplicates("crossing_id").set_index("crossing_id")
    named = R.dropna(subset=["name"]).groupby(["crossing_id", "name"]).size().rename("n").reset_index() \
        .sort_values(["crossing_id", "n"], ascending=[True, False]).drop_duplicates("crossing_id").set_index("crossing_id")
    table = table.join(best.set_index("crossing_id")[["x", "y"]])
    table["name"] = named["name"].reindex(table.index)
    table["kind"] = first["kind"]
    table["place_key"] = first["place_key"].where(first["kind"] == "place")
    pair = np.sort(first[["from_country", "to_country"]].astype(str).to_numpy(), axis=1) if len(first) \
        else np.empty((0, 2), str)
    table["country_a"], table["country_b"] = pd.Series(pair[:, 0], first.index), pd.Series(pair[:, 1], first.index)
    table["countries"] = table["country_a"] + "–" + table["country_b"]
    table["top_modes"] = _top_modes(R, threshold).reindex(table.index)
    table = table.reset_index()
    count_cols = ["routes", "legs", "cases_low", "cases_high"]
    cols = ["crossing_id", "name", "kind", "place_key", "country_a", "country_b", "countries", *count_cols, "top_modes"]
    published = suppress(table[cols + ["x", "y"]], count_cols, threshold, suppress_mode,
                         key_column="routes", label_columns=("name", "countries"))
    other = published["name"] == OTHER_LABEL
    published.loc[other, "crossing_id"] = 0
    published.loc[other, "top_modes"] = None
    published["crossing_id"] = published["crossing_id"].astype("int64")
    ports = airports(air, threshold, suppress_mode)
    cols_all = cols + ["departures", "arrivals", "airlines"]
    published = published.assign(departures=pd.NA, arrivals=pd.NA, airlines=None)
    if len(ports):
        published = pd.concat([published[cols_all + ["x", "y"]], ports[cols_all + ["x", "y"]]], ignore_index=True)
        other = published["name"] == OTHER_LABEL
    for c in ("departures", "arrivals"):
        published[c] = pd.array(pd.to_numeric(published[c], errors="coerce"), dtype="Int64")
    geom = shapely.points(pd.to_numeric(published["x"]).to_numpy(float), pd.to_numeric(published["y"]).to_numpy(float))
    geom[other.to_numpy()] = None
    crossings = gpd.GeoDataFrame(published[cols_all], geometry=geom, crs=CRS)
    report = {"input_legs": int(len(legs)), "crossing_legs": int(len(located) + len(skipped)),
              "skipped": skipped["reason"].value_counts().to_dict(),
              "at_places": int((located["kind"] == "place").sum()), "on_border": int((located["kind"] == "border").sum()),
              "crossings": int(len(table)), "crossings_suppressed": int(published.attrs.get("suppressed_rows", 0)),
              "air_legs": int(len(air)), "airports": int(len(ports)),
              "suppress_below": int(threshold), "snap_km": float(snap_km)}
    entries = [primary_entry("border crossings", table, published, "crossing_id", ["name", "countries"],
                             count_cols, threshold)]
    if len(air):
        entries.append(primary_entry("airports", ports.attrs.get("raw", ports), ports, "crossing_id", ["name"],
                                     ["routes", "legs", "cases_low", "cases_high", "departures", "arrivals"],
                                     threshold))
    return CrossingResult(crossings, located.drop(columns="crossing_key"), skipped, report,
                          entries if threshold > 0 else [])
