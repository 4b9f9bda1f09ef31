"""routes:hotspotdensity — kernel density raster of (filtered, weighted) points.

The density is computed in ``routes_plugin.core.density`` (binning + FFT, on
the same grid and with the same kernels as QGIS's heatmap); this file reads the
points, projects them, writes the GeoTIFF and styles it. The point reading,
filtering and projecting below is shared with routes:hotspotsignificance.
"""
from __future__ import annotations

from qgis.core import (
    Qgis,
    QgsCoordinateReferenceSystem,
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingOutputString,
    QgsProcessingParameterCrs,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterString,
    QgsSingleBandPseudoColorRenderer,
)

from ..qgis_io import check, progress_callback, read_frame, require, style_output

ROLES = ("origin", "transit", "destination", "exploitation")
KERNEL_LABELS = ("Quartic", "Triangular", "Uniform", "Triweight", "Epanechnikov", "Gaussian (sigma = radius / 3)")
OUTPUT_VALUE_LABELS = ("Raw", "Scaled")
RADIUS_UNITS = ("map units of the projected CRS (metres)", "pixels")


# ----------------------------------------------------- shared with Gi* --

def add_point_parameters(alg):
    """INPUT, ROLES, CATEGORY_FIELD, CATEGORY_VALUE, WEIGHT_FIELD, TARGET_CRS."""
    p = QgsProcessingParameterFeatureSource("INPUT", "Point layer", [QgsProcessing.TypeVectorPoint])
    p.setHelp("Points to map, e.g. route_points from Load tracker export (any point layer works).")
    alg.addParameter(p)
    p = QgsProcessingParameterEnum("ROLES", "Only stops with role", ROLES, allowMultiple=True, optional=True)
    p.setHelp("Keep only stops whose 'role' field is one of these (origin, transit, destination, exploitation). "
              "Empty: all points.")
    alg.addParameter(p)
    p = QgsProcessingParameterField("CATEGORY_FIELD", "Category field", None, "INPUT",
                                    QgsProcessingParameterField.String, optional=True)
    p.setHelp("With Category value: keep only points whose field (a single value or codes joined by '; ', e.g. "
              "transport_modes) contains that value.")
    alg.addParameter(p)
    p = QgsProcessingParameterString("CATEGORY_VALUE", "Category value", optional=True)
    p.setHelp("The code to keep in Category field, e.g. 'bus' (case-insensitive). Empty: no category filter.")
    alg.addParameter(p)
    p = QgsProcessingParameterField("WEIGHT_FIELD", "Weight from field", None, "INPUT",
                                    QgsProcessingParameterField.Numeric, optional=True)
    p.setHelp("Weight of each point, e.g. cases_low or cases_high. Empty: every point weighs 1. Missing values "
              "weigh 0 (as in QGIS's heatmap); negative weights are refused.")
    alg.addParameter(p)
    p = QgsProcessingParameterCrs("TARGET_CRS", "Projected CRS for the computation", optional=True)
    p.setHelp("Distances are measured in this CRS. Empty: the layer's own CRS if it is projected, otherwise the "
              "UTM zone of the points' centre (reported in the log). A geographic CRS is refused.")
    alg.addParameter(p)


def projected_crs(frame, target: QgsCoordinateReferenceSystem, feedback):
    """The CRS to compute in (a pyproj CRS): ``target`` if valid (refused when
    geographic), else the frame's own if projected, else its UTM zone."""
    from pyproj import CRS

    if target.isValid():
        if target.isGeographic():
            raise QgsProcessingException(
                f"{target.authid() or target.description()} is a geographic CRS (degrees): a density or distance "
                "band in degrees is not meaningful. Choose a projected CRS (e.g. a UTM zone) or leave it empty.")
        return CRS.from_wkt(target.toWkt(QgsCoordinateReferenceSystem.WKT_PREFERRED))
    if frame.crs is None:
        raise QgsProcessingException("The layer has no CRS: set one, or give a projected CRS for the computation.")
    if not frame.crs.is_geographic:
        return frame.crs
    if frame.empty:
        return frame.crs
    crs = frame.estimate_utm_crs()
    feedback.pushInfo(f"The layer is in geographic coordinates ({frame.crs.to_string()}); computing in "
                      f"{crs.name} ({crs.to_string()}), the UTM zone of the points' centre.")
    return crs


def read_points(alg, parameters, context, feedback):
    """The filtered points projected for computing: ``(frame, crs, weight_field)``."""
    from ...routes_plugin.core import hotspots

    category = alg.parameterAsString(parameters, "CATEGORY_FIELD", context)
    weight = alg.parameterAsString(parameters, "WEIGHT_FIELD", context) or None
    frame = read_frame(alg, parameters, "INPUT", context, feedback, [c for c in ("role", category, weight) if c])
    # parameterAsEnums gives [0] for an absent optional multiple enum in QGIS 3.22: read it only when set
    given = parameters.get("ROLES") not in (None, "", [])
    roles = [ROLES[i] for i in alg.parameterAsEnums(parameters, "ROLES", context)] if given else []
    try:
        frame = hotspots.select_points(frame, roles, category, alg.parameterAsString(parameters, "CATEGORY_VALUE", context))
    except ValueError as err:
        raise QgsProcessingException(str(err)) from err
    frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    if frame.geom_type.str.startswith("Multi").any():
        frame = frame.explode(index_parts=False)
    if frame.empty:
        raise QgsProcessingException("No points to work on: the layer is empty or the role/category filter "
                                     "kept nothing.")
    crs = projected_crs(frame, alg.parameterAsCrs(parameters, "TARGET_CRS", context), feedback)
    feedback.pushInfo(f"{len(frame)} point(s) after filtering.")
    if weight:
        missing = int(frame[weight].isna().sum())
        if missing:
            feedback.pushWarning(f"{missing} point(s) have no {weight}: they weigh 0.")
    return (frame if frame.crs == crs else frame.to_crs(crs)), crs, weight


def qgis_version() -> tuple[int, int, int]:
    """``(major, minor, patch)`` of the QGIS in use (the heatmap grid to match depends on it)."""
    number = Qgis.versionInt()  # e.g. 34006
    return number // 10000, number // 100 % 100, number % 100


# ------------------------------------------------------------------ style --

def stretch_ramp(peak):
    """The shipped colour ramp is defined on 0..1: stretch it to 0..``peak`` (for
    :func:`qgis_io.apply_style`)."""
    peak = float(peak)

    def adjust(layer):
        renderer = layer.renderer()
        if isinstance(renderer, QgsSingleBandPseudoColorRenderer) and peak > 0:
            function = renderer.shader().rasterShaderFunction()
            items = function.colorRampItemList()
            for item in items:
                item.value *= peak
            function.setColorRampItemList(items)
            function.setMinimumValue(0.0)
            function.setMaximumValue(peak)
            renderer.setClassificationMin(0.0)
            renderer.setClassificationMax(peak)

    return adjust


# -------------------------------------------------------------- algorithm --

class HotspotDensity(QgsProcessingAlgorithm):
    """routes:hotspotdensity."""

    RADIUS, RADIUS_UNIT, PIXEL_SIZE, KERNEL = "RADIUS", "RADIUS_UNIT", "PIXEL_SIZE", "KERNEL"
    DECAY, OUTPUT_VALUE, OUTPUT = "DECAY", "OUTPUT_VALUE", "OUTPUT"

    def name(self):
        return "hotspotdensity"

    def displayName(self):  # noqa: N802
        return "Hotspot density (kernel density raster)"

    def group(self):
        return "Hotspots"

    def groupId(self):  # noqa: N802
        return "hotspots"

    def tags(self):
        return ["heatmap", "kde", "kernel", "density", "hotspot"]

    def createInstance(self):  # noqa: N802
        return HotspotDensity()

    def shortHelpString(self):  # noqa: N802
        return (
            "Kernel density (heatmap) of points — e.g. route stops of one role or one transport mode, weighted by "
            "cases — as a GeoTIFF, styled on load with a colour ramp and transparent where the density is zero.\n\n"
            "With the same Point layer, Radius, Pixel size, Weight, Kernel, Decay and Output value, the grid (extent, "
            "alignment, size) and the values are those of QGIS's own Heatmap (Kernel Density Estimation), pixel for "
            "pixel; it is computed by binning and FFT convolution instead of point by point, so it is many times "
            "faster. Pixels QGIS leaves as nodata are 0 here.\n\n"
            "Distances are computed in a projected CRS: the layer's own, the one you give, or (for a layer in "
            "degrees) the UTM zone of the points' centre, reported in the log. The radius must be at least one "
            "pixel.\n\n"
            "Kernels: Quartic, Triangular, Uniform, Triweight and Epanechnikov as in QGIS (same order, same "
            "formulas, same 'scaled' constants), plus Gaussian with standard deviation radius / 3, cut off at the "
            "radius. Output value: Raw (sum of weight x kernel, 1 at a point) or Scaled (QGIS's normalisation).")

    def initAlgorithm(self, config=None):  # noqa: N802
        add_point_parameters(self)
        p = QgsProcessingParameterNumber(self.RADIUS, "Radius", QgsProcessingParameterNumber.Double, 50000.0,
                                         minValue=0.0)
        p.setHelp("Search radius (bandwidth) of the kernel, in the projected CRS's units (metres) or in pixels "
                  "(see Radius unit).")
        self.addParameter(p)
        p = QgsProcessingParameterEnum(self.RADIUS_UNIT, "Radius unit", RADIUS_UNITS, defaultValue=0)
        p.setHelp("Whether Radius is in map units of the projected CRS (as in QGIS's heatmap) or in pixels.")
        self.addParameter(p)
        p = QgsProcessingParameterNumber(self.PIXEL_SIZE, "Pixel size", QgsProcessingParameterNumber.Double, 1000.0,
                                         minValue=0.0)
        p.setHelp("Side of a square pixel in the projected CRS's units (metres).")
        self.addParameter(p)
        p = QgsProcessingParameterEnum(self.KERNEL, "Kernel shape", KERNEL_LABELS, defaultValue=0)
        p.setHelp("QGIS's five kernels in QGIS's order, then Gaussian (sigma = radius / 3, cut off at the radius).")
        self.addParameter(p)
        p = QgsProcessingParameterNumber(self.DECAY, "Decay ratio (Triangular kernel only)",
                                         QgsProcessingParameterNumber.Double, 0.0, True, -100.0, 100.0)
        p.setHelp("As in QGIS: the triangular kernel's value at the radius relative to its centre (0: falls to 0).")
        p.setFlags(p.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
        self.addParameter(p)
        p = QgsProcessingParameterEnum(self.OUTPUT_VALUE, "Output value scaling", OUTPUT_VALUE_LABELS, defaultValue=0)
        p.setHelp("Raw: weighted sum of kernel values (a single point of weight 1 gives 1 at its centre). "
                  "Scaled: QGIS's 'scaled' values (kernel divided by its normalising constant).")
        self.addParameter(p)
        p = QgsProcessingParameterRasterDestination(self.OUTPUT, "Density")
        p.setHelp("Single-band Float32 GeoTIFF in the projected CRS; 0 is nodata (transparent).")
        self.addParameter(p)
        self.addOutput(QgsProcessingOutputString("CRS", "CRS the density was computed in"))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        require("numpy", "scipy", "geopandas", "pyogrio", "shapely")
        import pandas as pd

        from ...routes_plugin.core import density

        frame, crs, weight = read_points(self, parameters, context, feedback)
        check(feedback, 10)
        pixel = self.parameterAsDouble(parameters, self.PIXEL_SIZE, context)
        radius = self.parameterAsDouble(parameters, self.RADIUS, context)
        if self.parameterAsEnum(parameters, self.RADIUS_UNIT, context) == 1:
            radius *= pixel
        weights = pd.to_numeric(frame[weight], errors="coerce").to_numpy(dtype=float) if weight else None
        try:
            array, grid = density.kernel_density(
                frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy(), weights, radius, pixel,
                density.KERNELS[self.parameterAsEnum(parameters, self.KERNEL, context)],
                density.OUTPUT_VALUES[self.parameterAsEnum(parameters, self.OUTPUT_VALUE, context)],
                decay=self.parameterAsDouble(parameters, self.DECAY, context),
                progress=progress_callback(feedback, 10, 90), qgis_version=qgis_version())
        except density.DensityError as err:
            raise QgsProcessingException(str(err)) from err
        feedback.pushInfo(f"Grid: {grid.cols} x {grid.rows} pixels of {pixel:g}; peak {array.max():.6g}.")
        output = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        if not output.lower().endswith((".tif", ".tiff")):
            raise QgsProcessingException("The density is written as a GeoTIFF: give a .tif output file.")
        density.write_geotiff(output, array, grid, crs.to_wkt())
        style_output(context, output, "hotspot_density", stretch_ramp(array.max()))
        check(feedback, 100)
        return {self.OUTPUT: output, "CRS": crs.to_string()}
