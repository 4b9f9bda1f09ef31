"""routes:hotspotsignificance — Getis-Ord Gi* hot and cold spots, corrected for multiple testing.

All statistics are in ``routes_plugin.core.hotspots``; this is the QGIS edge.
"""
from __future__ import annotations

from qgis.core import (
    Qgis,
    QgsCoordinateReferenceSystem,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
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

NEIGHBOUR_LABELS = ("Distance band", "k nearest neighbours")
CORRECTION_LABELS = ("Benjamini-Hochberg false discovery rate", "None", "Bonferroni")


class HotspotSignificance(RoutesAlgorithm):
    ZONES, CELL_SIZE, NEIGHBOURS, DISTANCE_BAND, K = "ZONES", "CELL_SIZE", "NEIGHBOURS", "DISTANCE_BAND", "K"
    PERMUTATIONS, SEED, CORRECTION, SUPPRESS_BELOW, OUTPUT = (
        "PERMUTATIONS", "SEED", "CORRECTION", "SUPPRESS_BELOW", "OUTPUT")
    NAME, DISPLAY_NAME, GROUP = "hotspotsignificance", "Hotspot significance (Getis-Ord Gi*)", "Hotspots"
    TAGS = ("getis", "ord", "gi*", "hotspot", "coldspot", "cluster", "significance", "fdr")
    REQUIRES = ("numpy", "pandas", "geopandas", "pyogrio", "shapely", "pyproj", "scipy", "esda", "libpysal")
    STEPS = 4
    HELP = (
        "Where are there significantly more (hot spots) or fewer (cold spots) points — e.g. stops of one role, "
        "weighted by cases — than chance would give?\n\n"
        "The points are counted (and their weights summed) into hexagons of the chosen size, or into the "
        "polygons of a zones layer (e.g. counties or regions). Getis-Ord Gi* is computed on the weights (or "
        "counts) with esda, on binary distance-band or k-nearest-neighbour weights between cell centres, with "
        "p-values from conditional permutations (seeded, so reruns agree). The two-sided p-values are then "
        "corrected for testing every cell at once (Benjamini-Hochberg false discovery rate by default; none or "
        "Bonferroni selectable) and each cell is classed hot or cold at 90/95/99 % confidence, or not "
        "significant.\n\n"
        "Output fields: count, weight, gi_z (z-score), p_value, p_adjusted, gi_class. Cells with fewer points "
        "than 'Suppress counts below' keep their class but their count and weight are left blank.\n\n"
        "Distances are computed in a projected CRS (the layer's, the one given, or the UTM zone of the points' "
        "centre for a layer in degrees); the output is in that CRS.")

    def initAlgorithm(self, config=None):
        add_point_parameters(self)
        p = QgsProcessingParameterFeatureSource(self.ZONES, "Zones (instead of hexagons)",
                                                [Qgis.ProcessingSourceType.VectorPolygon], optional=True)
        p.setHelp("Optional polygons to count into (e.g. counties, regions); their fields are kept. "
                  "Empty: a hexagon grid of Hexagon size over the points.")
        self.addParameter(p)
        p = QgsProcessingParameterNumber(self.CELL_SIZE, "Hexagon size", Qgis.ProcessingNumberParameterType.Double,
                                         50000.0, minValue=0.0)
        p.setHelp("Distance between the centres of neighbouring hexagons (their width across flats), in the "
                  "projected CRS's units (metres). Ignored with Zones.")
        self.addParameter(p)
        p = QgsProcessingParameterEnum(self.NEIGHBOURS, "Neighbours", NEIGHBOUR_LABELS, defaultValue=0)
        p.setHelp("Which cells are neighbours of a cell: those whose centres are within the distance band, or its k "
                  "nearest cells. Every cell is also its own neighbour (Gi*).")
        self.addParameter(p)
        p = QgsProcessingParameterNumber(self.DISTANCE_BAND, "Distance band (0 = automatic)",
                                         Qgis.ProcessingNumberParameterType.Double, 0.0, minValue=0.0)
        p.setHelp("Distance between cell centres within which cells are neighbours, in metres. 0: the smallest "
                  "distance that gives every cell a neighbour (for hexagons, the ring of six around each).")
        self.addParameter(p)
        p = QgsProcessingParameterNumber(self.K, "k (k nearest neighbours)", Qgis.ProcessingNumberParameterType.Integer,
                                         8, minValue=1)
        p.setHelp("Number of nearest cells used as neighbours when Neighbours is 'k nearest neighbours'.")
        self.addParameter(p)
        p = QgsProcessingParameterNumber(self.PERMUTATIONS, "Permutations", Qgis.ProcessingNumberParameterType.Integer,
                                         999, minValue=0)
        p.setHelp("Conditional permutations for the pseudo p-values. 0: p-values from the normal approximation.")
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
        self.addParameter(suppress_parameter("cells with fewer points keep their class, but their count and "
                                             "weight are left blank.", self.SUPPRESS_BELOW))
        p = QgsProcessingParameterFeatureSink(self.OUTPUT, "Hotspots", Qgis.ProcessingSourceType.VectorPolygon)
        p.setHelp("One polygon per cell with count, weight, gi_z, p_value, p_adjusted and gi_class.")
        self.addParameter(p)
        self.addOutput(QgsProcessingOutputNumber("SIGNIFICANT", "Cells classed hot or cold"))
        self.addOutput(QgsProcessingOutputString("CRS", "CRS the statistics were computed in"))

    def compute(self, parameters, context, steps):
        from ...routes_plugin.core import hotspots

        points, crs, weight = read_points(self, parameters, context, steps.next("Reading the points"))
        steps.next("Counting into cells")
        if self.parameterAsSource(parameters, self.ZONES, context) is not None:
            zones = read_frame(self, parameters, self.ZONES, context, steps.feedback, None).to_crs(crs)
            clash = [c for c in hotspots.OUTPUT_COLUMNS if c in zones.columns]
            if clash:
                steps.pushWarning(f"Zone fields {', '.join(clash)} are replaced by the results.")
            cells = zones.drop(columns=clash)
        else:
            cells = hotspots.hexagon_grid(points.total_bounds,
                                          self.parameterAsDouble(parameters, self.CELL_SIZE, context), crs)
        cells = hotspots.aggregate(points, cells, weight)
        steps.pushInfo(f"{len(cells)} cells, {int((cells['count'] > 0).sum())} with points.")
        steps.next("Computing Gi*")
        result = hotspots.gi_star(
            cells, "weight",
            neighbours=hotspots.NEIGHBOURS[self.parameterAsEnum(parameters, self.NEIGHBOURS, context)],
            distance=self.parameterAsDouble(parameters, self.DISTANCE_BAND, context),
            k=self.parameterAsInt(parameters, self.K, context),
            permutations=self.parameterAsInt(parameters, self.PERMUTATIONS, context),
            seed=self.parameterAsInt(parameters, self.SEED, context),
            correction=hotspots.CORRECTIONS[self.parameterAsEnum(parameters, self.CORRECTION, context)],
            suppress_below=self.parameterAsInt(parameters, self.SUPPRESS_BELOW, context),
            progress=steps.callback())
        significant = int((result["gi_class"] != hotspots.NOT_SIGNIFICANT).sum())
        steps.pushInfo(f"{significant} cell(s) classed hot or cold.")
        dest = frame_to_sink(self, parameters, context, self.OUTPUT, result,
                             QgsCoordinateReferenceSystem.fromWkt(crs.to_wkt()), steps.next("Writing"))
        style_output(context, dest, "hotspot_significance")
        return {self.OUTPUT: dest, "SIGNIFICANT": significant, "CRS": crs.to_string()}
