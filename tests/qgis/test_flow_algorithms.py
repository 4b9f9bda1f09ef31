"""routes:flowaggregation and routes:bordercrossings run in real QGIS on a
small GeoPackage; totals are checked against plain loops over the input."""
from __future__ import annotations

from collections import defaultdict

import geopandas as gpd
import pytest
import shapely

from trafficking_routes.processing.algorithms.border_crossings import BorderCrossings
from trafficking_routes.processing.algorithms.flow_aggregation import FlowAggregation

pytestmark = pytest.mark.qgis_app

PLACES = {  # key: (place, county, region, country, lon, lat)
    "nbo": ("Nairobi", "Nairobi", "Nairobi", "KEN", 36.82, -1.29),
    "bus": ("Busia", "Busia", "Western", "KEN", 34.111, 0.463),
    "kla": ("Kampala", "", "Central", "UGA", 32.58, 0.35),
    "msa": ("Mombasa", "Mombasa", "Coast", "KEN", 39.67, -4.04),
    "dxb": ("Dubai", "", "Dubay", "ARE", 55.27, 25.2),
}
ROUTES = [(["kla", "bus", "nbo"], 7, "road"), (["nbo", "dxb"], 6, "air"), (["msa", "nbo", "dxb"], 2, "road; air"),
          (["nbo", "bus", "kla"], 5, "road")]


@pytest.fixture()
def legs_gpkg(tmp_path):
    rows, n = [], 0
    for stops, copies, modes in ROUTES:
        for _ in range(copies):
            n += 1
            for i, (a, b) in enumerate(zip(stops, stops[1:])):
                pa, pb = PLACES[a], PLACES[b]
                row = dict(route_id=f"r{n}", source_row=n + 1, leg_seq=i, from_seq=i, to_seq=i + 1,
                           from_role="origin" if i == 0 else "transit",
                           to_role="exploitation" if i == len(stops) - 2 else "transit",
                           from_key=a, to_key=b, cases_low=1, cases_high=2, transport_modes=modes,
                           crosses_border=pa[3] != pb[3], geometry=shapely.LineString([pa[4:], pb[4:]]))
                for j, f in enumerate(("place", "county", "region", "country")):
                    row["from_" + f], row["to_" + f] = pa[j], pb[j]
                rows.append(row)
    path = tmp_path / "routes.gpkg"
    gdf = gpd.GeoDataFrame(rows, crs="EPSG:4326")
    gdf.to_file(path, layer="route_legs")
    return f"{path}|layername=route_legs", gdf


def run(alg, params):
    from qgis import processing
    return processing.run(alg, params)


def test_flowaggregation_country_level_matches_loops(qgis_processing, legs_gpkg, tmp_path):
    uri, gdf = legs_gpkg
    out = run(FlowAggregation(), {"INPUT": uri, "MODE": 1, "LEVEL": 3, "BREAKDOWN": ["transport_modes"],
                                  "SUPPRESS_BELOW": 0, "OUTPUT": str(tmp_path / "flows.gpkg"),
                                  "NODES": str(tmp_path / "nodes.gpkg")})
    flows = gpd.read_file(out["OUTPUT"])
    routes = defaultdict(set)
    for r in gdf.itertuples():
        if r.from_country != r.to_country:
            routes[(r.from_country, r.to_country)].add(r.route_id)
    got = {(r.origin_country, r.destination_country): r.routes for r in flows.itertuples()}
    assert got == {k: len(v) for k, v in routes.items()}
    assert {"origin", "destination", "routes", "cases_low", "cases_high", "transport_modes_road",
            "transport_modes_top"} <= set(flows.columns)
    nodes = gpd.read_file(out["NODES"])
    assert set(nodes["country"]) == {"KEN", "UGA", "ARE"}
    assert out["SKIPPED"] == 0


def test_flowaggregation_suppresses_and_refuses_bad_fields(qgis_processing, legs_gpkg, tmp_path):
    from qgis.core import QgsProcessingException
    uri, gdf = legs_gpkg
    out = run(FlowAggregation(), {"INPUT": uri, "MODE": 1, "LEVEL": 0, "SUPPRESS_BELOW": 5,
                                  "OUTPUT": str(tmp_path / "f.gpkg"), "NODES": str(tmp_path / "n.gpkg")})
    flows = gpd.read_file(out["OUTPUT"])
    assert (flows["routes"] >= 5).all() and out["SUPPRESSED"] > 0
    with pytest.raises(QgsProcessingException):
        run(FlowAggregation(), {"INPUT": uri, "BREAKDOWN": ["no_such_field"], "OUTPUT": "memory:", "NODES": "memory:"})


def test_bordercrossings_finds_busia(qgis_processing, legs_gpkg, tmp_path):
    uri, gdf = legs_gpkg
    out = run(BorderCrossings(), {"INPUT": uri, "SUPPRESS_BELOW": 5, "OUTPUT": str(tmp_path / "x.gpkg")})
    x = gpd.read_file(out["OUTPUT"]).set_index("name")
    busia_routes = {r.route_id for r in gdf.itertuples() if {r.from_key, r.to_key} == {"bus", "kla"}}
    assert x.loc["Busia", "routes"] == len(busia_routes)
    assert x.loc["Busia", "countries"] == "KEN–UGA" and x.loc["Busia", "top_modes"] == "road"


@pytest.mark.parametrize("colour", [None, "transport_modes_top"])
def test_styles_apply(qgis_processing, legs_gpkg, tmp_path, colour):
    from qgis.core import QgsCategorizedSymbolRenderer, QgsGraduatedSymbolRenderer, QgsVectorLayer

    from trafficking_routes.routes_plugin.edge.styles import apply_style, flow_style
    uri, _ = legs_gpkg
    out = run(FlowAggregation(), {"INPUT": uri, "MODE": 1, "LEVEL": 0, "BREAKDOWN": ["transport_modes"],
                                  "SUPPRESS_BELOW": 0, "OUTPUT": str(tmp_path / "f.gpkg"),
                                  "NODES": str(tmp_path / "n.gpkg")})
    layer = QgsVectorLayer(out["OUTPUT"], "flows", "ogr")
    apply_style(layer, "flows", flow_style(size_field="routes", colour_field=colour))
    renderer = layer.renderer()
    if colour:
        assert isinstance(renderer, QgsCategorizedSymbolRenderer)
        assert {c.value() for c in renderer.categories()} == {"road", "air"}
    else:
        assert isinstance(renderer, QgsGraduatedSymbolRenderer)
        assert all("routes" in r.label() for r in renderer.ranges())
    nodes = QgsVectorLayer(out["NODES"], "nodes", "ogr")
    apply_style(nodes, "flow_nodes", flow_style(size_field="routes"))
    assert nodes.renderer().dataDefinedSizeLegend() is not None
