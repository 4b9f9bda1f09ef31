"""Benchmark: routes:hotspotdensity against QGIS's heatmap, in one run.

100 000 clustered, weighted points (fixed seed) in a GeoPackage; radius 100
pixels on a grid of about 1100 x 1100 pixels. For each of QGIS's five kernels
both algorithms run through Processing on the same file with the same
parameters (after one warm-up run of each on 100 points); printed: seconds for each, the ratio, the time of the core
computation alone, and the largest pixel difference as a share of QGIS's peak
(QGIS's nodata pixels count as 0). Goal: ratio >= 20, difference <= 0.1 %.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_density.py [--kernels quartic,uniform]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
PLUGINS = REPO / "build" / "test-plugins"
PLUGINS.mkdir(parents=True, exist_ok=True)
if not (PLUGINS / "trafficking_routes").exists():
    (PLUGINS / "trafficking_routes").symlink_to(REPO, target_is_directory=True)
sys.path.insert(0, str(PLUGINS))
sys.path.insert(1, "/usr/share/qgis/python/plugins")

import geopandas as gpd  # noqa: E402
import numpy as np  # noqa: E402
import shapely  # noqa: E402

N_POINTS, RADIUS_PIXELS, GRID_PIXELS = 100_000, 100, 1100


def make_points(path: Path):
    """Clustered points in UTM 37S (metres) with integer case weights."""
    rng = np.random.default_rng(20240501)
    centres = rng.uniform(0, 900_000, (25, 2))
    which = rng.integers(0, len(centres), N_POINTS)
    spread = rng.uniform(10_000, 60_000, len(centres))[which]
    x = 100_000 + centres[which, 0] + rng.normal(0, 1, N_POINTS) * spread
    y = 9_400_000 + centres[which, 1] + rng.normal(0, 1, N_POINTS) * spread
    frame = gpd.GeoDataFrame({"cases": rng.integers(1, 30, N_POINTS).astype(float)},
                             geometry=shapely.points(x, y), crs="EPSG:32737")
    frame.to_file(path, layer="points")
    span = max(np.ptp(x), np.ptp(y))
    pixel = float(span / (GRID_PIXELS - 2 * RADIUS_PIXELS))
    return frame, pixel, RADIUS_PIXELS * pixel


def read(path):
    from osgeo import gdal

    dataset = gdal.Open(str(path))  # keep the dataset alive while its band is used
    band = dataset.GetRasterBand(1)
    arr = band.ReadAsArray().astype(float)
    if band.GetNoDataValue() is not None:
        arr[arr == band.GetNoDataValue()] = 0.0
    return arr


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def main():
    from qgis.core import QgsApplication

    from trafficking_routes.processing.algorithms.hotspot_density import HotspotDensity
    from trafficking_routes.routes_plugin.core import density

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kernels", default=",".join(density.KERNELS[:5]))
    args = parser.parse_args()

    app = QgsApplication([], False)
    app.initQgis()
    from processing.core.Processing import Processing

    Processing.initialize()
    from qgis import processing

    work = Path(tempfile.mkdtemp(prefix="bench_density_"))
    frame, pixel, radius = make_points(work / "points.gpkg")
    layer = f"{work / 'points.gpkg'}|layername=points"
    x, y, w = frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy(), frame["cases"].to_numpy()
    small = work / "warmup.gpkg"
    frame.iloc[:100].to_file(small, layer="points")
    for alg in ("qgis:heatmapkerneldensityestimation", HotspotDensity()):  # first-use imports out of the timing
        processing.run(alg, {"INPUT": f"{small}|layername=points", "RADIUS": radius, "PIXEL_SIZE": pixel * 10,
                             "OUTPUT": str(work / "warmup.tif")})
    print(f"{N_POINTS} points, radius {radius:.1f} m = {RADIUS_PIXELS} px, pixel {pixel:.2f} m")
    print(f"{'kernel':<13}{'qgis s':>9}{'ours s':>9}{'ratio':>8}{'core s':>9}{'max|diff|/peak':>16}  grid")
    for name in args.kernels.split(","):
        kernel = density.KERNELS.index(name)
        params = {"INPUT": layer, "RADIUS": radius, "PIXEL_SIZE": pixel, "WEIGHT_FIELD": "cases",
                  "KERNEL": kernel, "OUTPUT_VALUE": 0}
        theirs, t_qgis = timed(lambda: processing.run("qgis:heatmapkerneldensityestimation",
                                                      {**params, "OUTPUT": str(work / f"qgis_{name}.tif")}))
        ours, t_ours = timed(lambda: processing.run(HotspotDensity(), {**params, "OUTPUT": str(work / f"ours_{name}.tif")}))
        (core, grid), t_core = timed(lambda: density.kernel_density(x, y, w, radius, pixel, name))
        expected, got = read(theirs["OUTPUT"]), read(ours["OUTPUT"])
        diff = np.abs(got - expected).max() / expected.max() if got.shape == expected.shape else float("nan")
        print(f"{name:<13}{t_qgis:9.2f}{t_ours:9.2f}{t_qgis / t_ours:8.1f}{t_core:9.2f}{diff:16.2e}  "
              f"{grid.cols}x{grid.rows}", flush=True)


if __name__ == "__main__":
    main()
