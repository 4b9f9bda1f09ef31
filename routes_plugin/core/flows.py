"""Origin→destination flows from route_lines (journeys) or route_legs.

QGIS-free and vectorised (pandas groupby on integer codes), so a million legs
aggregate in seconds. :func:`aggregate_flows` returns a :class:`FlowResult`:

- ``flows``: one line per origin→destination pair at the chosen level with
  ``origin, destination, routes, cases_low, cases_high`` (and ``legs`` in leg
  mode), one ``<field>_<category>`` route count per breakdown category and
  ``<field>_top`` (the most frequent published category, for colouring);
- ``nodes``: one point per place / county / region / country with the
  distinct routes touching it and ``routes_out / routes_in / routes_through /
  routes_internal``;
- ``long``: the breakdown as a long table (flow, field, category, counts);
- ``skipped``: every input row left out, with its reason.

Counting rules. ``routes`` counts distinct route ids; cases are summed once per
route. ``cases_high`` is missing when any route of the group has no upper
bound ("10+" or blank), because the sum then has none either. A route whose
cell lists several categories counts once under each. Every count goes
through :func:`suppression.suppress`.

Levels fall back to the next coarser unit where an end has no value (a place
outside Kenya has no county, so at county level it is its region; a place
known only to country level is its country); ``nodes.level`` says which.

Geometry. Straight lines join nodes in lon/lat, geodesic lines follow the
WGS84 great circle and curved lines are quadratic Bézier arcs bowed to the
right of travel by ``bulge`` × chord, so A→B and B→A lie apart. Lines take
the shorter way round the globe and their longitudes are unwrapped (a line
from Fiji to Samoa runs past 180° to e.g. 188.2°), never split.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import Geod

from . import categories as cat
from .errors import ResourceError, RoutesError
from .suppression import (DEFAULT_THRESHOLD, DROP, MERGE, NODE_MARGINS, OTHER_LABEL, Relations, disclosure_entry,
                          flow_relations, protect, suppress)
from .tables import blank, case_sums, cell_items, require_columns

CRS = "EPSG:4326"
LEVELS = ("place", "county", "region", "country")
MODES = ("journey", "legs")
GEOMETRIES = ("straight", "geodesic", "curved")
NODE_POSITIONS = ("points", "polygons")
SIDE_FIELDS = ("key", "place", "county", "region", "country")
_LEVEL_FIELD = {"place": "key", "county": "county", "region": "region", "country": "country"}
_GEOD = Geod(ellps="WGS84")

# reasons in FlowResult.skipped
MISSING_ORIGIN, MISSING_DESTINATION, ZERO_LENGTH = "missing origin", "missing destination", "zero-length"


@dataclass
class FlowResult:
    flows: gpd.GeoDataFrame
    nodes: gpd.GeoDataFrame
    long: pd.DataFrame
    skipped: pd.DataFrame
    report: dict = field(default_factory=dict)
    #: what was withheld, one entry per table (suppression.disclosure_entry; core/publication.py's log)
    disclosure: list = field(default_factory=list)


# ----------------------------------------------------------------- input ---

def line_ends(geoms) -> np.ndarray:
    """``(n, 4)`` array of the first (x, y) and last (x, y) vertex of each
    geometry; NaN for missing or empty geometries. Works for multi-part lines."""
    geoms = np.asarray(geoms, dtype=object)
    out = np.full((len(geoms), 4), np.nan)
    coords, idx = shapely.get_coordinates(geoms, return_index=True)
    if len(idx):
        first = np.r_[0, np.flatnonzero(np.diff(idx)) + 1]
        last = np.r_[first[1:] - 1, len(idx) - 1]
        out[idx[first], :2], out[idx[last], 2:] = coords[first], coords[last]
    return out


class FlowError(RoutesError, ValueError):
    """Input no flows can be made of (message is for the user)."""


def _input_kind(table: pd.DataFrame) -> str:
    if "from_country" in table.columns:
        return "legs"
    if "origin_country" in table.columns:
        return "lines"
    raise FlowError("the input is neither route_legs (from_country, to_country, …) "
                     "nor route_lines (origin_country, final_country, …)")


def _side_columns(level: str) -> list[str]:
    """Side fields needed at ``level`` (it and all coarser levels)."""
    return [_LEVEL_FIELD[lv] for lv in LEVELS[LEVELS.index(level):]]


def _factorize_rows(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Code per row of its distinct combination of values, and the index of
    each combination's first row. Column by column, so codes stay small."""
    codes = np.zeros(len(frame), np.int64)
    for c in frame.columns:
        col, uniq = pd.factorize(frame[c])
        codes = pd.factorize(codes * (len(uniq) + 1) + col + 1)[0]
    _, first, inverse = np.unique(codes, return_index=True, return_inverse=True)
    return inverse.ravel(), first


def _node_of(U: pd.DataFrame, level: str) -> pd.DataFrame:
    """Node id, name, level and country of each distinct end ``U`` (columns
    key, place, county, region, country), falling back to coarser units where
    an end has no value at ``level``."""
    out = pd.DataFrame({"node": None, "name": None, "level": None}, index=U.index, dtype=object)
    country = U["country"].astype(object)
    for lv in LEVELS[LEVELS.index(level):]:
        val = U[_LEVEL_FIELD[lv]].astype(object)
        take = out["node"].isna() & ~blank(val)
        if lv in ("county", "region"):
            take &= ~blank(country)
        v = val[take].astype(str)
        if lv == "place":
            ids, names = v, U.loc[take, "place"].astype(object).fillna(v).astype(str)
        elif lv == "country":
            ids, names = "country:" + v, v
        else:
            ids, names = ("county:" if lv == "county" else "adm1:") + country[take].astype(str) + ":" + v, v
        out.loc[take, "node"], out.loc[take, "name"], out.loc[take, "level"] = ids, names, lv
    out["country"] = country
    return out


def _canonical(table: pd.DataFrame, kind: str, level: str, attrs: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(E, nodes)``. ``E``: one row per input row with ``route_id,
    source_row, seq, same_place``, per end ``o_/d_`` ``code`` (node code, -1
    when the end has no unit), ``x, y`` (legs: geometry ends; route_lines:
    origin_/final_ lon/lat, else the geometry), ``seq, role`` (legs) and
    ``attrs``. ``nodes``: node_id, name, level, country per code, in node id
    order (so undirected pairs come out alphabetical). Node ids are worked
    out once per distinct end, not per row."""
    pre = ("from_", "to_") if kind == "legs" else ("origin_", "final_")
    require_columns(table, ["route_id"] + [p + f for p in pre for f in _side_columns(level)],
             "route_legs" if kind == "legs" else "route_lines")
    n = len(table)
    geom = table.geometry.values if isinstance(table, gpd.GeoDataFrame) else np.full(n, None)
    ends = line_ends(geom)
    blank = pd.Series(np.full(n, None, object), index=table.index)
    fields = _side_columns(level) + (["place"] if level == "place" else [])
    E = pd.DataFrame({"route_id": table["route_id"].to_numpy(),
                      "source_row": table["source_row"].to_numpy() if "source_row" in table else np.arange(n) + 2,
                      "seq": table["leg_seq"].to_numpy() if "leg_seq" in table else np.zeros(n, int)})
    keys = [table.get(p + "key", blank) for p in pre]
    E["same_place"] = (keys[0].notna() & (keys[0] == keys[1])).to_numpy()
    local, distinct = [], []
    for side, p, (xi, yi) in (("o", pre[0], (0, 1)), ("d", pre[1], (2, 3))):
        cols = pd.DataFrame({f: table.get(p + f, blank) for f in dict.fromkeys(fields)})
        codes, first = _factorize_rows(cols)
        U = cols.iloc[first].reset_index(drop=True)
        U = U.reindex(columns=list(SIDE_FIELDS))
        local.append(codes)
        distinct.append(_node_of(U, level))
        if kind == "lines" and {p + "lon", p + "lat"} <= set(table.columns):
            E[f"{side}_x"] = pd.to_numeric(table[p + "lon"], errors="coerce").to_numpy(float)
            E[f"{side}_y"] = pd.to_numeric(table[p + "lat"], errors="coerce").to_numpy(float)
        else:
            E[f"{side}_x"], E[f"{side}_y"] = ends[:, xi], ends[:, yi]
        if kind == "legs":
            E[f"{side}_seq"] = table[p + "seq"].to_numpy() if p + "seq" in table else np.nan
            E[f"{side}_role"] = table[p + "role"].to_numpy(object) if p + "role" in table else None
    both = pd.concat(distinct, ignore_index=True)
    gcode, node_ids = pd.factorize(both["node"], sort=True)
    split = len(distinct[0])
    E["o_code"], E["d_code"] = gcode[:split][local[0]], gcode[split:][local[1]]
    nodes = both[gcode >= 0].assign(code=gcode[gcode >= 0]).drop_duplicates("code").set_index("code").sort_index()
    nodes = nodes.rename(columns={"node": "node_id"})
    for a in dict.fromkeys(["cases_low", "cases_high", *attrs]):
        E[a] = table[a].to_numpy() if a in table else np.nan
    return E, nodes


def _journeys_from_legs(L: pd.DataFrame) -> pd.DataFrame:
    """Origin→final rows from leg rows (final = last place of exploitation,
    else last intended destination, else last stop), like route_lines."""
    if L["o_seq"].isna().any() or L["d_seq"].isna().any():
        raise FlowError("journeys from route_legs need from_seq and to_seq")
    side_cols = ["code", "x", "y"]
    attrs = [c for c in L.columns if not c.startswith(("o_", "d_")) and c not in ("seq", "same_place")]
    stops = pd.concat([L[attrs + [f"{s}_{c}" for c in side_cols + ["seq", "role"]]]
                       .set_axis(attrs + side_cols + ["stop_seq", "role"], axis=1) for s in ("o", "d")],
                      ignore_index=True).drop_duplicates(["r_code", "stop_seq"])
    stops = stops.sort_values(["r_code", "stop_seq"], kind="stable")
    origin = stops.drop_duplicates("r_code")
    rank = stops["role"].map({"exploitation": 0, "destination": 1}).fillna(2)
    final = stops.assign(_r=rank).sort_values(["_r", "stop_seq"], ascending=[True, False], kind="stable") \
        .drop_duplicates("r_code")
    J = origin[attrs].reset_index(drop=True)
    J["seq"] = 0
    o = origin.set_index("r_code")[side_cols].add_prefix("o_")
    d = final.set_index("r_code")[side_cols].add_prefix("d_")
    return J.join(o, on="r_code").join(d, on="r_code")


# --------------------------------------------------------------- counting ---

def _slug(text) -> str:
    return re.sub(r"[^0-9a-z]+", "_", cat.fold(text)).strip("_") or "blank"


def _breakdown(R: pd.DataFrame, fields) -> pd.DataFrame:
    """Long table flow_id, field, category, routes, cases_low, cases_high from
    distinct (flow, route) rows ``R``. Exploding is done on distinct cells."""
    parts = []
    for f in fields:
        codes, items = cell_items(R[f])
        low, high = (pd.to_numeric(R[c], errors="coerce").to_numpy() for c in ("cases_low", "cases_high"))
        df = pd.DataFrame({"flow_id": R["flow_id"].to_numpy(), "cell": codes, "low": low, "high": high})
        df = df[df["cell"] >= 0]
        g = df.groupby(["flow_id", "cell"], sort=False)
        per_cell = pd.DataFrame({"routes": g.size(), "low": g["low"].sum(min_count=1),
                                 "high": g["high"].sum(min_count=1), "known": g["high"].count()}).reset_index()
        m = per_cell.merge(items, on="cell")
        g = m.groupby(["flow_id", "category"], sort=False)
        out = pd.DataFrame({"routes": g["routes"].sum(), "cases_low": g["low"].sum(min_count=1),
                            "cases_high": g["high"].sum(min_count=1), "known": g["known"].sum()}).reset_index()
        out.loc[out["known"] < out["routes"], "cases_high"] = np.nan
        out.insert(1, "field", f)
        parts.append(out.drop(columns="known"))
    cols = ["flow_id", "field", "category", "routes", "cases_low", "cases_high"]
    long = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)
    for c in ("cases_low", "cases_high"):
        long[c] = pd.to_numeric(long[c]).round().astype("Int64")
    return long[cols]


def _wide_name(field_name: str, category) -> str:
    return f"{field_name}_{_slug(category)}"


# --------------------------------------------------------------- geometry ---

def _unit_vectors(x, y) -> np.ndarray:
    lon, lat = np.radians(x), np.radians(y)
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def mean_positions(keys, x, y) -> pd.DataFrame:
    """Spherical mean (x, y) of the points per key (correct across 180°)."""
    v = pd.DataFrame(_unit_vectors(np.asarray(x, float), np.asarray(y, float)), columns=list("abc"))
    m = v.groupby(np.asarray(keys, dtype=object), sort=False).mean()
    lon = np.degrees(np.arctan2(m["b"], m["a"]))
    lat = np.degrees(np.arctan2(m["c"], np.hypot(m["a"], m["b"])))
    return pd.DataFrame({"x": lon, "y": lat}, index=m.index)


def unwrap_to(x0, x1):
    """``x1`` shifted by ±360° so that it lies within 180° of ``x0``."""
    return np.asarray(x0) + (np.asarray(x1) - np.asarray(x0) + 180.0) % 360.0 - 180.0


def flow_lines(x0, y0, x1, y1, kind: str = "curved", bulge: float = 0.2, npts: int = 32) -> np.ndarray:
    """Line geometries from (x0, y0) to (x1, y1): ``straight``, ``geodesic`` or
    ``curved`` (quadratic Bézier bowed ``bulge`` × chord to the right of travel).
    Longitudes are unwrapped so each line takes the shorter way round."""
    if kind not in GEOMETRIES:
        raise ValueError(f"geometry must be one of {GEOMETRIES}, not {kind!r}")
    x0, y0, y1 = (np.asarray(a, float) for a in (x0, y0, y1))
    x1 = unwrap_to(x0, np.asarray(x1, float))
    if len(x0) == 0:
        return np.array([], dtype=object)
    if kind == "straight":
        return shapely.linestrings(np.stack([np.column_stack([x0, y0]), np.column_stack([x1, y1])], axis=1))
    if kind == "geodesic":
        lines = []
        for a, b, c, d in zip(x0, y0, x1, y1):
            mid = np.array(_GEOD.npts(a, b, c, d, npts)).reshape(-1, 2)
            lon = np.r_[a, mid[:, 0], c]
            lon = a + np.degrees(np.unwrap(np.radians(lon - a)))
            lines.append(np.column_stack([lon, np.r_[b, mid[:, 1], d]]))
        return shapely.linestrings(np.stack(lines))
    k = np.cos(np.radians((y0 + y1) / 2)).clip(0.05)  # local equirectangular scale
    p0, p1 = np.column_stack([x0 * k, y0]), np.column_stack([x1 * k, y1])
    d = p1 - p0
    ctrl = (p0 + p1) / 2 + bulge * np.column_stack([d[:, 1], -d[:, 0]])
    t = np.linspace(0.0, 1.0, npts + 2)[None, :, None]
    pts = (1 - t) ** 2 * p0[:, None] + 2 * (1 - t) * t * ctrl[:, None] + t ** 2 * p1[:, None]
    pts[..., 0] /= k[:, None]
    return shapely.linestrings(pts)


@lru_cache(maxsize=4)
def world_polygons(path: str) -> gpd.GeoDataFrame:
    """Countries and admin-1 regions of QGIS's world_map.gpkg indexed by node
    id (``country:<ISO3>``, ``adm1:<ISO3>:<name>``; an id may have several
    rows), with a ``name``. Cached: don't modify."""
    countries = pyogrio.read_dataframe(path, layer="countries", columns=["ISO_A3", "NAME"])
    countries = countries[countries["ISO_A3"] != "-99"]
    states = pyogrio.read_dataframe(path, layer="states_provinces", columns=["adm0_a3", "name"])
    frames = [gpd.GeoDataFrame({"name": countries["NAME"].to_numpy()}, geometry=countries.geometry.values,
                               index=("country:" + countries["ISO_A3"]).to_numpy(), crs=CRS),
              gpd.GeoDataFrame({"name": states["name"].to_numpy()}, geometry=states.geometry.values,
                               index=("adm1:" + states["adm0_a3"] + ":" + states["name"]).to_numpy(), crs=CRS)]
    return pd.concat(frames)


def polygon_points(polygons: gpd.GeoSeries) -> gpd.GeoSeries:
    """Centroid of each polygon's largest part (inside it, else a point on its
    surface), so countries with far islands get a point on the mainland.
    Areas are compared in degrees², which is enough to pick the main part.
    Rows sharing an index are one unit; the result has one row per index."""
    parts = polygons.explode(index_parts=False)
    geoms = parts.to_numpy()
    order = np.lexsort((-shapely.area(geoms), pd.factorize(parts.index)[0]))
    largest = parts.iloc[order][~parts.index[order].duplicated()]
    part = largest.to_numpy()
    pts = shapely.centroid(part)
    outside = ~shapely.within(pts, part)
    pts[outside] = shapely.point_on_surface(part[outside])
    return gpd.GeoSeries(pts, index=largest.index, crs=polygons.crs)


def _node_positions(ends: pd.DataFrame, node_position: str, polygons, polygon_id, level,
                    world_map=None) -> pd.DataFrame:
    """x, y (and a polygon-derived name) per node."""
    pos = mean_positions(ends["node"], ends["x"], ends["y"])
    pos["source"] = "points"
    pos["poly_name"] = None
    if node_position == "points" or level == "place":
        return pos
    if polygons is not None:
        require_columns(polygons, [polygon_id], "polygon")
        names = ends.drop_duplicates("node").set_index("node")
        names = names[names["level"] == level]
        poly = polygons.set_index(polygons[polygon_id].astype(str))
        match = names["name"].astype(str)
        match = match[match.isin(poly.index)]
        pts = polygon_points(poly.geometry[poly.index.isin(match)]).reindex(match.to_numpy())
        idx = match.index
    else:
        if level == "county":
            return pos
        if world_map is None:
            raise ResourceError("Node positions on polygons need QGIS's world_map.gpkg or a polygon layer; "
                                "neither was given (choose 'Mean of the member place points' to do without).")
        poly = world_polygons(str(world_map))
        idx = pos.index[pos.index.isin(poly.index)]
        pts = polygon_points(poly.geometry[poly.index.isin(idx)]).reindex(idx)
        pos.loc[idx, "poly_name"] = poly["name"].groupby(level=0).first().reindex(idx).to_numpy()
    pos.loc[idx, "x"], pos.loc[idx, "y"] = pts.x.to_numpy(), pts.y.to_numpy()
    pos.loc[idx, "source"] = "polygon"
    return pos


# ------------------------------------------------------------------- main ---

def aggregate_flows(
    table: pd.DataFrame,
    level: str = "country",
    mode: str = "journey",
    directed: bool = True,
    border_only: bool = False,
    breakdown=(),
    threshold: int = DEFAULT_THRESHOLD,
    suppress_mode: str = DROP,
    geometry: str = "curved",
    bulge: float = 0.2,
    node_position: str = "polygons",
    polygons: gpd.GeoDataFrame | None = None,
    polygon_id: str | None = None,
    world_map: str | Path | None = None,
) -> FlowResult:
    """Aggregate route_lines or route_legs into flows at ``level``.

    ``mode``: ``journey`` (origin → final place, from route_lines or rebuilt
    from route_legs) or ``legs`` (leg by leg, route_legs only).
    ``breakdown``: category fields counted per flow. ``suppress_mode``:
    ``drop`` or ``merge`` small flows/nodes. ``polygons`` / ``polygon_id``:
    an optional polygon layer whose id field holds the node names at
    ``level`` (ISO3 at country level); by default region and country nodes
    sit on the polygons of ``world_map`` (QGIS's world_map.gpkg, found by the
    caller). Raises ``ValueError`` on bad options,
    missing fields or a polygon layer without ``polygon_id``.
    """
    for name, value, allowed in (("level", level, LEVELS), ("mode", mode, MODES),
                                 ("suppress_mode", suppress_mode, (DROP, MERGE)),
                                 ("node_position", node_position, NODE_POSITIONS), ("geometry", geometry, GEOMETRIES)):
        if value not in allowed:
            raise ValueError(f"{name} must be one of {allowed}, not {value!r}")
    breakdown = list(dict.fromkeys(breakdown))
    require_columns(table, breakdown, "input")
    if polygons is not None:
        require_columns(polygons, [polygon_id or "<id field>"], "polygon")
    kind = _input_kind(table)
    if mode == "legs" and kind != "legs":
        raise FlowError("leg-by-leg flows need route_legs, not route_lines")
    E, info = _canonical(table, kind, level, breakdown)
    node_ids = info["node_id"].to_numpy()

    bad_o = (E["o_code"] < 0) | E["o_x"].isna() | E["o_y"].isna()
    bad_d = (E["d_code"] < 0) | E["d_x"].isna() | E["d_y"].isna()
    zero = ~bad_o & ~bad_d & (E["same_place"] | ((E["o_x"] == E["d_x"]) & (E["o_y"] == E["d_y"])))
    reason = np.select([bad_o, bad_d, zero], [MISSING_ORIGIN, MISSING_DESTINATION, ZERO_LENGTH], None)
    skipped = E.loc[reason != None, ["route_id", "source_row", "seq"]].assign(reason=reason[reason != None])  # noqa: E711
    E = E[reason == None].reset_index(drop=True)  # noqa: E711
    E["r_code"] = pd.factorize(E.pop("route_id"))[0]
    legs_e = E if kind == "legs" else None
    if mode == "journey" and kind == "legs":
        E = _journeys_from_legs(E)
    if border_only:
        country = info["country"].to_numpy()
        oc, dc = country[E["o_code"].to_numpy()], country[E["d_code"].to_numpy()]
        E = E[pd.notna(oc) & pd.notna(dc) & (oc != dc)]
    internal = E["o_code"] == E["d_code"]
    F = E[~internal]
    a, b = F["o_code"].to_numpy(), F["d_code"].to_numpy()
    if not directed:
        a, b = np.minimum(a, b), np.maximum(a, b)
    pair = a.astype(np.int64) * max(len(node_ids), 1) + b
    F = F.assign(flow_id=pd.factorize(pair)[0] + 1, a=a, b=b)
    R = F.drop_duplicates(["flow_id", "r_code"])
    flows = case_sums(R, ["flow_id"])
    if mode == "legs":
        flows.insert(1, "legs", F.groupby("flow_id", sort=False).size())
    ends = R.drop_duplicates("flow_id").set_index("flow_id")
    flows["a"], flows["b"] = ends["a"], ends["b"]
    long = _breakdown(R, breakdown)
    wide_cols: dict[str, list[str]] = {}
    if len(long):
        long["column"] = [_wide_name(f, c) for f, c in zip(long["field"], long["category"])]
        wide = long.pivot_table(index="flow_id", columns="column", values="routes", aggfunc="sum", fill_value=0)
        flows = flows.join(wide).fillna({c: 0 for c in wide.columns})
        for f in breakdown:
            wide_cols[f] = sorted(long.loc[long["field"] == f, "column"].unique())
    flows = flows.reset_index()

    # nodes: positions from the distinct points of their ends
    ends = pd.concat([E[[f"{s}_code", f"{s}_x", f"{s}_y"]].set_axis(["code", "x", "y"], axis=1) for s in ("o", "d")],
                     ignore_index=True).drop_duplicates()
    ends = ends.join(info[["level"]], on="code").assign(node=node_ids[ends["code"].to_numpy()])
    ends["name"] = info["name"].reindex(ends["code"]).to_numpy()
    pos = _node_positions(ends, node_position, polygons, polygon_id, level, world_map)
    nodes = _node_table(E, F, internal, legs_e, info, pos)

    # suppression (flows decide which rows survive; the long table follows)
    names = pd.Series(nodes.set_index("code")["name"])
    flows["origin_id"], flows["destination_id"] = node_ids[flows["a"]], node_ids[flows["b"]]
    flows["origin"], flows["destination"] = names.reindex(flows["a"]).to_numpy(), names.reindex(flows["b"]).to_numpy()
    cinfo = info["country"]
    flows["origin_country"] = cinfo.reindex(flows["a"]).to_numpy()
    flows["destination_country"] = cinfo.reindex(flows["b"]).to_numpy()
    flows["crosses_border"] = flows["origin_country"] != flows["destination_country"]
    xy = pos.reindex(node_ids[flows["a"]]), pos.reindex(node_ids[flows["b"]])
    _, _, dist = _GEOD.inv(xy[0]["x"].to_numpy(), xy[0]["y"].to_numpy(), xy[1]["x"].to_numpy(), xy[1]["y"].to_numpy())
    flows["distance_km"] = np.round(np.asarray(dist) / 1000.0, 1)
    geoms = pd.Series(flow_lines(xy[0]["x"], xy[0]["y"], xy[1]["x"], xy[1]["y"], geometry, bulge),
                      index=flows["flow_id"].to_numpy())
    count_cols = ["routes", *(["legs"] if mode == "legs" else []), "cases_low", "cases_high",
                  *[c for cols in wide_cols.values() for c in cols]]
    flows["directed"] = bool(directed)
    front = ["flow_id", "origin", "destination", "origin_id", "destination_id", "origin_country",
             "destination_country", "crosses_border", "directed", "distance_km"]
    flows = flows[front + count_cols]
    protection = protect_flows(flows, nodes.drop(columns="geometry"), journey=mode == "journey", directed=directed,
                               threshold=threshold, suppress_mode=suppress_mode,
                               breakdown_columns=[c for cols in wide_cols.values() for c in cols])
    published, node_pub = protection.flows, protection.nodes
    other = published["origin"] == OTHER_LABEL
    for f, cols in wide_cols.items():
        published[f"{f}_top"] = _top_category(published[cols], {c: cat for c, cat in
                                              long.loc[long["column"].isin(cols), ["column", "category"]].values})
    geom = geoms.reindex(published["flow_id"].to_numpy()).to_numpy() if len(published) else []
    flows_out = gpd.GeoDataFrame(published, geometry=list(geom), crs=CRS)

    # long table follows the flows' fate
    kept = set(published["flow_id"]) - {0}
    long = long.drop(columns="column", errors="ignore")
    long["flow_id"] = np.where(long["flow_id"].isin(kept), long["flow_id"], 0 if other.any() else -1)
    long = long[long["flow_id"] >= 0]
    long = long.groupby(["flow_id", "field", "category"], as_index=False, sort=False).agg(
        routes=("routes", "sum"), cases_low=("cases_low", lambda s: s.sum(min_count=1)),
        cases_high=("cases_high", lambda s: np.nan if s.isna().any() else s.sum()))
    lookup = published.set_index("flow_id")[["origin", "destination"]]
    long = long.join(lookup, on="flow_id")
    long["label"] = [cat.label(f, c) for f, c in zip(long["field"], long["category"])]
    long = suppress(long[["flow_id", "origin", "destination", "field", "category", "label", "routes",
                          "cases_low", "cases_high"]], ["routes", "cases_low", "cases_high"], threshold)
    breakdown_entry = {"table": f"flow breakdown ({level}, {mode})", "threshold": int(threshold),
                       "cells": int(len(long)), "measures": ["routes", "cases_low", "cases_high"],
                       "primary": int(long["routes"].isna().sum()) if threshold > 0 else 0, "complementary": 0,
                       "withheld_cells": sorted(f"{o} → {d} | {f} | {c}" for o, d, f, c in long.loc[
                           long["routes"].isna(), ["origin", "destination", "field", "category"]].itertuples(
                               index=False))}

    node_geom = nodes.set_index("node_id").geometry.reindex(node_pub["node_id"]).to_numpy()
    node_out = gpd.GeoDataFrame(node_pub.drop(columns="code"), geometry=list(node_geom), crs=CRS)

    report = {
        "input_rows": int(len(table)), "mode": mode, "level": level,
        "skipped": skipped["reason"].value_counts().to_dict(),
        "internal_rows": int(internal.sum()), "border_only": border_only,
        "flows": int(len(flows)), "flows_published": int(len(published) - other.sum()),
        "flows_suppressed": int(published.attrs.get("suppressed_rows", 0)),
        "flows_complementary": int(protection.disclosure[0]["complementary"]),
        "nodes_suppressed": int(node_pub.attrs.get("suppressed_rows", 0)),
        "suppress_below": int(threshold),
        "notes": [] if legs_e is not None else ["routes_through needs route_legs as input; it is empty"],
    }
    for entry in protection.disclosure:
        entry["table"] = f"{entry['table']} ({level}, {mode})"
    return FlowResult(flows_out, node_out, long.reset_index(drop=True), skipped.reset_index(drop=True), report,
                      [*protection.disclosure, *([breakdown_entry] if breakdown else [])] if threshold > 0 else [])


# ------------------------------------------------------------- protection ---

@dataclass
class FlowProtection:
    flows: pd.DataFrame     #: the published flows (withheld flows dropped, or merged into the "other" row)
    nodes: pd.DataFrame     #: the published nodes (small nodes dropped / merged, withheld margins blank)
    disclosure: list        #: disclosure entries of the flows and the nodes
    withheld: np.ndarray    #: per flow: withheld (primary or complementary)


_MEASURES = ("routes", "legs", "cases_low", "cases_high")
_KINDS = tuple(NODE_MARGINS)     # routes, out, in, internal: the node's cells, in this order


def _sum_or_na(v: pd.Series):
    v = pd.to_numeric(v, errors="coerce")
    return np.nan if v.isna().any() or not len(v) else float(v.sum())


def _flow_values(flows, nodes, merge):
    """Cells of the flow table set: the flows, four cells per node (routes,
    out, in, internal; cases only on the routes cell) and, when small flows
    are merged, the total of all flows (other row + published flows)."""
    nf, nn = len(flows), len(nodes)
    n = nf + len(_KINDS) * nn + int(merge)
    values = {}
    for m in (m for m in _MEASURES if m in flows.columns):
        v = np.full(n, np.nan)
        v[:nf] = pd.to_numeric(flows[m], errors="coerce").to_numpy(float)
        node_part = v[nf:nf + len(_KINDS) * nn].reshape(nn, len(_KINDS))
        if m == "routes":
            for j, k in enumerate(_KINDS):
                node_part[:, j] = pd.to_numeric(nodes[NODE_MARGINS[k]], errors="coerce").to_numpy(float)
        elif m in nodes.columns:
            node_part[:, 0] = pd.to_numeric(nodes[m], errors="coerce").to_numpy(float)
        v[nf:nf + len(_KINDS) * nn] = node_part.ravel()
        if merge:
            v[-1] = _sum_or_na(flows[m]) if m == "cases_high" else pd.to_numeric(flows[m], errors="coerce").sum()
        values[m] = v
    return values, n


def _publish_flows(flows, nodes, withheld, threshold, suppress_mode, breakdown_columns):
    """The flows and nodes tables as published under the pattern ``withheld`` (over the cells of :func:`_flow_values`)."""
    nf, nn = len(flows), len(nodes)
    wf = withheld[:nf]
    wn = withheld[nf:nf + len(_KINDS) * nn].reshape(nn, len(_KINDS))
    count_cols = [c for c in (*_MEASURES, *breakdown_columns) if c in flows.columns]
    pub = flows[~wf].copy()
    if suppress_mode == MERGE and wf.any():
        small = flows[wf]
        row = {c: None for c in flows.columns}
        for c in count_cols:
            row[c] = _sum_or_na(small[c]) if c == "cases_high" else pd.to_numeric(small[c], errors="coerce").sum()
        row.update(flow_id=0, origin=OTHER_LABEL, destination=OTHER_LABEL, directed=flows["directed"].iloc[0])
        if row["routes"] >= threshold:
            other = pd.DataFrame([row])
            pub = pd.concat([pub, other.astype(pub.dtypes.to_dict(), errors="ignore")], ignore_index=True)
    for c in ("routes", *[m for m in _MEASURES[1:] if m in pub.columns]):
        pub[c] = pd.to_numeric(pub[c]).round().astype("Int64")
    pub = suppress(pub.reset_index(drop=True), breakdown_columns, threshold)  # category counts: primary only
    pub["flow_id"] = pub["flow_id"].astype("int64")
    pub.attrs["suppress_below"], pub.attrs["suppressed_rows"] = int(threshold), int(wf.sum())
    node_counts = ["routes", "cases_low", "cases_high", "routes_out", "routes_in", "routes_through", "routes_internal"]
    keyvals = pd.to_numeric(nodes["routes"], errors="coerce")
    row_small = ((keyvals > 0) & (keyvals < threshold)).to_numpy() if threshold > 0 else np.zeros(nn, bool)
    out = nodes.copy()
    for j, k in enumerate(_KINDS):
        cols = [NODE_MARGINS[k], *(["cases_low", "cases_high"] if k == "routes" else [])]
        mask = wn[:, j] & ~row_small
        for c in (c for c in cols if c in out.columns):
            out[c] = pd.to_numeric(out[c], errors="coerce").astype("Float64").mask(mask)
    node_pub = suppress(out, node_counts, threshold, suppress_mode, key_column="routes", label_columns=("name",))
    return pub, node_pub


def protect_flows(flows: pd.DataFrame, nodes: pd.DataFrame, journey: bool = True, directed: bool = True,
                  threshold: int = DEFAULT_THRESHOLD, suppress_mode: str = DROP,
                  breakdown_columns=()) -> FlowProtection:
    """Primary and complementary suppression of a flow table with its node
    margins (``routes_out``/``routes_in`` add up the flows of a node, the
    node's ``routes`` its out, in and internal routes: docs/privacy.md).

    One pattern over the flows (routes, legs and cases withheld together) and
    the node cells (:func:`suppression.protect` with
    :func:`suppression.flow_relations`). A withheld flow is dropped, or merged
    into the "other" row; a withheld node margin is blank. Because a dropped
    flow leaves only a gap in its node's margins, the gap is checked too: the
    published tables are audited (:mod:`audit`, as a reader who sees only the
    gaps) and, while a gap could be a small count, one more cell of that node
    is withheld and the pattern computed again."""
    from . import audit

    flows = flows.reset_index(drop=True)
    nodes = nodes.reset_index(drop=True)
    merge = suppress_mode == MERGE
    values, n = _flow_values(flows, nodes, merge)
    nf, nn = len(flows), len(nodes)
    node_cell = {nid: {k: nf + len(_KINDS) * i + j for j, k in enumerate(_KINDS)}
                 for i, nid in enumerate(nodes["node_id"])}
    ends = list(zip(flows["origin_id"], flows["destination_id"]))
    rel = flow_relations(Relations(n), ends, range(nf), node_cell, journey, directed)
    if merge:
        rel.add_sum(n - 1, range(nf))
    extra = np.zeros(n, bool)
    keyvals = pd.to_numeric(nodes["routes"], errors="coerce").to_numpy(float)
    if threshold > 0:
        small_nodes = (keyvals > 0) & (keyvals < threshold)
        extra[nf:nf + len(_KINDS) * nn] = np.repeat(small_nodes, len(_KINDS))
    never = np.zeros(n, bool)
    if merge:
        never[-1] = True
    force = np.zeros(n, bool)
    routes = values["routes"]
    # a flow at or above the threshold stays on the map: the complements are the node margins
    # (flows taken as complements cascaded: 1 of the sample's 12 country flows at threshold 5)
    never[:nf] = np.asarray(routes[:nf], float) >= max(threshold, 1)
    touching = {}
    for i, (o, d) in enumerate(ends):
        touching.setdefault(o, []).append(i)
        touching.setdefault(d, []).append(i)
    for _ in range(500):
        prot = protect(values, rel, threshold, primary=extra, force=force, never=never, batch=True)
        pub, node_pub = _publish_flows(flows, nodes, prot.withheld, threshold, suppress_mode, breakdown_columns)
        if threshold <= 0 or not prot.withheld.any():
            break
        bad = audit.exposed(audit.audit_frames({"flows": pub, "flow nodes": node_pub}, threshold))
        if bad.empty:
            break
        added = False
        for node in dict.fromkeys(str(r) for r in bad["row"]):
            for nid in node.split(" → "):
                # a node margin first (a blank margin leaves no gap to work back), a flow of the node only
                # when every margin is withheld already: otherwise the cascade empties the flow map
                free = lambda cs: [c for c in cs if not prot.withheld[c] and not force[c]  # noqa: E731
                                   and routes[c] >= threshold]
                cands = free(node_cell.get(nid, {}).values()) or free(touching.get(nid, []))
                if cands:
                    force[min(cands, key=lambda c: (routes[c], c))] = True
                    added = True
                    break
        if not added:
            break
    cells_f = pd.DataFrame({"flow": [f"{o} → {d}" for o, d in zip(flows["origin"], flows["destination"])]})
    node_rows = pd.DataFrame({"node": np.repeat(nodes["name"].astype(str).to_numpy(), len(_KINDS)),
                              "margin": np.tile([NODE_MARGINS[k] for k in _KINDS], nn)})
    measures = [m for m in _MEASURES if m in values]
    entries = [disclosure_entry("flows", cells_f, prot.subset(np.arange(n) < nf), ["flow"], measures),
               disclosure_entry("flow nodes", node_rows, prot.subset((np.arange(n) >= nf) & (np.arange(n) < nf + 4 * nn)),
                                ["node", "margin"], ["routes", "cases_low", "cases_high"])]
    return FlowProtection(pub, node_pub, entries, prot.withheld[:nf])


def _top_category(counts: pd.DataFrame, category_of: dict) -> pd.Series:
    """Most frequent category per row among published (non-blank, > 0) counts."""
    if counts.shape[1] == 0:
        return pd.Series(None, index=counts.index, dtype=object)
    vals = counts.apply(pd.to_numeric, errors="coerce").fillna(0)
    top = vals.idxmax(axis=1).map(category_of)
    return top.where(vals.max(axis=1) > 0, None)


def _node_table(E, F, internal, legs_e, info, pos) -> gpd.GeoDataFrame:
    """Distinct routes touching each node, with out / in / through / internal."""
    cols = ["code", "r", "cases_low", "cases_high"]
    both = pd.concat([E[[f"{s}_code", "r_code", "cases_low", "cases_high"]].set_axis(cols, axis=1) for s in ("o", "d")],
                     ignore_index=True).drop_duplicates(["code", "r"])
    nodes = case_sums(both, ["code"])
    count = lambda codes, routes: pd.DataFrame({"c": codes, "r": routes}).drop_duplicates().groupby("c").size()  # noqa: E731
    nodes["routes_out"] = count(F["o_code"], F["r_code"])
    nodes["routes_in"] = count(F["d_code"], F["r_code"])
    nodes["routes_internal"] = count(E.loc[internal, "o_code"], E.loc[internal, "r_code"])
    if legs_e is not None:
        L = legs_e[legs_e["r_code"].isin(E["r_code"]) & (legs_e["o_code"] != legs_e["d_code"])]
        L = L.sort_values(["r_code", "seq"], kind="stable")
        inner = L[L["r_code"].duplicated(keep="last")]
        nodes["routes_through"] = count(inner["d_code"], inner["r_code"])
        nodes[["routes_out", "routes_in", "routes_internal", "routes_through"]] = \
            nodes[["routes_out", "routes_in", "routes_internal", "routes_through"]].fillna(0).astype("int64")
    else:
        nodes[["routes_out", "routes_in", "routes_internal"]] = \
            nodes[["routes_out", "routes_in", "routes_internal"]].fillna(0).astype("int64")
        nodes["routes_through"] = pd.Series(pd.NA, index=nodes.index, dtype="Int64")
    nodes = nodes.reset_index()
    meta = info.reindex(nodes["code"])
    nodes["node_id"] = meta["node_id"].to_numpy()
    p = pos.reindex(nodes["node_id"])
    name = p["poly_name"].where(meta["level"].to_numpy() == "country", None)
    nodes.insert(2, "name", name.fillna(pd.Series(meta["name"].to_numpy(), index=name.index)).to_numpy())
    nodes.insert(3, "level", meta["level"].to_numpy())
    nodes.insert(4, "country", meta["country"].to_numpy())
    nodes["position"] = p["source"].to_numpy()
    cols = ["code", "node_id", "name", "level", "country", "routes", "cases_low", "cases_high",
            "routes_out", "routes_in", "routes_through", "routes_internal", "position"]
    return gpd.GeoDataFrame(nodes[cols], geometry=shapely.points(p["x"].to_numpy(), p["y"].to_numpy()), crs=CRS)


#: the unit rules (node ids at a level, distinct rows) shared with the round comparison (core/rounds.py)
node_of = _node_of
factorize_rows = _factorize_rows
