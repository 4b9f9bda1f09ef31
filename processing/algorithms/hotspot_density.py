"""routes:hotspotdensity — kernel density raster of (filtered, weighted) points.

The density is computed in ``routes_plugin.core.density`` (binning + FFT, on
the same grid and with the same kernels as QGIS's heatmap); this file reads the
points (``processing/points.py``, shared with routes:hotspotsignificance),
writes the GeoTIFF and styles it.
"""
from __future__ import annotations

from qgis.core import (
    Qgis,
    QgsProcessingOutputString,
    QgsProcessingParameterEnum,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
)

from ...routes_plugin.core.errors import RoutesError
from ...routes_plugin.edge.styles import stretch_ramp, style_output
from ..base import RoutesAlgorithm
from ..points import add_point_parameters, read_points

KERNEL_LABELS = ("Quartic", "Triangular", "Uniform", "Triweight", "Epanechnikov", "Gaussian (sigma = radius / 3)")
OUTPUT_VALUE_LABELS = ("Raw", "Scaled")
RADIUS_UNITS = ("map units of the projected CRS (metres)", "pixels")


class HotspotDensity(RoutesAlgorithm):
    RADIUS, RADIUS_UNIT, PIXEL_SIZE, KERNEL = "RADIUS", "RADIUS_UNIT", "PIXEL_SIZE", "KERNEL"
    DECAY, OUTPUT_VALUE, OUTPUT = "DECAY", "OUTPUT_VALUE", "OUTPUT"
    NAME, DISPLAY_NAME, GROUP = "hotspotdensity", "Hotspot density (kernel density raster)", "Hotspots"
    TAGS = ("heatmap", "kde", "kernel", "density", "hotspot")
    REQUIRES = ("numpy", "pandas", "geopandas", "pyogrio", "shapely", "pyproj", "scipy")
    STEPS = 3
    HELP = (
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

    def initAlgorithm(self, config=None):
        add_point_parameters(self)
        p = QgsProcessingParameterNumber(self.RADIUS, "Radius", Qgis.ProcessingNumberParameterType.Double, 50000.0,
                                         minValue=0.0)
        p.setHelp("Search radius (bandwidth) of the kernel, in the projected CRS's units (metres) or in pixels "
                  "(see Radius unit).")
        self.addParameter(p)
        p = QgsProcessingParameterEnum(self.RADIUS_UNIT, "Radius unit", RADIUS_UNITS, defaultValue=0)
        p.setHelp("Whether Radius is in map units of the projected CRS (as in QGIS's heatmap) or in pixels.")
        self.addParameter(p)
        p = QgsProcessingParameterNumber(self.PIXEL_SIZE, "Pixel size", Qgis.ProcessingNumberParameterType.Double, 1000.0,
                                         minValue=0.0)
        p.setHelp("Side of a square pixel in the projected CRS's units (metres).")
        self.addParameter(p)
        p = QgsProcessingParameterEnum(self.KERNEL, "Kernel shape", KERNEL_LABELS, defaultValue=0)
        p.setHelp("QGIS's five kernels in QGIS's order, then Gaussian (sigma = radius / 3, cut off at the radius).")
        self.addParameter(p)
        p = QgsProcessingParameterNumber(self.DECAY, "Decay ratio (Triangular kernel only)",
                                         Qgis.ProcessingNumberParameterType.Double, 0.0, True, -100.0, 100.0)
        p.setHelp("As in QGIS: the triangular kernel's value at the radius relative to its centre (0: falls to 0).")
        p.setFlags(p.flags() | Qgis.ProcessingParameterFlag.Advanced)
        self.addParameter(p)
        p = QgsProcessingParameterEnum(self.OUTPUT_VALUE, "Output value scaling", OUTPUT_VALUE_LABELS, defaultValue=0)
        p.setHelp("Raw: weighted sum of kernel values (a single point of weight 1 gives 1 at its centre). "
                  "Scaled: QGIS's 'scaled' values (kernel divided by its normalising constant).")
        self.addParameter(p)
        p = QgsProcessingParameterRasterDestination(self.OUTPUT, "Density")
        p.setHelp("Single-band Float32 GeoTIFF in the projected CRS; 0 is nodata (transparent).")
        self.addParameter(p)
        self.addOutput(QgsProcessingOutputString("CRS", "CRS the density was computed in"))

    def compute(self, parameters, context, steps):
        import pandas as pd

        from ...routes_plugin.core import density

        frame, crs, weight = read_points(self, parameters, context, steps.next("Reading the points"))
        pixel = self.parameterAsDouble(parameters, self.PIXEL_SIZE, context)
        radius = self.parameterAsDouble(parameters, self.RADIUS, context)
        if self.parameterAsEnum(parameters, self.RADIUS_UNIT, context) == 1:
            radius *= pixel
        output = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        if not output.lower().endswith((".tif", ".tiff")):
            raise RoutesError("The density is written as a GeoTIFF: give a .tif output file.")
        weights = pd.to_numeric(frame[weight], errors="coerce").to_numpy(dtype=float) if weight else None
        steps.next("Computing the density")
        array, grid = density.kernel_density(
            frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy(), weights, radius, pixel,
            density.KERNELS[self.parameterAsEnum(parameters, self.KERNEL, context)],
            density.OUTPUT_VALUES[self.parameterAsEnum(parameters, self.OUTPUT_VALUE, context)],
            decay=self.parameterAsDouble(parameters, self.DECAY, context),
            progress=steps.callback())
        steps.pushInfo(f"Grid: {grid.cols} x {grid.rows} pixels of {pixel:g}; peak {array.max():.6g}.")
        steps.next("Writing the GeoTIFF")
        density.write_geotiff(output, array, grid, crs.to_wkt())
        style_output(context, output, "hotspot_density", stretch_ramp(array.max()))
        return {self.OUTPUT: output, "CRS": crs.to_string()}
