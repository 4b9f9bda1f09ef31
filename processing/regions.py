"""The chapter regions of routes:regionalsummary and routes:chaptermaps:
parameters, the region layer (the user's, or the default regions) and the
regional summary computed over the route points."""
from __future__ import annotations

from qgis.core import (
    Qgis,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
)

from ..routes_plugin.core.errors import RoutesError
from ..routes_plugin.edge.frames import layer_to_frame, read_frame
from ..routes_plugin.edge.resources import world_map_layer
from .parameters import suppress_parameter

DEFAULT_REGIONS = "states_provinces"
DEFAULT_FILTER = "\"adm0_a3\" = 'KEN'"
DEFAULT_FIELD = "name"

POINTS_HELP = ("The route_points layer written by 'Load tracker export' (one point per stop of each route, "
               "with route_id, role, region, country, cases and the route's categories).")
REGIONS_HELP = ("Polygons of the chapter regions. Leave empty for Kenya's 8 former provinces (QGIS's world map, "
                "states_provinces where adm0_a3 = KEN); stops are then placed by their region field. With your "
                "own layer, each stop belongs to the polygon that contains it.")
FIELD_HELP = "The field of the region layer holding the region names (default: name)."
SUPPRESS_HELP = ("no published count (routes, cases, category counts) is below this number; smaller counts are "
                 "left blank and the region's share and risk index with them.")
#: the route_points fields the summary reads
POINT_COLUMNS = ["route_id", "role", "region", "country", "place", "key", "cases_low", "cases_high", "year",
                 "transport_modes", "airlines", "recruitment_methods", "exploitation_types", "industry"]


def default_regions_layer():
    """Kenya's 8 former provinces from QGIS's bundled world map."""
    return world_map_layer(DEFAULT_REGIONS, "Kenya regions", DEFAULT_FILTER)


def add_region_parameters(alg, points_param: str) -> None:
    """INPUT-like route points, REGIONS, REGION_FIELD and SUPPRESS_BELOW parameters."""
    p = QgsProcessingParameterFeatureSource(points_param, "Route points", [Qgis.ProcessingSourceType.VectorPoint])
    p.setHelp(POINTS_HELP)
    alg.addParameter(p)
    p = QgsProcessingParameterFeatureSource("REGIONS", "Chapter regions (polygons)",
                                            [Qgis.ProcessingSourceType.VectorPolygon], optional=True)
    p.setHelp(REGIONS_HELP)
    alg.addParameter(p)
    p = QgsProcessingParameterField("REGION_FIELD", "Region name field", DEFAULT_FIELD, "REGIONS", optional=True)
    p.setHelp(FIELD_HELP)
    alg.addParameter(p)
    alg.addParameter(suppress_parameter(SUPPRESS_HELP))


def region_layer(alg, parameters, context):
    """(layer, name field, by_polygons) of the chapter regions."""
    name_field = alg.parameterAsString(parameters, "REGION_FIELD", context) or DEFAULT_FIELD
    layer = alg.parameterAsVectorLayer(parameters, "REGIONS", context)
    by_polygons = layer is not None
    if layer is None:
        layer = default_regions_layer()
    if layer.fields().lookupField(name_field) < 0:
        raise RoutesError(
            f"The region layer '{layer.name()}' has no field '{name_field}'. Its fields are: "
            + ", ".join(f.name() for f in layer.fields()) + ". Choose the field holding the region names.")
    return layer, name_field, by_polygons


def read_regions(alg, parameters, context, points_param: str, feedback):
    """(summary, regions GeoDataFrame, region layer, name field, points) from the parameters."""
    from ..routes_plugin.core.summary import regional_summary

    points = read_frame(alg, parameters, points_param, context, feedback, POINT_COLUMNS)
    threshold = alg.parameterAsInt(parameters, "SUPPRESS_BELOW", context)
    layer, name_field, by_polygons = region_layer(alg, parameters, context)
    regions = layer_to_frame(layer, None, [name_field])
    regions = regions.dissolve(name_field, as_index=False) if regions[name_field].duplicated().any() else regions
    summary = (regional_summary(points.to_crs(regions.crs), regions, name_field, threshold=threshold)
               if by_polygons else
               regional_summary(points, None, names=regions[name_field].astype(str).tolist(), threshold=threshold))
    return summary, regions, layer, name_field, points
