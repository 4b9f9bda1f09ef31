"""routes:bordercrossings — where route legs cross international borders."""
from __future__ import annotations

from qgis.core import (
    Qgis,
    QgsCoordinateReferenceSystem,
    QgsProcessingOutputNumber,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterNumber,
)

from ...routes_plugin.edge.frames import frame_to_sink, read_frame
from ...routes_plugin.edge.resources import world_map_path
from ...routes_plugin.edge.styles import flow_style, style_output
from ..base import RoutesAlgorithm
from ..parameters import add_suppression_parameters, report_skips, suppress_mode

COLUMNS = ["route_id", "source_row", "leg_seq", "from_country", "to_country", "from_place", "to_place",
           "from_key", "to_key", "from_role", "to_role", "cases_low", "cases_high", "transport_modes", "mode"]


class BorderCrossings(RoutesAlgorithm):
    NAME, DISPLAY_NAME, GROUP = "bordercrossings", "Border crossings", "Flows"
    REQUIRES = ("numpy", "pandas", "geopandas", "pyogrio", "shapely", "pyproj", "scipy")
    STEPS = 3
    INPUT, SNAP_DISTANCE_KM, OUTPUT = "INPUT", "SNAP_DISTANCE_KM", "OUTPUT"
    SUPPRESS_BELOW, SUPPRESS_MODE = "SUPPRESS_BELOW", "SUPPRESS_MODE"
    HELP = (
        "Finds where route legs cross international borders and counts the routes through each crossing.\n\n"
        "For a leg between two countries: when one of its transit stops lies within the snap distance "
        "of the other country, the crossing is that place (Busia, Malaba, Namanga, Isebania, Moyale …); "
        "otherwise it is where the straight leg leaves its country on the border line of QGIS's "
        "world_map.gpkg, and border points of the same country pair within the snap distance are one "
        "crossing. A straight leg that leaves its country into a third one (Kisumu to Juba leaves Kenya into "
        "Uganda) does not say where it crossed: it is counted in the log as skipped, not drawn. Places of the same name on both sides (Busia, Kenya and Busia, Uganda) are one "
        "crossing.\n\n"
        "Output points: name, kind (place / border), the two countries, routes (distinct), legs, "
        "cases_low, cases_high and top_modes (up to three most frequent transport modes, each named only "
        "when its count is publishable).\n\n"
        "Parameters: Route legs (route_legs from Load tracker export); Snap distance (km); Suppress counts "
        "below (0 = off) and what to do with small crossings (drop, or merge into one \"other\" row "
        "without geometry). Legs without coordinates or with a country missing from the border map are "
        "skipped and reported in the log. A disclosure log (<output>.disclosure.json) records what was "
        "withheld."
    )

    def initAlgorithm(self, config=None):
        p = QgsProcessingParameterFeatureSource(self.INPUT, "Route legs", [Qgis.ProcessingSourceType.VectorLine])
        p.setHelp("route_legs from Load tracker export (from_/to_ country, place, role, key; cases; transport_modes).")
        self.addParameter(p)
        p = QgsProcessingParameterNumber(self.SNAP_DISTANCE_KM, "Snap distance to a transit place (km)",
                                         Qgis.ProcessingNumberParameterType.Double, 25.0, minValue=0.0)
        p.setHelp("A transit stop of the leg within this distance of the border is taken as the crossing; "
                  "border points closer than this are one crossing.")
        self.addParameter(p)
        add_suppression_parameters(self)
        p = QgsProcessingParameterFeatureSink(self.OUTPUT, "Border crossings", Qgis.ProcessingSourceType.VectorPoint)
        p.setHelp("One point per crossing with its countries and counts.")
        self.addParameter(p)
        for out in ("CROSSINGS", "SKIPPED", "SUPPRESSED"):
            self.addOutput(QgsProcessingOutputNumber(out, out.lower()))

    def compute(self, parameters, context, steps):
        from ...routes_plugin.core.crossings import aggregate_crossings, load_countries

        legs = read_frame(self, parameters, self.INPUT, context, steps.next("Reading the legs"), COLUMNS,
                          to_crs="EPSG:4326")
        steps.next("Locating the crossings")
        result = aggregate_crossings(
            legs, threshold=self.parameterAsInt(parameters, self.SUPPRESS_BELOW, context),
            suppress_mode=suppress_mode(self, parameters, context),
            snap_km=self.parameterAsDouble(parameters, self.SNAP_DISTANCE_KM, context),
            countries=load_countries(str(world_map_path())))
        report_skips(steps, result.report)
        dest = frame_to_sink(self, parameters, context, self.OUTPUT, result.crossings,
                             QgsCoordinateReferenceSystem("EPSG:4326"), steps.next("Writing"))
        style_output(context, dest, "border_crossings", flow_style(size_field="routes", unit="routes"))
        self.record_disclosure(steps, [result.disclosure], [dest])
        return {self.OUTPUT: dest, "CROSSINGS": int((result.crossings["crossing_id"] > 0).sum()),
                "SKIPPED": len(result.skipped), "SUPPRESSED": result.report["crossings_suppressed"]}
