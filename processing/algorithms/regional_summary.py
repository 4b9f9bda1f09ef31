"""routes:regionalsummary — per-region risk summary, regional risk choropleth and national tables."""
from __future__ import annotations

from qgis.core import (
    QgsApplication,
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsVectorLayer,
    QgsWkbTypes,
)

from ..qgis_io import frame_to_sink, require, source_to_frame, style_output, suppress_parameter

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


def default_regions_layer() -> QgsVectorLayer:
    """Kenya's 8 former provinces from QGIS's bundled world map."""
    path = f"{QgsApplication.pkgDataPath()}/resources/data/world_map.gpkg"
    layer = QgsVectorLayer(f"{path}|layername={DEFAULT_REGIONS}", "Kenya regions", "ogr")
    if not layer.isValid():
        raise QgsProcessingException(f"QGIS's world map {path} is missing: choose a region layer.")
    layer.setSubsetString(DEFAULT_FILTER)
    return layer


def add_region_parameters(alg, points_param: str) -> None:
    """INPUT-like route points, REGIONS, REGION_FIELD and SUPPRESS_BELOW parameters."""
    p = QgsProcessingParameterFeatureSource(points_param, "Route points", [QgsProcessing.TypeVectorPoint])
    p.setHelp(POINTS_HELP)
    alg.addParameter(p)
    p = QgsProcessingParameterFeatureSource("REGIONS", "Chapter regions (polygons)",
                                            [QgsProcessing.TypeVectorPolygon], optional=True)
    p.setHelp(REGIONS_HELP)
    alg.addParameter(p)
    p = QgsProcessingParameterField("REGION_FIELD", "Region name field", DEFAULT_FIELD, "REGIONS", optional=True)
    p.setHelp(FIELD_HELP)
    alg.addParameter(p)
    alg.addParameter(suppress_parameter(SUPPRESS_HELP))


def read_regions(alg, parameters, context, points_param: str, feedback):
    """(summary, regions GeoDataFrame, region layer, name field) from the parameters."""
    from ...routes_plugin.core.summary import regional_summary

    source = alg.parameterAsSource(parameters, points_param, context)
    if source is None:
        raise QgsProcessingException(alg.invalidSourceError(parameters, points_param))
    points = source_to_frame(source, feedback)
    threshold = alg.parameterAsInt(parameters, "SUPPRESS_BELOW", context)
    name_field = alg.parameterAsString(parameters, "REGION_FIELD", context) or DEFAULT_FIELD
    layer = alg.parameterAsVectorLayer(parameters, "REGIONS", context)
    by_polygons = layer is not None
    if layer is None:
        layer = default_regions_layer()
    if layer.fields().lookupField(name_field) < 0:
        raise QgsProcessingException(
            f"The region layer '{layer.name()}' has no field '{name_field}'. Its fields are: "
            + ", ".join(f.name() for f in layer.fields()) + ". Choose the field holding the region names.")
    regions = source_to_frame(layer, None, [name_field])
    regions = regions.dissolve(name_field, as_index=False) if regions[name_field].duplicated().any() else regions
    try:
        summary = (regional_summary(points.to_crs(regions.crs), regions, name_field, threshold=threshold)
                   if by_polygons else
                   regional_summary(points, None, names=regions[name_field].astype(str).tolist(), threshold=threshold))
    except ValueError as err:  # SummaryError and bad geometries
        raise QgsProcessingException(str(err)) from err
    return summary, regions, layer, name_field, points


class RegionalSummary(QgsProcessingAlgorithm):
    INPUT, OUTPUT, OUTPUT_POLYGONS, OUTPUT_BREAKDOWN = "INPUT", "OUTPUT", "OUTPUT_POLYGONS", "OUTPUT_BREAKDOWN"
    OUTPUT_AIRLINES, OUTPUT_RECRUITMENT = "OUTPUT_AIRLINES", "OUTPUT_RECRUITMENT"
    OUTPUT_AIRLINES_WIDE, OUTPUT_RECRUITMENT_WIDE = "OUTPUT_AIRLINES_WIDE", "OUTPUT_RECRUITMENT_WIDE"
    OUTPUT_DISCLOSURE = "OUTPUT_DISCLOSURE"

    def name(self):
        return "regionalsummary"

    def displayName(self):  # noqa: N802
        return "Regional summary (chapters)"

    def group(self):
        return "Chapters"

    def groupId(self):  # noqa: N802
        return "chapters"

    def createInstance(self):  # noqa: N802
        return type(self)()

    def shortHelpString(self):  # noqa: N802
        from ...routes_plugin.core.summary import RISK_FORMULA

        return (
            "Per chapter region (Kenya's 8 former provinces by default, or any polygon layer with a name field): "
            "the routes and estimated cases starting, passing through and ending there, their share of the "
            "national total, the top destination countries and transit points, and the routes by mode of "
            "transport, airline, recruitment method and type of exploitation.\n\n"
            "Counts are distinct routes; cases are summed once per route (low = sum of the known lower "
            "estimates; high is blank when a route has no upper estimate). The national total is the routes "
            "with at least one stop in Kenya (with your own region layer: in any of its polygons).\n\n"
            f"Regional risk (field risk_index, the choropleth): {RISK_FORMULA}.\n\n"
            "Outputs: the regional table, the same as styled polygons, the long table of counts by region and "
            "category, and the national tables airline × destination country and recruitment method × type of "
            "exploitation (optionally also as cross tables). Every count goes through the shared small-count "
            "rule; lists name only items with a publishable count.\n\n"
            "Totals: the regional table ends with the national row (region 'total'); the cross tables carry a "
            "total row and a total column (named 'total'; they add up the cells, so a route naming two airlines "
            "counts under both). Because totals are published, further cells are withheld (complementary "
            "suppression) so that no blank can be worked out from them: each keeps at least 3 possible values "
            "(docs/privacy.md; check with 'Disclosure audit'). The disclosure log lists what was withheld."
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        add_region_parameters(self, self.INPUT)
        outputs = (
            (self.OUTPUT, "Regional summary", QgsProcessing.TypeVector, True,
             "One row per region: routes_/cases_low_/cases_high_ for any stop, origin, transit and end (intended "
             "destination or exploitation), share_national_pct, risk_index and the top lists."),
            (self.OUTPUT_POLYGONS, "Regional risk", QgsProcessing.TypeVectorPolygon, True,
             "The regional summary on the region polygons, styled as a risk_index choropleth."),
            (self.OUTPUT_BREAKDOWN, "Regional breakdown", QgsProcessing.TypeVector, True,
             "Long table region, field, code, name, routes, cases_low, cases_high for destination countries, "
             "transit points, modes of transport, airlines, recruitment methods and types of exploitation."),
            (self.OUTPUT_AIRLINES, "Airlines × destination (national)", QgsProcessing.TypeVector, True,
             "Routes and cases per airline and destination country (intended destination or place of "
             "exploitation) among the national routes."),
            (self.OUTPUT_RECRUITMENT, "Recruitment × exploitation (national)", QgsProcessing.TypeVector, True,
             "Routes and cases per recruitment method and type of exploitation among the national routes."),
            (self.OUTPUT_AIRLINES_WIDE, "Airlines × destination, cross table", QgsProcessing.TypeVector, False,
             "Routes per airline (rows) and destination country (one column per ISO3 code)."),
            (self.OUTPUT_RECRUITMENT_WIDE, "Recruitment × exploitation, cross table", QgsProcessing.TypeVector, False,
             "Routes per recruitment method (rows) and type of exploitation (one column per code)."),
            (self.OUTPUT_DISCLOSURE, "Disclosure log", QgsProcessing.TypeVector, True,
             "What was withheld, per table: cells by primary suppression (below the threshold) and by "
             "complementary suppression (so that totals do not reveal them), and the threshold (core/publication.py)."),
        )
        for name, label, kind, default, help_text in outputs:
            optional = not default or name == self.OUTPUT_DISCLOSURE
            p = QgsProcessingParameterFeatureSink(name, label, kind, optional=optional, createByDefault=default)
            p.setHelp(help_text)
            self.addParameter(p)

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        require("pandas", "geopandas", "shapely")
        from ...routes_plugin.core.publication import disclosure_log
        from ...routes_plugin.core.summary import wide

        summary, regions, _layer, name_field, _points = read_regions(self, parameters, context, self.INPUT, feedback)
        crs = _layer.crs()
        polygons = regions[[name_field, regions.geometry.name]].rename(columns={name_field: "region"})
        polygons["region"] = polygons["region"].astype(str)
        polygons = polygons.merge(summary.regions, on="region", how="left")
        tables = {
            self.OUTPUT: summary.published_regions(),
            self.OUTPUT_BREAKDOWN: summary.breakdown,
            self.OUTPUT_AIRLINES: summary.airlines,
            self.OUTPUT_RECRUITMENT: summary.recruitment,
            self.OUTPUT_AIRLINES_WIDE: wide(summary.airlines, "airlines", "destination_country"),
            self.OUTPUT_RECRUITMENT_WIDE: wide(summary.recruitment, "recruitment_methods", "exploitation_types"),
            self.OUTPUT_DISCLOSURE: disclosure_log(summary.disclosure),
        }
        outputs = {}
        for name, frame in tables.items():
            if parameters.get(name) is None and name in (self.OUTPUT_AIRLINES_WIDE, self.OUTPUT_RECRUITMENT_WIDE,
                                                         self.OUTPUT_DISCLOSURE):
                continue
            outputs[name] = frame_to_sink(self, parameters, context, name, frame, crs, feedback, QgsWkbTypes.NoGeometry)
        outputs[self.OUTPUT_POLYGONS] = frame_to_sink(self, parameters, context, self.OUTPUT_POLYGONS, polygons, crs,
                                                      feedback, QgsWkbTypes.MultiPolygon)
        style_output(context, outputs[self.OUTPUT_POLYGONS], "regional_risk")
        feedback.pushInfo(f"Regions with data: {int(summary.regions['has_data'].sum())} of {len(summary.regions)}; "
                          f"counts below {summary.threshold} suppressed.")
        return outputs
