"""routes:hotspotdensity — kernel density raster of (filtered, weighted) points.

The density is computed in ``routes_plugin.core.density`` (binning + FFT, on
the same grid and with the same kernels as QGIS's heatmap); this file reads the
points (``processing/points.py``) and finds the study area
(``processing/study_area.py``), both shared with routes:hotspotsignificance,
writes the GeoTIFF and styles it (docs/hotspots.md).
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
from ...routes_plugin.edge.styles import style_output
from ..base import RoutesAlgorithm
from ..points import add_point_parameters, read_point_arrays
from ..study_area import add_study_area_parameters, crs_text, density_style, qgis_version, resolve_study_area

KERNEL_LABELS = ("Quartic", "Triangular", "Uniform", "Triweight", "Epanechnikov", "Gaussian (sigma = radius / 3)")
OUTPUT_VALUE_LABELS = ("Raw", "Scaled")
RADIUS_UNITS = ("map units of the projected CRS (metres)", "pixels")


class HotspotDensity(RoutesAlgorithm):
    RADIUS, RADIUS_UNIT, PIXEL_SIZE, KERNEL = "RADIUS", "RADIUS_UNIT", "PIXEL_SIZE", "KERNEL"
    DECAY, OUTPUT_VALUE, OUTPUT = "DECAY", "OUTPUT_VALUE", "OUTPUT"
    NAME, DISPLAY_NAME, GROUP = "hotspotdensity", "Hotspot density (kernel density raster)", "Hotspots"
    TAGS = ("heatmap", "kde", "kernel", "density", "hotspot")
    REQUIRES = ("numpy", "pandas", "geopandas", "pyogrio", "shapely", "pyproj")
    STEPS = 3
    HELP = (
        "Kernel density (heatmap) of points — e.g. route stops of one role or one transport mode, weighted by "
        "cases — as a GeoTIFF, styled on load with a colour ramp and transparent where the density is zero.\n\n"
        "With the same Point layer, Radius, Pixel size, Weight, Kernel, Decay and Output value, and local data "
        "(see Study area), the grid (extent, "
        "alignment, size) and the values are those of QGIS's own Heatmap (Kernel Density Estimation), pixel for "
        "pixel; it is computed by binning and FFT convolution instead of point by point, so it is many times "
        "faster. Pixels QGIS leaves as nodata are 0 here.\n\n"
        "Study area: the density covers the Study area polygons (default: the country pack's chapter regions, "
        "Kenya: the whole country, from QGIS's world map; the same ground as Hotspot significance); only points "
        "inside it (or within 5 km of its outline) count, and pixels outside it are transparent. When every "
        "point lies within a small part of that area (local data), the points' own extent is used, exactly as "
        "QGIS's heatmap does. An Extent can be given instead.\n\n"
        "Distances are computed in a projected CRS chosen for the study area (its UTM zone, or an equal-area "
        "projection centred on it; the layer's own for local data in a projected layer) unless you give one; "
        "it is reported in the log. Radius and Pixel size 0 (the defaults) are chosen from the study area: "
        "about 1000 pixels across it and a radius of a twentieth of its width (Kenya: 1 km pixels, 50 km). "
        "The radius must be at least one pixel.\n\n"
        "The scaled quartic kernel follows the QGIS in use: QGIS 3.40.4 / 3.42 corrected its normalising "
        "constant (116 became 16, QGIS issue 60616); older QGIS versions get the old constant. The legend "
        "reads 'relative density', low to high.\n\n"
        "Kernels: Quartic, Triangular, Uniform, Triweight and Epanechnikov as in QGIS (same order, same "
        "formulas, same 'scaled' constants), plus Gaussian with standard deviation radius / 3, cut off at the "
        "radius. Output value: Raw (sum of weight x kernel, 1 at a point) or Scaled (QGIS's normalisation).")

    def initAlgorithm(self, config=None):
        add_point_parameters(self)
        add_study_area_parameters(self, extent=True)
        p = QgsProcessingParameterNumber(self.RADIUS, "Radius (0 = from the study area)",
                                         Qgis.ProcessingNumberParameterType.Double, 0.0, minValue=0.0)
        p.setHelp("Search radius (bandwidth) of the kernel, in the projected CRS's units (metres) or in pixels "
                  "(see Radius unit). 0: a twentieth of the study area's width, rounded (Kenya: 50 km).")
        self.addParameter(p)
        p = QgsProcessingParameterEnum(self.RADIUS_UNIT, "Radius unit", RADIUS_UNITS, defaultValue=0)
        p.setHelp("Whether Radius is in map units of the projected CRS (as in QGIS's heatmap) or in pixels.")
        self.addParameter(p)
        p = QgsProcessingParameterNumber(self.PIXEL_SIZE, "Pixel size (0 = from the study area)",
                                         Qgis.ProcessingNumberParameterType.Double, 0.0, minValue=0.0)
        p.setHelp("Side of a square pixel in the projected CRS's units (metres). 0: about 1000 pixels across the "
                  "study area, rounded (Kenya: 1 km).")
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
        import numpy as np

        from ...routes_plugin.core import density
        from ...routes_plugin.core import study_area as sa

        points = read_point_arrays(self, parameters, context, steps.next("Reading the points"))
        area, local = resolve_study_area(self, parameters, context, points)
        steps.pushInfo(area.describe())
        x, y = points.transformed(area.crs)
        weights = points.weights
        if not local:
            keep = sa.inside_xy(x, y, area)
            if not keep.all():
                steps.pushInfo(f"{int((~keep).sum())} of {len(keep)} points lie outside {area.name} and are "
                               "not used.")
                x, y = x[keep], y[keep]
                weights = weights[keep] if weights is not None else None
            if not len(x):
                raise RoutesError(f"No point lies in {area.name}: choose a Study area (or Extent) that holds the "
                                  "points, or another Country pack.")
        bounds = (x.min(), y.min(), x.max(), y.max()) if local else area.bounds
        auto_pixel, auto_radius = density.default_pixel_and_radius(bounds)
        pixel = self.parameterAsDouble(parameters, self.PIXEL_SIZE, context) or auto_pixel
        radius = self.parameterAsDouble(parameters, self.RADIUS, context)
        if radius and self.parameterAsEnum(parameters, self.RADIUS_UNIT, context) == 1:
            radius *= pixel
        radius = radius or auto_radius
        if radius == auto_radius or pixel == auto_pixel:
            steps.pushInfo(f"Pixel size {pixel:g} m, radius {radius:g} m (chosen from the study area where not given).")
        output = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        if not output.lower().endswith((".tif", ".tiff")):
            raise RoutesError("The density is written as a GeoTIFF: give a .tif output file.")
        steps.next("Computing the density")
        array, grid = density.kernel_density(
            np.asarray(x), np.asarray(y), weights, radius, pixel,
            density.KERNELS[self.parameterAsEnum(parameters, self.KERNEL, context)],
            density.OUTPUT_VALUES[self.parameterAsEnum(parameters, self.OUTPUT_VALUE, context)],
            extent=None if local else area.bounds,
            decay=self.parameterAsDouble(parameters, self.DECAY, context),
            progress=steps.callback(), qgis_version=qgis_version())
        if area.geometry is not None:
            density.mask_outside(array, grid, area.reach)
        peak = float(array.max())
        steps.pushInfo(f"Grid: {grid.cols} x {grid.rows} pixels of {pixel:g}; peak {peak:.6g}.")
        steps.next("Writing the GeoTIFF")
        density.write_geotiff(output, array, grid, area.crs.to_wkt())
        style_output(context, output, "hotspot_density", density_style(peak))
        return {self.OUTPUT: output, "CRS": crs_text(area.crs)}
