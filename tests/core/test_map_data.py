"""What the regional chapter maps draw (routes_plugin/layouts/map_data.py), without QGIS:
flights are never land crossings, legs leaving the frame end in one labelled arrow per
country, classes are rounded, non-overlapping, non-empty and shared by every chapter."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import shapely

from trafficking_routes.routes_plugin.layouts import map_data as md

WORLD = Path("/usr/share/qgis/resources/data/world_map.gpkg")
SAMPLE = Path(__file__).resolve().parents[2] / "routes_plugin" / "data" / "sample" / "kenya_routes_synthetic.csv"


def _leg(route, a, b, ca, cb, xa, ya, xb, yb, modes="road", airlines=None, key_a=None, key_b=None):
    return {"route_id": route, "leg_seq": 1, "from_place": a, "to_place": b, "from_key": key_a or a,
            "to_key": key_b or b, "from_country": ca, "to_country": cb, "transport_modes": modes,
            "airlines": airlines, "geometry": shapely.LineString([(xa, ya), (xb, yb)])}


def test_leg_modes_interim_rule_and_mode_column():
    nb = md.land_neighbours_geonames()
    assert frozenset(("KEN", "UGA")) in nb and frozenset(("KEN", "SAU")) not in nb
    legs = pd.DataFrame([
        _leg(1, "Mombasa", "Riyadh", "KEN", "SAU", 39.7, -4.0, 46.7, 24.7, modes="road; air"),
        _leg(2, "Busia", "Kampala", "KEN", "UGA", 34.1, 0.46, 32.6, 0.3, modes="road; air"),  # neighbours: land
        _leg(3, "Nairobi", "Doha", "KEN", "QAT", 36.8, -1.3, 51.5, 25.3, modes="", airlines="Qatar Airways"),
        _leg(4, "Lamu", "Muscat", "KEN", "OMN", 40.9, -2.3, 58.4, 23.6, modes="sea"),
        _leg(5, "Nairobi", "Mombasa", "KEN", "KEN", 36.8, -1.3, 39.7, -4.0, modes="air"),  # domestic: land rule
    ])
    assert md.leg_modes(legs, nb).tolist() == [md.AIR, md.LAND, md.AIR, md.SEA, md.LAND]
    legs["mode"] = ["air", "road", "flight", "boat", "air"]  # the exports' per-leg column wins
    assert md.leg_modes(legs, nb).tolist() == [md.AIR, md.LAND, md.AIR, md.SEA, md.AIR]


@pytest.mark.parametrize("values,minimum", [
    ([5, 5, 6, 6, 8, 13, 19, 24, 43], 5),
    (list(range(5, 400, 3)), 5),
    ([1, 2, 2, 3, 50, 51], 1),
    ([7], 5),
])
def test_classes_rounded_without_overlap_or_empty_class(values, minimum):
    classes = md.count_classes(values, 4, minimum)
    assert classes[0][0] == minimum and classes[-1][1] is None
    for (lo, hi), (nlo, _) in zip(classes, classes[1:]):
        assert hi == nlo - 1 and lo <= hi  # no overlap, no gap
    for i, (lo, hi) in enumerate(classes):
        assert any(md.class_of(v, classes) == i for v in values), f"empty class {lo}-{hi}"
        if i:
            assert str(lo).rstrip("0")[-1] in "125", f"{lo} is not a rounded bound"
    assert md.class_label(5, 9, "routes") == "5–9 routes"
    assert md.class_label(50, None, "njia", "au zaidi") == "50 au zaidi njia"


@pytest.fixture(scope="module")
def layers(tmp_path_factory):
    import pyogrio

    from trafficking_routes.routes_plugin.core.loader import load_export

    out = tmp_path_factory.mktemp("map_data") / "routes.gpkg"
    load_export(str(SAMPLE), output=str(out))
    return (pyogrio.read_dataframe(out, layer="route_points"), pyogrio.read_dataframe(out, layer="route_legs"))


def _chapter(layers, region, frame, crs):
    from trafficking_routes.routes_plugin.core.crossings import load_countries

    points, legs = layers
    countries = load_countries(str(WORLD))
    ids = md.region_route_ids(points, points["region"].where(points["country"] == "KEN"), region)
    names = {c: md.country_name(c) for c in set(legs["to_country"]) | set(legs["from_country"])}
    return md.chapter_map_data(legs, points, ids, frame, crs, 5, md.land_neighbours_geonames(), countries, names,
                               md.gazetteer_towns(pd.read_csv(md_places(), keep_default_na=False)), home="KEN",
                               region=region)


def md_places():
    from trafficking_routes.routes_plugin.core.gazetteer import DATA_DIR

    return DATA_DIR / "places.csv.gz"


@pytest.mark.skipif(not WORLD.exists(), reason="QGIS's world_map.gpkg not installed")
def test_north_eastern_flights_are_no_crossings_and_leave_by_the_edge(layers):
    data = _chapter(layers, "North-Eastern", (300_000, -150_000, 1_000_000, 550_000), "EPSG:32637")
    nb = md.land_neighbours_geonames()
    for countries in data["crossings"]["countries"]:
        a, b = countries.split("–")
        codes = {md.country_name(c): c for c in ("KEN", "SOM", "ETH", "UGA", "TZA", "SSD")}
        assert frozenset((codes[a], codes[b])) in nb, countries
    legs = data["legs"]
    assert (legs.loc[legs["to_country"].isin(["SAU", "QAT", "ARE"]) & legs["airlines"].notna(), "mode"] == md.AIR).all()
    edge = data["edge_labels"]
    assert not edge.duplicated(["country", "direction", "mode"]).any()
    assert (edge["routes"] >= 5).all() and (data["flows"]["routes"] >= 5).all()
    assert (data["places"]["routes"] >= 5).all()
    frame = shapely.box(300_000, -150_000, 1_000_000, 550_000).buffer(1)
    assert data["flows"].geometry.within(frame).all()


@pytest.mark.skipif(not WORLD.exists(), reason="QGIS's world_map.gpkg not installed")
def test_coast_towns_one_label_per_place(layers):
    data = _chapter(layers, "Coast", (150_000, 9_450_000, 850_000, 10_150_000), "EPSG:32737")
    labelled = set(data["places"]["name"]) | set(data["towns"]["name"])
    coast = {"Mombasa", "Malindi", "Kilifi", "Lamu", "Kwale", "Voi", "Ukunda", "Watamu", "Mtwapa", "Hola"}
    assert len(coast & labelled) >= 3, labelled
    from trafficking_routes.routes_plugin.core.categories import fold

    crossing_names = [n for n in data["crossings"]["name"] if isinstance(n, str)]
    names = [fold(n) for n in [*data["places"].dropna(subset=["label"])["name"], *data["towns"]["name"],
                               *crossing_names]]
    assert len(names) == len(set(names)), "a place is labelled twice"


def _stops(rows):
    import geopandas as gpd

    frame = pd.DataFrame(rows, columns=["route_id", "seq", "role", "country", "x", "y"])
    return gpd.GeoDataFrame(frame.drop(columns=["x", "y"]), geometry=gpd.points_from_xy(frame["x"], frame["y"]),
                            crs="EPSG:4326")


def test_destinations_abroad_as_the_chapter_table_suppressed_largest_first():
    rows = []
    for r in range(1, 9):     # 8 routes Mombasa -> Riyadh (intended destination), via Nairobi
        rows += [(r, 1, "origin", "KEN", 39.7, -4.0), (r, 2, "transit", "KEN", 36.8, -1.3),
                 (r, 3, "destination", "SAU", 46.7, 24.7)]
    for r in range(9, 15):    # 6 routes exploited in Doha, then through Dubai (a transit: not a destination)
        rows += [(r, 1, "origin", "KEN", 39.7, -4.0), (r, 2, "exploitation", "QAT", 51.5, 25.3),
                 (r, 3, "transit", "ARE", 55.3, 25.1)]
    for r in range(15, 18):   # 3 routes to Oman: below the threshold
        rows += [(r, 1, "origin", "KEN", 39.7, -4.0), (r, 2, "destination", "OMN", 58.4, 23.6)]
    for r in range(18, 30):   # 12 routes staying in Kenya: not abroad
        rows += [(r, 1, "origin", "KEN", 39.7, -4.0), (r, 2, "destination", "KEN", 36.8, -1.3)]
    points = _stops(rows)
    dest = md.destinations_abroad(points, range(1, 30), "KEN", 5, None, {"SAU": "Saudi Arabia", "QAT": "Qatar"})
    assert dest[["country", "name", "routes"]].values.tolist() == [["SAU", "Saudi Arabia", 8], ["QAT", "Qatar", 6]]
    assert dest.attrs["suppressed"] == 1 and dest.crs.to_epsg() == 4326
    assert dest.geometry.iloc[0].equals(shapely.Point(46.7, 24.7))
    assert md.destinations_abroad(points, range(18, 30), "KEN", 5).empty
