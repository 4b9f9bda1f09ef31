"""Issue 10: the core finds no QGIS resource by a path; without the world map it is handed,
node placement on polygons and border crossings say so instead of silently degrading."""
from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from trafficking_routes.routes_plugin.core import crossings, flows
from trafficking_routes.routes_plugin.core.errors import ResourceError, RoutesError


def _legs():
    return gpd.GeoDataFrame({
        "route_id": ["a", "b"], "source_row": [1, 2], "leg_seq": [1, 1],
        "from_country": ["KEN", "KEN"], "to_country": ["UGA", "UGA"], "from_place": ["Nairobi", "Nairobi"],
        "to_place": ["Kampala", "Kampala"], "from_key": ["nbo", "nbo"], "to_key": ["kla", "kla"],
        "from_region": ["Nairobi", "Nairobi"], "to_region": ["Central", "Central"],
        "from_county": [None, None], "to_county": [None, None], "from_role": ["origin"] * 2,
        "to_role": ["destination"] * 2, "cases_low": [1, 2], "cases_high": [1, 2], "transport_modes": ["road"] * 2},
        geometry=[shapely.LineString([(36.82, -1.29), (32.58, 0.35)])] * 2, crs="EPSG:4326")


def test_polygon_node_positions_need_the_world_map():
    with pytest.raises(ResourceError, match="world_map.gpkg"):
        flows.aggregate_flows(_legs(), "country", "legs", threshold=0)
    placed = flows.aggregate_flows(_legs(), "country", "legs", threshold=0, node_position="points")
    assert len(placed.flows) == 1


def test_crossings_need_the_country_polygons(world_map):
    with pytest.raises(ResourceError, match="world_map.gpkg"):
        crossings.aggregate_crossings(_legs(), threshold=0)
    found = crossings.aggregate_crossings(_legs(), threshold=0, countries=crossings.load_countries(str(world_map)))
    assert int(found.crossings["routes"].sum()) == 2


def test_user_errors_are_routes_errors():
    with pytest.raises(RoutesError, match="lacks the field"):
        flows.aggregate_flows(_legs().drop(columns="to_country"), "country", "legs", node_position="points")
