"""routes:comparerounds — what changed between two collection rounds.

All counting, the up/down rule and suppression are in
``routes_plugin.core.rounds``; this is the QGIS edge: read both rounds (and,
for route_lines, the route_points beside them), call the core, write and
style the outputs.
"""
from __future__ import annotations

from qgis.core import (
    Qgis,
    QgsCoordinateReferenceSystem,
    QgsDataSourceUri,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterNumber,
    QgsProviderRegistry,
    QgsVectorLayer,
)

from ...routes_plugin.edge.frames import frame_to_sink, read_frame, source_to_frame
from ...routes_plugin.edge.resources import world_map_path
from ...routes_plugin.edge.styles import style_output
from ..base import RoutesAlgorithm
from ..parameters import suppress_parameter

LEVELS = ("place", "county", "region", "country")
LEVEL_LABELS = ("Place", "County (Kenya; elsewhere the region)", "Region (admin-1; Kenya's 8 regions)", "Country")
POINT_COLUMNS = ["route_id", "seq", "role", "place_key", "place", "county", "region", "country", "country_name",
                 "input_name", "cases_low"]
LINE_COLUMNS = ["route_id", "cases_low"] + [f"{p}_{c}" for p in ("origin", "final")
                                            for c in ("key", "place", "county", "region", "country", "lat", "lon")]


def sibling_points(layer, feedback=None):
    """route_points beside a route_lines layer: the same GeoPackage, or the
    same PostGIS schema with the layer's filter (e.g. one import). None when
    there is none."""
    import pyogrio

    if layer is None:
        return None
    if layer.providerType() == "ogr":
        parts = QgsProviderRegistry.instance().decodeUri("ogr", layer.source())
        path = parts.get("path")
        try:
            names = [n for n, _ in pyogrio.list_layers(path)] if path else []
        except Exception:  # not a data source pyogrio can list: no sibling layer
            return None
        if "route_points" not in names:
            return None
        have = set(pyogrio.read_info(path, layer="route_points")["fields"])
        frame = pyogrio.read_dataframe(path, layer="route_points", columns=[c for c in POINT_COLUMNS if c in have])
        if layer.subsetString():  # the same filter, when it applies to the points' fields
            sub = QgsVectorLayer(f"{path}|layername=route_points", "route_points", "ogr")
            if sub.setSubsetString(layer.subsetString()) and sub.isValid():
                frame = source_to_frame(sub, feedback, [c for c in POINT_COLUMNS if sub.fields().lookupField(c) >= 0])
        return frame
    if layer.providerType() == "postgres":
        uri = QgsDataSourceUri(layer.source())
        if uri.table() != "route_lines":
            return None
        uri.setTable("route_points")
        uri.setKeyColumn("fid")
        sub = QgsVectorLayer(uri.uri(False), "route_points", "postgres")
        if not sub.isValid():
            return None
        return source_to_frame(sub, feedback, [c for c in POINT_COLUMNS if sub.fields().lookupField(c) >= 0])
    return None


class CompareRounds(RoutesAlgorithm):
    NAME, DISPLAY_NAME, GROUP = "comparerounds", "Compare collection rounds (what changed)", "Flows"
    REQUIRES = ("numpy", "pandas", "geopandas", "pyogrio", "shapely", "pyproj", "scipy")
    STEPS = 4
    BEFORE, AFTER, LEVEL, USE_POINTS = "BEFORE", "AFTER", "LEVEL", "USE_POINTS"
    SUPPRESS_BELOW, ALPHA = "SUPPRESS_BELOW", "ALPHA"
    OUTPUT, OUTPUT_CORRIDORS = "OUTPUT", "OUTPUT_CORRIDORS"

    HELP = (
            "Compares two collection rounds of one network (e.g. 2019 and 2020) and marks what changed: new "
            "and no longer reported origins, transit points, destinations and places of exploitation, and "
            "places and corridors with clearly more or fewer routes.\n\n"
            "Inputs: the route layers of each round as Load tracker export writes them — route_lines of two "
            "GeoPackages, two imports in the shared PostGIS store (a layer filtered by import_id), or "
            "route_points. route_points hold all four roles; with route_lines the route_points beside them "
            "(same GeoPackage, same PostGIS table filter) are used for the roles when found, else only the "
            "origin and the final place (place of exploitation, else intended destination) are compared, "
            "the final place under the role destination.\n\n"
            "Output points: one per place (at the level) and role seen in either round, with name, country "
            "(ISO3), role, routes_before / routes_after (distinct routes), cases_low_before / _after, "
            "share_before_pct / share_after_pct (percent of the round's routes), share_change_pct "
            "(percentage points), p_value and p_adjusted (Benjamini–Hochberg) and change. Output corridors: origin → final place pairs at the level, with "
            "the same fields, drawn as arrows.\n\n"
            "The rule: new = no route in the first round; gone = none in the second. Up / down = the routes "
            "AND the share of the round's routes moved the same way, the count by at least the suppression "
            "threshold (at least 1), and the share change is beyond chance for rounds of these sizes: exact "
            "test of two Poisson counts (binomial, conditional on their sum), with a false discovery rate "
            "over all places tested. Everything else is same. So rounds of different sizes are compared by "
            "share as well as by count.\n\n"
            "Suppression (the plugin's one rule): a place or corridor below the threshold in both rounds is "
            "never named; new or gone ones below it are not named either, only counted in the log (and in "
            "the report's sentence); in a kept row a round's count below the threshold is left blank with "
            "its share, the share change and the p-values. Regions reported as countries (Somaliland) stay their own "
            "unit at country level."
    )

    def initAlgorithm(self, config=None):
        kinds = [Qgis.ProcessingSourceType.VectorLine, Qgis.ProcessingSourceType.VectorPoint]
        p = QgsProcessingParameterFeatureSource(self.BEFORE, "Earlier round (route_lines or route_points)", kinds)
        p.setHelp("The earlier round: route_lines (or route_points) of its GeoPackage, or its import in the "
                  "PostGIS store (route_lines filtered by import_id). Selections and filters are honoured.")
        self.addParameter(p)
        p = QgsProcessingParameterFeatureSource(self.AFTER, "Later round (route_lines or route_points)", kinds)
        p.setHelp("The later round, in the same form as the earlier one.")
        self.addParameter(p)
        p = QgsProcessingParameterEnum(self.LEVEL, "Level", LEVEL_LABELS, defaultValue=3)
        p.setHelp("Unit compared, the codes of Flow aggregation: 0 place, 1 county, 2 region (admin-1), "
                  "3 country. A place without a county or region falls back to the next coarser unit.")
        self.addParameter(p)
        p = QgsProcessingParameterBoolean(self.USE_POINTS, "Use the route_points beside route_lines for the roles",
                                          True)
        p.setHelp("On: when an input is route_lines, the route_points of the same GeoPackage or PostGIS table "
                  "filter give transit points, intended destinations and places of exploitation. Off (or none "
                  "found): route_lines give only origin and final place.")
        self.addParameter(p)
        self.addParameter(suppress_parameter(
            "a place or corridor below this number in both rounds is not named (new and gone ones included, "
            "they are only counted); a round's count below it is left blank together with its share and the change figures; up/down needs a change of at least this many routes.", self.SUPPRESS_BELOW))
        p = QgsProcessingParameterNumber(self.ALPHA, "False discovery rate for up / down",
                                         Qgis.ProcessingNumberParameterType.Double, 0.05, minValue=0.001, maxValue=0.5)
        p.setHelp("Share changes are tested with an exact Poisson test; a change counts as up or down only if its "
                  "Benjamini–Hochberg adjusted p-value (p_adjusted) is below this rate (0.05: about one in twenty changes called "
                  "may be chance).")
        self.addParameter(p)
        p = QgsProcessingParameterFeatureSink(self.OUTPUT, "Change since the last round",
                                              Qgis.ProcessingSourceType.VectorPoint)
        p.setHelp("One point per place (at the level) and role, with both rounds' counts, shares and the change.")
        self.addParameter(p)
        p = QgsProcessingParameterFeatureSink(self.OUTPUT_CORRIDORS, "Corridors: change since the last round",
                                              Qgis.ProcessingSourceType.VectorLine, optional=True, createByDefault=True)
        p.setHelp("Origin → final place arrows at the level with both rounds' counts and the change (optional).")
        self.addParameter(p)
        for out in ("NEW", "GONE", "UP", "DOWN", "WITHHELD"):
            self.addOutput(QgsProcessingOutputNumber(out, f"places {out.lower()}"))
        self.addOutput(QgsProcessingOutputString("SUMMARY_EN", "summary (English)"))
        self.addOutput(QgsProcessingOutputString("SUMMARY_SW", "summary (Kiswahili)"))

    def _read(self, parameters, name, context, feedback, use_points):
        from ...routes_plugin.core.rounds import RoundsError, kind_of

        columns = list(dict.fromkeys(POINT_COLUMNS + LINE_COLUMNS))
        frame = read_frame(self, parameters, name, context, feedback, columns, to_crs="EPSG:4326")
        try:
            kind = kind_of(frame)
        except RoundsError as err:
            raise RoundsError(f"{self.parameterDefinition(name).description()}: {err}") from err
        points = None
        if kind == "lines" and use_points:
            points = sibling_points(self.parameterAsVectorLayer(parameters, name, context), feedback)
            if points is not None:
                feedback.pushInfo(f"{name}: roles from the route_points beside the route_lines "
                                  f"({points['route_id'].isin(frame['route_id']).sum()} stops)")
        if kind == "lines" and points is None:
            feedback.pushWarning(f"{name}: route_lines without route_points: only origins and final places "
                                 "(as destination) are compared")
        return frame, points

    def compute(self, parameters, context, steps):
        from ...routes_plugin.core.rounds import compare_rounds, rounds_summary_lines, withheld_sentences

        level = LEVELS[self.parameterAsEnum(parameters, self.LEVEL, context)]
        threshold = self.parameterAsInt(parameters, self.SUPPRESS_BELOW, context)
        alpha = self.parameterAsDouble(parameters, self.ALPHA, context)
        use_points = self.parameterAsBool(parameters, self.USE_POINTS, context)
        feedback = steps
        before, before_pts = self._read(parameters, self.BEFORE, context, steps.next("Reading the earlier round"),
                                        use_points)
        after, after_pts = self._read(parameters, self.AFTER, context, steps.next("Reading the later round"),
                                      use_points)
        steps.next("Comparing the rounds")
        places, corridors = compare_rounds(before, after, level=level, threshold=threshold, alpha=alpha,
                                           before_points=before_pts, after_points=after_pts,
                                           world_map=str(world_map_path()))
        meta = places.attrs["rounds"]
        feedback.pushInfo(f"Rounds: {meta['routes_before']} routes before, {meta['routes_after']} after; "
                          f"level {level}; {len(places)} place/role rows and {len(corridors)} corridors published.")
        if threshold > 0:
            feedback.pushInfo(
                f"Withheld by the small-count rule (fewer than {threshold} routes in each round, so not named): "
                f"{meta['places_withheld']} place/role row(s) and {meta['corridors_withheld']} corridor(s).")
            for line in withheld_sentences(meta, "en"):
                feedback.pushInfo(line)
        else:
            feedback.pushWarning("Suppression is off (0): every place is named, however few its routes. "
                                 "Do not publish these outputs.")
        for side in ("before", "after"):
            if meta["internal_routes"][side]:
                feedback.pushInfo(f"{meta['internal_routes'][side]} route(s) of the {side} round start and end in "
                                  f"the same {level}: they are in the places, not in the corridors.")
        if meta["stops_unresolved"]:
            feedback.pushWarning(f"{meta['stops_unresolved']} stop(s) without a place at this level were left out.")
        writing = steps.next("Writing")
        crs = QgsCoordinateReferenceSystem("EPSG:4326")
        places_id = frame_to_sink(self, parameters, context, self.OUTPUT, places, crs, writing)
        style_output(context, places_id, "round_changes")
        outputs = {self.OUTPUT: places_id}
        if parameters.get(self.OUTPUT_CORRIDORS):
            corr_id = frame_to_sink(self, parameters, context, self.OUTPUT_CORRIDORS, corridors, crs, writing)
            style_output(context, corr_id, "round_corridors")
            outputs[self.OUTPUT_CORRIDORS] = corr_id
        counts = places["change"].value_counts()
        outputs.update({k.upper(): int(counts.get(k, 0)) for k in ("new", "gone", "up", "down")})
        outputs["WITHHELD"] = meta["places_withheld"]
        outputs["SUMMARY_EN"] = "\n".join(rounds_summary_lines(places, corridors, "en", "before", "after"))
        outputs["SUMMARY_SW"] = "\n".join(rounds_summary_lines(places, corridors, "sw", "before", "after"))
        return outputs
