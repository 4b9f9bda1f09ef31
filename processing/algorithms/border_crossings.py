"""routes:bordercrossings — where route legs cross international borders."""
from __future__ import annotations

from qgis.core import (
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterNumber,
)

from ..qgis_io import frame_to_sink, require
from ..qgis_io import check, read_frame
from .flow_aggregation import SUPPRESS_MODES, add_suppression_parameters, report_skips, style_on_load

COLUMNS = ["route_id", "source_row", "leg_seq", "from_country", "to_country", "from_place", "to_place",
           "from_key", "to_key", "from_role", "to_role", "cases_low", "cases_high", "transport_modes"]


class BorderCrossings(QgsProcessingAlgorithm):
    INPUT, SNAP_DISTANCE_KM, OUTPUT = "INPUT", "SNAP_DISTANCE_KM", "OUTPUT"
    SUPPRESS_BELOW, SUPPRESS_MODE = "SUPPRESS_BELOW", "SUPPRESS_MODE"

    def name(self):
        return "bordercrossings"

    def displayName(self):  # noqa: N802
        return "Border crossings"

    def group(self):
        return "Flows"

    def groupId(self):  # noqa: N802
        return "flows"

    def createInstance(self):  # noqa: N802
        return BorderCrossings()

    def shortHelpString(self):  # noqa: N802
        return (
            "Finds where route legs cross international borders and counts the routes through each crossing.\n\n"
            "For a leg between two countries: when one of its transit stops lies within the snap distance "
            "of the other country, the crossing is that place (Busia, Malaba, Namanga, Isebania, Moyale …); "
            "otherwise it is where the straight leg leaves its country on the border line of QGIS's "
            "world_map.gpkg, and border points of the same country pair within the snap distance are one "
            "crossing. Places of the same name on both sides (Busia, Kenya and Busia, Uganda) are one "
            "crossing.\n\n"
            "Output points: name, kind (place / border), the two countries, routes (distinct), legs, "
            "cases_low, cases_high and top_modes (up to three most frequent transport modes, each named only "
            "when its count is publishable).\n\n"
            "Parameters: Route legs (route_legs from Load tracker export); Snap distance (km); Suppress counts "
            "below (0 = off) and what to do with small crossings (drop, or merge into one \"other\" row "
            "without geometry). Legs without coordinates or with a country missing from the border map are "
            "skipped and reported in the log."
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        p = QgsProcessingParameterFeatureSource(self.INPUT, "Route legs", [QgsProcessing.TypeVectorLine])
        p.setHelp("route_legs from Load tracker export (from_/to_ country, place, role, key; cases; transport_modes).")
        self.addParameter(p)
        p = QgsProcessingParameterNumber(self.SNAP_DISTANCE_KM, "Snap distance to a transit place (km)",
                                         QgsProcessingParameterNumber.Double, 25.0, minValue=0.0)
        p.setHelp("A transit stop of the leg within this distance of the border is taken as the crossing; "
                  "border points closer than this are one crossing.")
        self.addParameter(p)
        add_suppression_parameters(self)
        p = QgsProcessingParameterFeatureSink(self.OUTPUT, "Border crossings", QgsProcessing.TypeVectorPoint)
        p.setHelp("One point per crossing with its countries and counts.")
        self.addParameter(p)
        for out in ("CROSSINGS", "SKIPPED", "SUPPRESSED"):
            self.addOutput(QgsProcessingOutputNumber(out, out.lower()))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        require("pandas", "geopandas", "pyogrio", "shapely", "numpy", "scipy")
        from ...routes_plugin.core.crossings import aggregate_crossings, load_countries

        legs = read_frame(self, parameters, self.INPUT, context, feedback, COLUMNS, to_crs="EPSG:4326")
        check(feedback, 30)
        countries = load_countries(QgsApplication.pkgDataPath() + "/resources/data/world_map.gpkg")
        try:
            result = aggregate_crossings(
                legs, threshold=self.parameterAsInt(parameters, self.SUPPRESS_BELOW, context),
                suppress_mode=SUPPRESS_MODES[self.parameterAsEnum(parameters, self.SUPPRESS_MODE, context)],
                snap_km=self.parameterAsDouble(parameters, self.SNAP_DISTANCE_KM, context), countries=countries)
        except ValueError as err:
            raise QgsProcessingException(str(err)) from err
        report_skips(feedback, result.report)
        check(feedback, 80)
        dest = frame_to_sink(self, parameters, context, self.OUTPUT, result.crossings,
                             QgsCoordinateReferenceSystem("EPSG:4326"))
        style_on_load(context, dest, "border_crossings", size_field="routes", unit="routes")
        check(feedback, 100)
        return {self.OUTPUT: dest, "CROSSINGS": int((result.crossings["crossing_id"] > 0).sum()),
                "SKIPPED": len(result.skipped), "SUPPRESSED": result.report["crossings_suppressed"]}
