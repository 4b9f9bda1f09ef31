"""routes:hotspotdensity — kernel density raster of (filtered, weighted) points.

The density is computed in ``routes_plugin.core.density`` (binning + FFT, on
the same grid and with the same kernels as QGIS's heatmap); this file reads the
points, projects them, writes the GeoTIFF and styles it. The point reading,
filtering and projecting below is shared with routes:hotspotsignificance.
"""
from __future__ import annotations

from pathlib import Path

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsMapLayerLegend,
    QgsSimpleLegendNode,
    QgsCoordinateReferenceSystem,
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingOutputString,
    QgsProcessingParameterCrs,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterExtent,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterString,
    QgsSingleBandPseudoColorRenderer,
    QgsVectorLayer,
)

from qgis.PyQt import sip

from ..qgis_io import check, progress_callback, read_frame, require, source_to_frame, style_output

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
    p.setHelp("Distances are measured in this CRS. Empty: a CRS chosen for the study area (its UTM zone, or an "
              "equal-area projection centred on it; for local data in a projected layer, the layer's own CRS), "
              "reported in the log. A geographic CRS is refused.")
    alg.addParameter(p)


def read_points(alg, parameters, context, feedback):
    """The filtered points, in the layer's CRS: ``(frame, weight_field)``."""
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
    if frame.crs is None:
        raise QgsProcessingException("The layer has no CRS: set one in the layer's properties.")
    feedback.pushInfo(f"{len(frame)} point(s) after filtering.")
    if weight:
        missing = int(frame[weight].isna().sum())
        if missing:
            feedback.pushWarning(f"{missing} point(s) have no {weight}: they weigh 0.")
    return frame, weight


HOME_COUNTRY = "KEN"


def add_study_area_parameters(alg, extent: bool = False):
    """STUDY_AREA (polygons), HOME_COUNTRY (advanced) and, for a raster, EXTENT."""
    p = QgsProcessingParameterFeatureSource("STUDY_AREA", "Study area (polygons)",
                                            [QgsProcessing.TypeVectorPolygon], optional=True)
    p.setHelp("The ground the map covers, e.g. the chapter regions or one county: only points inside it are "
              "used, the result covers only it (on land), and it is computed in a CRS chosen for it (its UTM "
              "zone, or an equal-area projection centred on it). Empty: the home country (QGIS's world map), or, "
              "when every point lies within a small part of the home country (local data), the points' extent.")
    alg.addParameter(p)
    if extent:
        p = QgsProcessingParameterExtent("EXTENT", "Extent (instead of a study area)", optional=True)
        p.setHelp("A rectangle to compute the density over, instead of the study area (any CRS).")
        alg.addParameter(p)
    p = QgsProcessingParameterString("HOME_COUNTRY", "Home country (ISO 3166-1 alpha-3 code)",
                                     defaultValue=HOME_COUNTRY)
    p.setHelp("The network's own country, the default study area (e.g. KEN, UGA, TZA), from QGIS's world map.")
    p.setFlags(p.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
    alg.addParameter(p)


def world_countries(columns=("ISO_A3", "NAME")):
    """QGIS's world_map.gpkg countries (Natural Earth), found through QGIS."""
    path = Path(QgsApplication.pkgDataPath()) / "resources" / "data" / "world_map.gpkg"
    layer = QgsVectorLayer(f"{path}|layername=countries", "countries", "ogr")
    if not layer.isValid():
        raise QgsProcessingException(f"QGIS's world map {path} is missing: choose a Study area layer.")
    return source_to_frame(layer, None, list(columns))


def _target_crs(alg, parameters, context):
    """The TARGET_CRS parameter as a pyproj CRS, or None (refused when geographic)."""
    from pyproj import CRS

    target = alg.parameterAsCrs(parameters, "TARGET_CRS", context)
    if not target.isValid():
        return None
    if target.isGeographic():
        raise QgsProcessingException(
            f"{target.authid() or target.description()} is a geographic CRS (degrees): a density or distance "
            "band in degrees is not meaningful. Choose a projected CRS (e.g. a UTM zone) or leave it empty.")
    return CRS.from_wkt(target.toWkt(QgsCoordinateReferenceSystem.WKT_PREFERRED))


def resolve_study_area(alg, parameters, context, points, feedback, local_rule: bool = True):
    """``(study_area, local)``: the STUDY_AREA polygons (cut to land), an EXTENT, the
    points' extent for local data (``local`` True; in the layer's CRS when it is
    projected) or the home country; in TARGET_CRS or a CRS chosen for it."""
    from ...routes_plugin.core import study_area as sa

    crs = _target_crs(alg, parameters, context)
    try:
        if parameters.get("EXTENT") not in (None, ""):
            rect = alg.parameterAsExtent(parameters, "EXTENT", context, QgsCoordinateReferenceSystem("EPSG:4326"))
            box = (rect.xMinimum(), rect.yMinimum(), rect.xMaximum(), rect.yMaximum())
            return sa.from_extent(box, "the given extent", "the Extent parameter", crs), False
        countries = world_countries()
        if alg.parameterAsSource(parameters, "STUDY_AREA", context) is not None:
            layer = alg.parameterAsVectorLayer(parameters, "STUDY_AREA", context)
            polygons = read_frame(alg, parameters, "STUDY_AREA", context, None, [])
            name = layer.name() if layer is not None else "the study area"
            return sa.from_polygons(polygons, name, "the Study area layer, on land", land=countries, crs=crs), False
        code = (alg.parameterAsString(parameters, "HOME_COUNTRY", context) or HOME_COUNTRY).strip().upper()
        home = countries[countries["ISO_A3"] == code]
        if home.empty:
            raise QgsProcessingException(f"Home country {code!r} is not an ISO 3166-1 alpha-3 code of QGIS's world "
                                         "map (e.g. KEN, UGA, TZA): correct it or choose a Study area layer.")
        name = str(home["NAME"].iloc[0])
        lonlat = points.geometry.to_crs(sa.LONLAT).total_bounds if points.crs else None
        if local_rule and lonlat is not None and sa.is_local(lonlat, home.to_crs(sa.LONLAT).total_bounds):
            if crs is None and not points.crs.is_geographic:
                crs = points.crs
            return sa.from_extent(lonlat, "the points' extent", f"the data is local, within {name}", crs), True
        return sa.from_polygons(home, name, "home country", crs=crs), False
    except sa.StudyAreaError as err:
        raise QgsProcessingException(str(err)) from err


def crs_text(crs) -> str:
    """``EPSG:32737`` or, for a CRS with no code, its PROJ string."""
    import warnings

    auth = crs.to_authority()
    if auth:
        return f"{auth[0]}:{auth[1]}"
    with warnings.catch_warnings():  # "you will lose information": it is only the result's label
        warnings.simplefilter("ignore", UserWarning)
        return crs.to_proj4()


def qgis_version() -> tuple[int, int, int]:
    """``(major, minor, patch)`` of the QGIS in use (the heatmap grid to match depends on it)."""
    number = Qgis.versionInt()  # e.g. 34006
    return number // 10000, number // 100 % 100, number % 100


# ------------------------------------------------------------------ style --

class RampOnlyLegend(QgsMapLayerLegend):
    """A raster legend in words: "relative density" over the colour ramp labelled
    "low" ... "high", instead of the renderer's "Band 1: ... (Gray)" and numbers."""

    TITLE = "relative density"

    def createLayerTreeModelLegendNodes(self, node_layer):  # noqa: N802 (QGIS's name)
        renderer = node_layer.layer().renderer() if node_layer.layer() is not None else None
        if renderer is None:
            return []
        nodes = [QgsSimpleLegendNode(node_layer, self.TITLE)]
        nodes += [n for n in renderer.createLegendNodes(node_layer) if not isinstance(n, QgsSimpleLegendNode)]
        for node in nodes:  # the layer tree model owns and deletes them, not Python
            sip.transferto(node, None)
        return nodes


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
            layer.setLegend(RampOnlyLegend())
            layer.emitStyleChanged()  # the legend follows (no refresh needed)

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
            "With the same Point layer, Radius, Pixel size, Weight, Kernel, Decay and Output value, and local data "
            "(see Study area), the grid (extent, "
            "alignment, size) and the values are those of QGIS's own Heatmap (Kernel Density Estimation), pixel for "
            "pixel; it is computed by binning and FFT convolution instead of point by point, so it is many times "
            "faster. Pixels QGIS leaves as nodata are 0 here.\n\n"
            "Study area: the density covers the Study area polygons (default: the home country from QGIS's world "
            "map; the same ground as Hotspot significance), only points inside it count, and pixels outside it "
            "are transparent. When every point lies within a small part of the home country (local data), the "
            "points' own extent is used, exactly as QGIS's heatmap does. An Extent can be given instead.\n\n"
            "Distances are computed in a projected CRS chosen for the study area (its UTM zone, or an equal-area "
            "projection centred on it; the layer's own for local data in a projected layer) unless you give one; "
            "it is reported in the log. Radius and Pixel size 0 (the defaults) are chosen from the study area: "
            "about 1000 pixels across it and a radius of a twentieth of its width (Kenya: 1 km pixels, 50 km). "
            "The radius must be at least one pixel.\n\n"
            "The scaled quartic kernel follows the QGIS in use: QGIS 3.40.4 / 3.42 corrected its normalising "
            "constant (116 became 16, QGIS issue 60616); older QGIS versions get the old constant.\n\n"
            "Kernels: Quartic, Triangular, Uniform, Triweight and Epanechnikov as in QGIS (same order, same "
            "formulas, same 'scaled' constants), plus Gaussian with standard deviation radius / 3, cut off at the "
            "radius. Output value: Raw (sum of weight x kernel, 1 at a point) or Scaled (QGIS's normalisation).")

    def initAlgorithm(self, config=None):  # noqa: N802
        add_point_parameters(self)
        add_study_area_parameters(self, extent=True)
        p = QgsProcessingParameterNumber(self.RADIUS, "Radius (0 = from the study area)",
                                         QgsProcessingParameterNumber.Double, 0.0, minValue=0.0)
        p.setHelp("Search radius (bandwidth) of the kernel, in the projected CRS's units (metres) or in pixels "
                  "(see Radius unit). 0: a twentieth of the study area's width, rounded (Kenya: 50 km).")
        self.addParameter(p)
        p = QgsProcessingParameterEnum(self.RADIUS_UNIT, "Radius unit", RADIUS_UNITS, defaultValue=0)
        p.setHelp("Whether Radius is in map units of the projected CRS (as in QGIS's heatmap) or in pixels.")
        self.addParameter(p)
        p = QgsProcessingParameterNumber(self.PIXEL_SIZE, "Pixel size (0 = from the study area)",
                                         QgsProcessingParameterNumber.Double, 0.0, minValue=0.0)
        p.setHelp("Side of a square pixel in the projected CRS's units (metres). 0: about 1000 pixels across the "
                  "study area, rounded (Kenya: 1 km).")
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

        from ...routes_plugin.core import study_area as sa

        frame, weight = read_points(self, parameters, context, feedback)
        area, local = resolve_study_area(self, parameters, context, frame, feedback)
        feedback.pushInfo(area.describe())
        frame = frame.to_crs(area.crs) if frame.crs != area.crs else frame
        if not local:
            keep = sa.inside(frame, area)
            if not keep.all():
                feedback.pushInfo(f"{int((~keep).sum())} of {len(frame)} points lie outside {area.name} and are "
                                  "not used.")
            frame = frame[keep]
            if frame.empty:
                raise QgsProcessingException(f"No point lies in {area.name}: choose a Study area (or Extent) that "
                                             "holds the points, or another Home country.")
        check(feedback, 10)
        auto_pixel, auto_radius = density.default_pixel_and_radius(
            (frame.total_bounds if local else area.bounds))
        pixel = self.parameterAsDouble(parameters, self.PIXEL_SIZE, context) or auto_pixel
        radius = self.parameterAsDouble(parameters, self.RADIUS, context)
        if radius and self.parameterAsEnum(parameters, self.RADIUS_UNIT, context) == 1:
            radius *= pixel
        radius = radius or auto_radius
        if radius == auto_radius or pixel == auto_pixel:
            feedback.pushInfo(f"Pixel size {pixel:g} m, radius {radius:g} m"
                              " (chosen from the study area where not given).")
        weights = pd.to_numeric(frame[weight], errors="coerce").to_numpy(dtype=float) if weight else None
        try:
            array, grid = density.kernel_density(
                frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy(), weights, radius, pixel,
                density.KERNELS[self.parameterAsEnum(parameters, self.KERNEL, context)],
                density.OUTPUT_VALUES[self.parameterAsEnum(parameters, self.OUTPUT_VALUE, context)],
                extent=None if local else area.bounds,
                decay=self.parameterAsDouble(parameters, self.DECAY, context),
                progress=progress_callback(feedback, 10, 90), qgis_version=qgis_version())
        except density.DensityError as err:
            raise QgsProcessingException(str(err)) from err
        if area.geometry is not None:
            density.mask_outside(array, grid, area.reach)
        feedback.pushInfo(f"Grid: {grid.cols} x {grid.rows} pixels of {pixel:g}; peak {array.max():.6g}.")
        output = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        if not output.lower().endswith((".tif", ".tiff")):
            raise QgsProcessingException("The density is written as a GeoTIFF: give a .tif output file.")
        density.write_geotiff(output, array, grid, area.crs.to_wkt())
        style_output(context, output, "hotspot_density", stretch_ramp(array.max()))
        check(feedback, 100)
        return {self.OUTPUT: output, "CRS": crs_text(area.crs)}
