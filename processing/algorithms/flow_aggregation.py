"""routes:flowaggregation — origin→destination flows and their nodes.

All counting is in ``routes_plugin.core.flows``; this is the QGIS edge: read
the input, call the core, write and style the outputs.
"""
from __future__ import annotations

from qgis.core import (
    Qgis,
    QgsCoordinateReferenceSystem,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
    QgsProcessingParameterVectorLayer,
)

from ...routes_plugin.core.errors import RoutesError
from ...routes_plugin.edge.frames import frame_to_sink, layer_to_frame, read_frame
from ...routes_plugin.edge.resources import world_map_path
from ...routes_plugin.edge.styles import flow_style, style_output
from ..base import RoutesAlgorithm
from ..parameters import add_suppression_parameters, report_skips, suppress_mode

LEVELS = ("place", "county", "region", "country")
LEVEL_LABELS = ("Place", "County (Kenya; elsewhere the region)", "Region (admin-1; Kenya's 8 regions)", "Country")
MODES = ("journey", "legs")
MODE_LABELS = ("Journeys: origin → final destination", "Leg by leg")
GEOMETRIES = ("curved", "straight", "geodesic")
GEOMETRY_LABELS = ("Curved arcs (A→B and B→A apart)", "Straight lines", "Geodesic (great circle)")
WIDTHS = ("routes", "cases_low", "cases_high")
WIDTH_LABELS = ("Routes", "Cases (low estimate)", "Cases (high estimate)")
POSITIONS = ("polygons", "points")
POSITION_LABELS = ("Polygon centroids (regions and countries from world_map.gpkg or the polygon layer)",
                   "Mean of the member place points")


# --------------------------------------------------------------- algorithm --

class FlowAggregation(RoutesAlgorithm):
    NAME, DISPLAY_NAME, GROUP = "flowaggregation", "Flow aggregation (flow map)", "Flows"
    REQUIRES = ("numpy", "pandas", "geopandas", "pyogrio", "shapely", "pyproj")
    STEPS = 4
    INPUT, MODE, LEVEL, DIRECTED, BORDER_ONLY = "INPUT", "MODE", "LEVEL", "DIRECTED", "BORDER_ONLY"
    BREAKDOWN, WIDTH_BY, GEOMETRY, BULGE = "BREAKDOWN", "WIDTH_BY", "GEOMETRY", "BULGE"
    NODE_POSITION, POLYGONS, POLYGON_ID = "NODE_POSITION", "POLYGONS", "POLYGON_ID"
    SUPPRESS_BELOW, SUPPRESS_MODE = "SUPPRESS_BELOW", "SUPPRESS_MODE"
    OUTPUT, NODES, BREAKDOWN_TABLE = "OUTPUT", "NODES", "BREAKDOWN_TABLE"

    HELP = (
        "Aggregates route_lines (journeys) or route_legs into origin→destination flows at place, county, "
        "region or country level and draws them as a flow map, with the places as nodes.\n\n"
        "Flows carry origin, destination, routes (distinct routes), legs (leg mode), cases_low and "
        "cases_high (summed once per route; cases_high is empty when a route has no upper bound, e.g. "
        "\"10+\"), the distance, one route count per category of each breakdown field "
        "(<field>_<category>) and <field>_top, the most frequent category (for colouring). Nodes carry "
        "the distinct routes touching them, routes_out, routes_in, routes_through (routes passing through; "
        "needs route_legs) and routes_internal (routes staying inside the node at this level). The "
        "optional breakdown table lists the same category counts as a long table.\n\n"
        "Parameters: Input (route_lines or route_legs); Flows (journeys origin → final destination, or "
        "leg by leg — needs route_legs); Level (place, county, region, country; a place without a county "
        "or region falls back to the next coarser unit); Directed (off: A→B and B→A are one flow); Only "
        "flows crossing an international border; Breakdown fields (any category field: transport modes, "
        "recruitment methods, exploitation types, airlines, year); Width by (routes or cases — also the "
        "unit of the legend); Line shape (curved, straight, geodesic) and curvature; Node position; an "
        "optional polygon layer and its id field (holding the names of the units at the chosen level, "
        "ISO3 codes at country level); Suppress counts below and what to do with small rows.\n\n"
        "Privacy: node totals (routes_out, routes_in, routes) add up the flows, so a dropped small flow "
        "could be worked out from them; further flows or node counts are therefore withheld (complementary "
        "suppression) until no withheld flow, nor the gap it leaves in its node's totals, can be narrowed to "
        "fewer than 3 values (docs/privacy.md; check with 'Disclosure audit'). Each flow has a 'directed' "
        "field. A disclosure log (<output>.disclosure.json) records what was withheld.\n\n"
        "Lines take the shorter way round the globe; across the antimeridian their longitudes run past "
        "±180° rather than being split. Rows with a missing end or zero length are skipped and "
        "reported in the log; a missing field is an error."
    )

    def initAlgorithm(self, config=None):
        p = QgsProcessingParameterFeatureSource(self.INPUT, "Routes (route_lines or route_legs)",
                                                [Qgis.ProcessingSourceType.VectorLine])
        p.setHelp("route_lines (one line per route) or route_legs (one line per leg) from Load tracker export.")
        self.addParameter(p)
        p = QgsProcessingParameterEnum(self.MODE, "Flows", MODE_LABELS, defaultValue=0)
        p.setHelp("Journeys: one flow per route from its origin to its final place (place of exploitation, "
                  "else intended destination, else last stop). Leg by leg: every leg is a flow (route_legs only).")
        self.addParameter(p)
        p = QgsProcessingParameterEnum(self.LEVEL, "Level", LEVEL_LABELS, defaultValue=3)
        p.setHelp("Unit of the flow ends: 0 place, 1 county, 2 region (admin-1), 3 country.")
        self.addParameter(p)
        p = QgsProcessingParameterBoolean(self.DIRECTED, "Directed (A→B and B→A are separate flows)", True)
        p.setHelp("Off: A→B and B→A are merged into one flow between A and B.")
        self.addParameter(p)
        p = QgsProcessingParameterBoolean(self.BORDER_ONLY, "Only flows crossing an international border", False)
        p.setHelp("Keep only flows whose two ends are in different countries.")
        self.addParameter(p)
        p = QgsProcessingParameterField(self.BREAKDOWN, "Breakdown fields", parentLayerParameterName=self.INPUT,
                                        allowMultiple=True, optional=True)
        p.setHelp("Category fields counted per flow (cells of several categories count under each). The first "
                  "one colours the flows.")
        self.addParameter(p)
        p = QgsProcessingParameterEnum(self.WIDTH_BY, "Width by", WIDTH_LABELS, defaultValue=0)
        p.setHelp("Count that sets the line width and the unit of the legend.")
        self.addParameter(p)
        p = QgsProcessingParameterEnum(self.GEOMETRY, "Line shape", GEOMETRY_LABELS, defaultValue=0)
        p.setHelp("Curved arcs bow to the right of travel so opposite flows lie apart; geodesic lines follow "
                  "the great circle; straight lines are straight in longitude/latitude.")
        self.addParameter(p)
        p = QgsProcessingParameterNumber(self.BULGE, "Curvature of arcs", Qgis.ProcessingNumberParameterType.Double,
                                         0.2, minValue=0.0, maxValue=2.0)
        p.setHelp("Offset of the arc's middle from the straight line, as a fraction of the line's length.")
        self.addParameter(p)
        p = QgsProcessingParameterEnum(self.NODE_POSITION, "Node position", POSITION_LABELS, defaultValue=0)
        p.setHelp("Where region and country nodes sit: on their polygon (largest part's centroid) or at the "
                  "mean of their places. Place and county nodes always sit on their places.")
        self.addParameter(p)
        p = QgsProcessingParameterVectorLayer(self.POLYGONS, "Polygons for the nodes (optional)",
                                              [Qgis.ProcessingSourceType.VectorPolygon], optional=True)
        p.setHelp("Your own polygons of the units at the chosen level; default: QGIS's world_map.gpkg.")
        self.addParameter(p)
        p = QgsProcessingParameterField(self.POLYGON_ID, "Polygon id field", parentLayerParameterName=self.POLYGONS,
                                        optional=True)
        p.setHelp("Field of the polygon layer holding the unit names (ISO3 codes at country level).")
        self.addParameter(p)
        add_suppression_parameters(self)
        p = QgsProcessingParameterFeatureSink(self.OUTPUT, "Flows", Qgis.ProcessingSourceType.VectorLine)
        p.setHelp("Flow lines with their counts.")
        self.addParameter(p)
        p = QgsProcessingParameterFeatureSink(self.NODES, "Flow nodes", Qgis.ProcessingSourceType.VectorPoint,
                                              optional=True, createByDefault=True)
        p.setHelp("Nodes with in / out / through / internal route counts.")
        self.addParameter(p)
        p = QgsProcessingParameterFeatureSink(self.BREAKDOWN_TABLE, "Breakdown table", Qgis.ProcessingSourceType.Vector,
                                              optional=True, createByDefault=False)
        p.setHelp("Long table: flow, field, category, label, routes, cases.")
        self.addParameter(p)
        for out in ("FLOWS", "NODES_COUNT", "SKIPPED", "SUPPRESSED"):
            self.addOutput(QgsProcessingOutputNumber(out, out.replace("_", " ").lower()))

    def compute(self, parameters, context, steps):
        from ...routes_plugin.core import categories as cat
        from ...routes_plugin.core.flows import aggregate_flows

        breakdown = self.parameterAsFields(parameters, self.BREAKDOWN, context)
        level = LEVELS[self.parameterAsEnum(parameters, self.LEVEL, context)]
        mode = MODES[self.parameterAsEnum(parameters, self.MODE, context)]
        width = WIDTHS[self.parameterAsEnum(parameters, self.WIDTH_BY, context)]
        threshold = self.parameterAsInt(parameters, self.SUPPRESS_BELOW, context)
        node_position = POSITIONS[self.parameterAsEnum(parameters, self.NODE_POSITION, context)]
        # read only what the core uses: a third of the columns at country level
        side = ["key", *LEVELS[LEVELS.index(level):], "lat", "lon"] + (["seq", "role"] if mode == "journey" else [])
        columns = ["route_id", "source_row", "leg_seq", "cases_low", "cases_high", *breakdown] + \
            [p + f for p in ("from_", "to_", "origin_", "final_") for f in side]
        table = read_frame(self, parameters, self.INPUT, context, steps.next("Reading the routes"), columns,
                           to_crs="EPSG:4326")
        missing = [f for f in breakdown if f not in table.columns]
        if missing:
            raise RoutesError(f"Breakdown field(s) not in the input: {', '.join(missing)}")
        polygons, polygon_id = None, None
        poly_layer = self.parameterAsVectorLayer(parameters, self.POLYGONS, context)
        if poly_layer is not None:
            polygon_id = self.parameterAsString(parameters, self.POLYGON_ID, context)
            if not polygon_id or poly_layer.fields().lookupField(polygon_id) < 0:
                raise RoutesError(
                    f"The polygon layer {poly_layer.name()} has no id field {polygon_id!r}; choose the field "
                    "holding the unit names.")
            polygons = layer_to_frame(poly_layer, None, [polygon_id]).to_crs(4326)
        steps.next("Aggregating the flows")
        result = aggregate_flows(
            table, level=level, mode=mode,
            directed=self.parameterAsBool(parameters, self.DIRECTED, context),
            border_only=self.parameterAsBool(parameters, self.BORDER_ONLY, context),
            breakdown=breakdown, threshold=threshold,
            suppress_mode=suppress_mode(self, parameters, context),
            geometry=GEOMETRIES[self.parameterAsEnum(parameters, self.GEOMETRY, context)],
            bulge=self.parameterAsDouble(parameters, self.BULGE, context),
            node_position=node_position, polygons=polygons, polygon_id=polygon_id,
            world_map=world_map_path() if node_position == "polygons" and polygons is None else None)
        report_skips(steps, result.report)
        for note in result.report["notes"]:
            steps.pushInfo(note)
        crs = QgsCoordinateReferenceSystem("EPSG:4326")
        flows_id = frame_to_sink(self, parameters, context, self.OUTPUT, result.flows, crs, steps.next("Writing"))
        nodes_id = frame_to_sink(self, parameters, context, self.NODES, result.nodes, crs, steps.feedback,
                                 optional=True)
        colour = f"{breakdown[0]}_top" if breakdown else None
        labels = {c: cat.label(breakdown[0], c) for c in result.long["category"].unique()} if breakdown else {}
        unit = "cases" if width.startswith("cases") else "routes"
        style_output(context, flows_id, "flows",
                     flow_style(size_field=width, colour_field=colour, unit=unit, labels=labels))
        style_output(context, nodes_id, "flow_nodes", flow_style(size_field="routes", unit="routes"))
        for dest, what in ((flows_id, "Flows"), (nodes_id, "Flow nodes")):  # what, and at which level
            if dest and context.willLoadLayerOnCompletion(dest):
                context.layerToLoadOnCompletionDetails(dest).name = \
                    f"{what} — {level} level ({'journeys' if mode == 'journey' else 'leg by leg'})"
        rep = result.report
        if rep["flows_suppressed"] or rep["nodes_suppressed"]:
            steps.pushInfo(
                f"{rep['flows_suppressed']} of {rep['flows']} flows are not published: "
                f"{rep['flows_suppressed'] - rep['flows_complementary']} have fewer than {threshold} routes and "
                f"{rep['flows_complementary']} more are withheld so that the node totals do not give the small "
                f"ones away; {rep['nodes_suppressed']} nodes have fewer than {threshold} routes (small-count "
                "suppression protects the people concerned).")
        outputs = {self.OUTPUT: flows_id, **({self.NODES: nodes_id} if nodes_id else {})}
        steps.next("Writing the breakdown table")
        table_id = frame_to_sink(self, parameters, context, self.BREAKDOWN_TABLE, result.long, crs,
                                 steps.feedback, optional=True)
        if table_id:
            outputs[self.BREAKDOWN_TABLE] = table_id
        self.record_disclosure(steps, [result.disclosure], outputs.values())
        outputs.update({"FLOWS": result.report["flows_published"], "NODES_COUNT": len(result.nodes),
                        "SKIPPED": len(result.skipped), "SUPPRESSED": result.report["flows_suppressed"]})
        return outputs
