"""routes:hotspotsignificance — Getis-Ord Gi* hot and cold spots, corrected for multiple testing.

All statistics are in ``routes_plugin.core.hotspots``; this is the QGIS edge.
"""
from __future__ import annotations

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterNumber,
)

from ..qgis_io import frame_to_sink, require, style_output, suppress_parameter
from ..qgis_io import check, progress_callback, read_frame
from .hotspot_density import add_point_parameters, add_study_area_parameters, crs_text, read_points
from .hotspot_density import _target_crs, resolve_study_area

NEIGHBOUR_LABELS = ("Automatic (distance band sized to the grid, at least 8 neighbours per cell)",
                    "Distance band", "k nearest neighbours")
CORRECTION_LABELS = ("Benjamini-Hochberg false discovery rate", "None", "Bonferroni")


class HotspotSignificance(QgsProcessingAlgorithm):
    """routes:hotspotsignificance."""

    ZONES, CELL_SIZE, NEIGHBOURS, DISTANCE_BAND, K = "ZONES", "CELL_SIZE", "NEIGHBOURS", "DISTANCE_BAND", "K"
    PERMUTATIONS, SEED, CORRECTION, SUPPRESS_BELOW, OUTPUT = (
        "PERMUTATIONS", "SEED", "CORRECTION", "SUPPRESS_BELOW", "OUTPUT")
    COLD_SPOTS = "COLD_SPOTS"

    def name(self):
        return "hotspotsignificance"

    def displayName(self):  # noqa: N802
        return "Hotspot significance (Getis-Ord Gi*)"

    def group(self):
        return "Hotspots"

    def groupId(self):  # noqa: N802
        return "hotspots"

    def tags(self):
        return ["getis", "ord", "gi*", "hotspot", "coldspot", "cluster", "significance", "fdr"]

    def createInstance(self):  # noqa: N802
        return HotspotSignificance()

    def shortHelpString(self):  # noqa: N802
        return (
            "Where are there significantly more points — e.g. stops of one role, weighted by cases — than chance "
            "would give, and how sure is that? (Method, neighbours and the cold-spot caveat: docs/hotspots.md.)\n\n"
            "Study area: only points inside it count and the cells cover only it, on land. Default: the home "
            "country (QGIS's world map), or the zones when a Zones layer is given; or your own polygons (e.g. the "
            "chapter regions). It is computed in a CRS chosen for the study area (its UTM zone, or an equal-area "
            "projection centred on it) unless you give one.\n\n"
            "Cells: hexagons over the study area (Hexagon size 0: a round size giving it about 500 cells; Kenya: "
            "40 km), or the polygons of a Zones layer (e.g. counties). With fewer than 30 points or 10 occupied "
            "cells the test cannot say anything and the algorithm stops with a message.\n\n"
            "Neighbours (automatic): cells within the distance at which the typical cell has 8 neighbours (on "
            "hexagons the two rings around it, 12), and at the edges of the study area a cell's 8 nearest; or a "
            "fixed distance band, or k nearest neighbours. Every cell is also its own neighbour (Gi*). The rule "
            "used and the neighbours per cell are reported in the log.\n\n"
            "Getis-Ord Gi* (esda) of the weights (or counts), with p-values from conditional permutations (seeded; "
            "ties counted on both sides, so an empty neighbourhood is not 'significant'), corrected for testing "
            "every cell (Benjamini-Hochberg false discovery rate by default). Each cell is a hot spot at 99, 95 or "
            "90 % confidence, or not significant.\n\n"
            "Cold spots are off by default: in report data most cells are empty because nobody reported from "
            "there, not because it is safe, so 'significantly few reports' says nothing about safety. 'Report "
            "cold spots' turns them on, with that caveat in the log and the legend.\n\n"
            "Output fields: count, weight, gi_z (z-score), p_value, p_adjusted, gi_class, confidence. Cells with "
            "fewer points than 'Suppress counts below' keep their class but their count and weight are left "
            "blank.")

    def initAlgorithm(self, config=None):  # noqa: N802
        add_point_parameters(self)
        add_study_area_parameters(self)
        p = QgsProcessingParameterFeatureSource(self.ZONES, "Zones (instead of hexagons)",
                                                [QgsProcessing.TypeVectorPolygon], optional=True)
        p.setHelp("Optional polygons to count into (e.g. counties, regions); their fields are kept. "
                  "Empty: a hexagon grid of Hexagon size over the points.")
        self.addParameter(p)
        p = QgsProcessingParameterNumber(self.CELL_SIZE, "Hexagon size (0 = from the study area)",
                                         QgsProcessingParameterNumber.Double, 0.0, minValue=0.0)
        p.setHelp("Distance between the centres of neighbouring hexagons (their width across flats), in metres. "
                  "0: a round size that gives the study area about 500 hexagons (Kenya: 40 km). Ignored with Zones.")
        self.addParameter(p)
        p = QgsProcessingParameterEnum(self.NEIGHBOURS, "Neighbours", NEIGHBOUR_LABELS, defaultValue=0)
        p.setHelp("Which cells are neighbours of a cell. Automatic: those within the distance at which the typical "
                  "cell has 8 neighbours, and a cell's 8 nearest where that gives fewer (edges); Distance band: "
                  "those within the distance below; k nearest: its k nearest cells. Every cell is also its own "
                  "neighbour (Gi*). The log reports the rule and the neighbours per cell.")
        self.addParameter(p)
        p = QgsProcessingParameterNumber(self.DISTANCE_BAND, "Distance band (0 = automatic)",
                                         QgsProcessingParameterNumber.Double, 0.0, minValue=0.0)
        p.setHelp("With Neighbours 'Distance band': the distance between cell centres within which cells are "
                  "neighbours, in metres (0: automatic).")
        self.addParameter(p)
        p = QgsProcessingParameterNumber(self.K, "k (k nearest neighbours)", QgsProcessingParameterNumber.Integer,
                                         8, minValue=1)
        p.setHelp("Number of nearest cells used as neighbours when Neighbours is 'k nearest neighbours'.")
        self.addParameter(p)
        p = QgsProcessingParameterNumber(self.PERMUTATIONS, "Permutations", QgsProcessingParameterNumber.Integer,
                                         9999, minValue=0)
        p.setHelp("Conditional permutations for the pseudo p-values (9999: the smallest p-value is 0.0002, small "
                  "enough to survive the correction over hundreds of cells). 0: p-values from the normal "
                  "approximation, which overstates significance for sparse counts.")
        self.addParameter(p)
        p = QgsProcessingParameterNumber(self.SEED, "Random seed", QgsProcessingParameterNumber.Integer, 12345)
        p.setHelp("Seed of the permutations: the same seed gives the same p-values.")
        p.setFlags(p.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
        self.addParameter(p)
        p = QgsProcessingParameterEnum(self.CORRECTION, "Multiple-testing correction", CORRECTION_LABELS,
                                       defaultValue=0)
        p.setHelp("Correction of the p-values for testing every cell: Benjamini-Hochberg false discovery rate "
                  "(default), none, or Bonferroni (strictest).")
        self.addParameter(p)
        p = QgsProcessingParameterBoolean(self.COLD_SPOTS, "Report cold spots", defaultValue=False)
        p.setHelp("Also class significantly low cells as cold spots. Off by default: in report data a cold spot means "
                  "fewer reports than expected (nobody reported from there), not fewer victims. The caveat is "
                  "printed in the log and the legend.")
        self.addParameter(p)
        self.addParameter(suppress_parameter("cells with fewer points keep their class, but their count and "
                                             "weight are left blank.", self.SUPPRESS_BELOW))
        p = QgsProcessingParameterFeatureSink(self.OUTPUT, "Hotspots", QgsProcessing.TypeVectorPolygon)
        p.setHelp("One polygon per cell (the part inside the study area) with count, weight, gi_z, p_value, "
                  "p_adjusted, gi_class and confidence, styled hot 99 / 95 / 90 % and not significant.")
        self.addParameter(p)
        self.addOutput(QgsProcessingOutputNumber("SIGNIFICANT", "Cells classed hot (or cold, when reported)"))
        self.addOutput(QgsProcessingOutputString("CRS", "CRS the statistics were computed in"))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        require("numpy", "scipy", "geopandas", "shapely", "esda", "libpysal")
        from ...routes_plugin.core import hotspots

        from ...routes_plugin.core import study_area as sa

        points, weight = read_points(self, parameters, context, feedback)
        zones = None
        if self.parameterAsSource(parameters, self.ZONES, context) is not None:
            zones = read_frame(self, parameters, self.ZONES, context, None, None)
            clash = [c for c in hotspots.OUTPUT_COLUMNS if c in zones.columns]
            if clash:
                feedback.pushWarning(f"Zone fields {', '.join(clash)} are replaced by the results.")
            zones = zones.drop(columns=clash)
        if zones is not None and self.parameterAsSource(parameters, "STUDY_AREA", context) is None:
            try:
                area = sa.from_polygons(zones, "the zones", "the Zones layer",
                                        crs=_target_crs(self, parameters, context))
            except sa.StudyAreaError as err:
                raise QgsProcessingException(str(err)) from err
        else:
            area, _ = resolve_study_area(self, parameters, context, points, feedback)
        check(feedback, 10)
        try:
            result = hotspots.hotspot_analysis(
                points, area, weight, zones=zones,
                cell_size=self.parameterAsDouble(parameters, self.CELL_SIZE, context),
                neighbours=hotspots.NEIGHBOURS[self.parameterAsEnum(parameters, self.NEIGHBOURS, context)],
                distance=self.parameterAsDouble(parameters, self.DISTANCE_BAND, context),
                k=self.parameterAsInt(parameters, self.K, context),
                cold_spots=self.parameterAsBoolean(parameters, self.COLD_SPOTS, context),
                permutations=self.parameterAsInt(parameters, self.PERMUTATIONS, context),
                seed=self.parameterAsInt(parameters, self.SEED, context),
                correction=hotspots.CORRECTIONS[self.parameterAsEnum(parameters, self.CORRECTION, context)],
                suppress_below=self.parameterAsInt(parameters, self.SUPPRESS_BELOW, context),
                progress=progress_callback(feedback, 10, 85))
        except ValueError as err:
            raise QgsProcessingException(str(err)) from err
        for note in result.notes:
            feedback.pushInfo(note)
        cells = result.cells.drop(columns=[c for c in ("inside",) if c in result.cells.columns])
        dest = frame_to_sink(self, parameters, context, self.OUTPUT, cells,
                             QgsCoordinateReferenceSystem.fromWkt(area.crs.to_wkt()), feedback)
        cold = self.parameterAsBoolean(parameters, self.COLD_SPOTS, context)
        style_output(context, dest, "hotspot_significance", significance_legend(cold))
        check(feedback, 100)
        return {self.OUTPUT: dest, "SIGNIFICANT": result.significant, "CRS": crs_text(area.crs)}


def significance_legend(cold_spots: bool):
    """Legend of the shipped categories: hot 99/95/90 % and not significant; the cold
    classes only when reported, labelled with the caveat."""
    def adjust(layer):
        from qgis.core import QgsCategorizedSymbolRenderer

        renderer = layer.renderer()
        if not isinstance(renderer, QgsCategorizedSymbolRenderer):
            return
        for i in reversed(range(len(renderer.categories()))):
            value = str(renderer.categories()[i].value())
            if value.startswith("cold"):
                if cold_spots:
                    renderer.updateCategoryLabel(i, f"Cold spot, {value.split()[1].rstrip('%')} % "
                                                    "(fewer reports, not fewer victims)")
                else:
                    renderer.deleteCategory(i)
        layer.emitStyleChanged()

    return adjust
