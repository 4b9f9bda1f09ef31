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
from ..routes_plugin.edge.countries import chapter_layer
from .parameters import country_pack, country_parameter, suppress_parameter

POINTS_HELP = ("The route_points layer written by 'Load tracker export' (one point per stop of each route, "
               "with route_id, role, region, country, cases and the route's categories).")
REGIONS_HELP = ("Polygons of the chapter regions. Leave empty for the country pack's regions (Kenya: its 8 former "
                "provinces from QGIS's world map; a regional pack: its countries); stops are then placed by their "
                "region or country field. With your own layer, each stop belongs to the polygon that contains it.")
FIELD_HELP = "The field of your region layer holding the region names (default: the pack's, else name)."
SUPPRESS_HELP = ("no published count (routes, cases, category counts) is below this number; smaller counts are "
                 "left blank and the region's share and risk index with them.")
#: the route_points fields the summary reads
POINT_COLUMNS = ["route_id", "role", "region", "country", "place", "key", "cases_low", "cases_high", "year",
                 "transport_modes", "airlines", "recruitment_methods", "exploitation_types", "industry"]


def add_region_parameters(alg, points_param: str) -> None:
    """INPUT-like route points, REGIONS, REGION_FIELD and SUPPRESS_BELOW parameters."""
    p = QgsProcessingParameterFeatureSource(points_param, "Route points", [Qgis.ProcessingSourceType.VectorPoint])
    p.setHelp(POINTS_HELP)
    alg.addParameter(p)
    p = QgsProcessingParameterFeatureSource("REGIONS", "Chapter regions (polygons)",
                                            [Qgis.ProcessingSourceType.VectorPolygon], optional=True)
    p.setHelp(REGIONS_HELP)
    alg.addParameter(p)
    p = QgsProcessingParameterField("REGION_FIELD", "Region name field", None, "REGIONS", optional=True)
    p.setHelp(FIELD_HELP)
    alg.addParameter(p)
    alg.addParameter(country_parameter("the chapter regions, their names in each language and the home country"))
    alg.addParameter(suppress_parameter(SUPPRESS_HELP))


def region_layer(alg, parameters, context):
    """(layer, name field, how stops are assigned, pack) of the chapter regions: the user's polygons
    (assigned by containing polygon), else the country pack's."""
    country = country_pack(alg, parameters, context)
    layer = alg.parameterAsVectorLayer(parameters, "REGIONS", context)
    if layer is not None:
        name_field, assign = alg.parameterAsString(parameters, "REGION_FIELD", context) or "name", "polygons"
    else:
        layer, name_field, assign = chapter_layer(country), country.name_field, country.assign
    if layer.fields().lookupField(name_field) < 0:
        raise RoutesError(
            f"The region layer '{layer.name()}' has no field '{name_field}'. Its fields are: "
            + ", ".join(f.name() for f in layer.fields()) + ". Choose the field holding the region names.")
    return layer, name_field, assign, country


def read_regions(alg, parameters, context, points_param: str, feedback):
    """(summary, regions GeoDataFrame, region layer, name field, points) from the parameters."""
    from ..routes_plugin.core.summary import regional_summary

    points = read_frame(alg, parameters, points_param, context, feedback, POINT_COLUMNS)
    threshold = alg.parameterAsInt(parameters, "SUPPRESS_BELOW", context)
    layer, name_field, assign, country = region_layer(alg, parameters, context)
    code_field = country.chapters.get("code_field") if assign == "country" else None
    regions = layer_to_frame(layer, None, [name_field, *([code_field] if code_field else [])])
    regions = regions.dissolve(name_field, as_index=False) if regions[name_field].duplicated().any() else regions
    names = regions[name_field].astype(str).tolist()
    if assign == "polygons":
        summary = regional_summary(points.to_crs(regions.crs), regions, name_field, threshold=threshold)
    else:
        codes = dict(zip(regions[code_field].astype(str), regions[name_field].astype(str))) if code_field else None
        stops, home = country.summary_points(points, codes)
        summary = regional_summary(stops, None, names=names, threshold=threshold, home_country=home)
    return summary, regions, layer, name_field, points
