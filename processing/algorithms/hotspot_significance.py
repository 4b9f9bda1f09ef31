"""routes:hotspotsignificance — Getis-Ord Gi* hot and cold spots, corrected for multiple testing.

All statistics are in ``routes_plugin.core.hotspots``; this is the QGIS edge.
"""
from __future__ import annotations

from qgis.core import (
    Qgis,
    QgsCoordinateReferenceSystem,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterNumber,
)

from ...routes_plugin.edge.frames import frame_to_sink, read_frame
from ...routes_plugin.edge.styles import style_output
from ..base import RoutesAlgorithm
from ..parameters import suppress_parameter
from ..points import add_point_parameters, read_points
from ..study_area import add_study_area_parameters, crs_text, resolve_study_area, target_crs

NEIGHBOUR_LABELS = ("Automatic (distance band sized to the grid, at least 8 neighbours per cell)",
                    "Distance band", "k nearest neighbours")
CORRECTION_LABELS = ("Benjamini-Hochberg false discovery rate", "None", "Bonferroni")


class HotspotSignificance(RoutesAlgorithm):
    ZONES, CELL_SIZE, NEIGHBOURS, DISTANCE_BAND, K = "ZONES", "CELL_SIZE", "NEIGHBOURS", "DISTANCE_BAND", "K"
    PERMUTATIONS, SEED, CORRECTION, SUPPRESS_BELOW, OUTPUT = (
        "PERMUTATIONS", "SEED", "CORRECTION", "SUPPRESS_BELOW", "OUTPUT")
    COLD_SPOTS = "COLD_SPOTS"
    NAME, DISPLAY_NAME, GROUP = "hotspotsignificance", "Hotspot significance (Getis-Ord Gi*)", "Hotspots"
    TAGS = ("getis", "ord", "gi*", "hotspot", "coldspot", "cluster", "significance", "fdr")
    REQUIRES = ("numpy", "pandas", "geopandas", "pyogrio", "shapely", "pyproj", "scipy", "esda", "libpysal")
    STEPS = 4
    HELP = (
        "Where are there significantly more points — e.g. stops of one role, weighted by cases — than chance "
        "would give, and how sure is that? (Method, neighbours and the cold-spot caveat: docs/hotspots.md.)\n\n"
        "Study area: only points inside it (or within 5 km of its outline) count and the cells cover only it, "
        "on land. Default: the country pack's chapter regions (Kenya: the whole country, from QGIS's world "
        "map), or the zones when a Zones layer is given; or your own polygons (e.g. one county). It is computed in a CRS chosen for the study area (its UTM zone, or an equal-area "
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

    def initAlgorithm(self, config=None):
        add_point_parameters(self)
        add_study_area_parameters(self)
        p = QgsProcessingParameterFeatureSource(self.ZONES, "Zones (instead of hexagons)",
                                                [Qgis.ProcessingSourceType.VectorPolygon], optional=True)
        p.setHelp("Optional polygons to count into (e.g. counties, regions); their fields are kept. "
                  "Empty: a hexagon grid of Hexagon size over the points.")
        self.addParameter(p)
        p = QgsProcessingParameterNumber(self.CELL_SIZE, "Hexagon size (0 = from the study area)",
                                         Qgis.ProcessingNumberParameterType.Double, 0.0, minValue=0.0)
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
                                         Qgis.ProcessingNumberParameterType.Double, 0.0, minValue=0.0)
        p.setHelp("With Neighbours 'Distance band': the distance between cell centres within which cells are "
                  "neighbours, in metres (0: automatic).")
        self.addParameter(p)
        p = QgsProcessingParameterNumber(self.K, "k (k nearest neighbours)", Qgis.ProcessingNumberParameterType.Integer,
                                         8, minValue=1)
        p.setHelp("Number of nearest cells used as neighbours when Neighbours is 'k nearest neighbours'.")
        self.addParameter(p)
        p = QgsProcessingParameterNumber(self.PERMUTATIONS, "Permutations", Qgis.ProcessingNumberParameterType.Integer,
                                         9999, minValue=0)
        p.setHelp("Conditional permutations for the pseudo p-values (9999: the smallest p-value is 0.0002, small "
                  "enough to survive the correction over hundreds of cells). 0: p-values from the normal "
                  "approximation, which overstates significance for sparse counts.")
        self.addParameter(p)
        p = QgsProcessingParameterNumber(self.SEED, "Random seed", Qgis.ProcessingNumberParameterType.Integer, 12345)
        p.setHelp("Seed of the permutations: the same seed gives the same p-values.")
        p.setFlags(p.flags() | Qgis.ProcessingParameterFlag.Advanced)
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
        p = QgsProcessingParameterFeatureSink(self.OUTPUT, "Hotspots", Qgis.ProcessingSourceType.VectorPolygon)
        p.setHelp("One polygon per cell (the part inside the study area) with count, weight, gi_z, p_value, "
                  "p_adjusted, gi_class and confidence, styled hot 99 / 95 / 90 % and not significant.")
        self.addParameter(p)
        self.addOutput(QgsProcessingOutputNumber("SIGNIFICANT", "Cells classed hot (or cold, when reported)"))
        self.addOutput(QgsProcessingOutputString("CRS", "CRS the statistics were computed in"))

    def compute(self, parameters, context, steps):
        from ...routes_plugin.core import hotspots
        from ...routes_plugin.core import study_area as sa

        points, _, weight = read_points(self, parameters, context, steps.next("Reading the points"), project=False)
        steps.next("Counting into cells")
        zones = None
        if self.parameterAsSource(parameters, self.ZONES, context) is not None:
            zones = read_frame(self, parameters, self.ZONES, context, steps.feedback, None)
            clash = [c for c in hotspots.OUTPUT_COLUMNS if c in zones.columns]
            if clash:
                steps.pushWarning(f"Zone fields {', '.join(clash)} are replaced by the results.")
            zones = zones.drop(columns=clash)
        if zones is not None and self.parameterAsSource(parameters, "STUDY_AREA", context) is None:
            area = sa.from_polygons(zones, "the zones", "the Zones layer", crs=target_crs(self, parameters, context))
        else:
            area, _ = resolve_study_area(self, parameters, context, points)
        steps.next("Computing Gi*")
        cold = self.parameterAsBoolean(parameters, self.COLD_SPOTS, context)
        result = hotspots.hotspot_analysis(
            points, area, weight, zones=zones,
            cell_size=self.parameterAsDouble(parameters, self.CELL_SIZE, context),
            neighbours=hotspots.NEIGHBOURS[self.parameterAsEnum(parameters, self.NEIGHBOURS, context)],
            distance=self.parameterAsDouble(parameters, self.DISTANCE_BAND, context),
            k=self.parameterAsInt(parameters, self.K, context), cold_spots=cold,
            permutations=self.parameterAsInt(parameters, self.PERMUTATIONS, context),
            seed=self.parameterAsInt(parameters, self.SEED, context),
            correction=hotspots.CORRECTIONS[self.parameterAsEnum(parameters, self.CORRECTION, context)],
            suppress_below=self.parameterAsInt(parameters, self.SUPPRESS_BELOW, context),
            progress=steps.callback())
        for note in result.notes:
            steps.pushInfo(note)
        dest = frame_to_sink(self, parameters, context, self.OUTPUT, result.cells,
                             QgsCoordinateReferenceSystem.fromWkt(area.crs.to_wkt()), steps.next("Writing"))
        style_output(context, dest, "hotspot_significance", significance_legend(cold))
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
