"""routes:hotspotdensity against QGIS's own heatmap pixel by pixel, and
routes:hotspotsignificance end to end, in real QGIS."""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from trafficking_routes.processing.algorithms.hotspot_density import HotspotDensity
from trafficking_routes.processing.algorithms.hotspot_significance import HotspotSignificance

pytestmark = pytest.mark.qgis_app


def run(alg, params):
    from qgis import processing

    return processing.run(alg, params)


def read_raster(path):
    from osgeo import gdal

    ds = gdal.Open(str(path))
    band = ds.GetRasterBand(1)
    arr = band.ReadAsArray().astype(float)
    nodata = band.GetNoDataValue()
    if nodata is not None:
        arr[arr == nodata] = 0.0  # QGIS's untouched pixels (-9999) and our zeros count as 0
    return arr, ds.GetGeoTransform(), ds.GetProjection()


@pytest.fixture(scope="module")
def points_gpkg(tmp_path_factory):
    """A few hundred weighted route stops around Nairobi, in UTM 37S and in degrees."""
    rng = np.random.default_rng(5)
    n = 300
    x = np.concatenate([rng.normal(257000, 4000, 200), rng.uniform(230000, 290000, n - 200)])
    y = np.concatenate([rng.normal(9857000, 3000, 200), rng.uniform(9830000, 9880000, n - 200)])
    frame = gpd.GeoDataFrame({"role": rng.choice(["origin", "transit", "destination"], n),
                              "transport_modes": rng.choice(["bus", "bus; air", "air"], n),
                              "cases_low": rng.integers(1, 12, n).astype(float)},
                             geometry=shapely.points(x, y), crs="EPSG:32737")
    frame.loc[3, "cases_low"] = np.nan
    path = tmp_path_factory.mktemp("hotspots") / "points.gpkg"
    frame.to_file(path, layer="route_points")
    frame.to_crs(4326).to_file(path, layer="route_points_4326")
    return str(path), frame


@pytest.mark.parametrize("kernel", range(5))
@pytest.mark.parametrize("output_value", [0, 1])
def test_density_matches_qgis_heatmap(qgis_processing, points_gpkg, tmp_path, kernel, output_value):
    path, _ = points_gpkg
    params = {"INPUT": f"{path}|layername=route_points", "RADIUS": 3000.0, "PIXEL_SIZE": 250.0,
              "WEIGHT_FIELD": "cases_low", "KERNEL": kernel, "OUTPUT_VALUE": output_value}
    theirs = run("qgis:heatmapkerneldensityestimation", {**params, "OUTPUT": str(tmp_path / "qgis.tif")})
    ours = run(HotspotDensity(), {**params, "OUTPUT": str(tmp_path / "ours.tif")})
    expected, t_gt, _ = read_raster(theirs["OUTPUT"])
    got, o_gt, _ = read_raster(ours["OUTPUT"])
    assert got.shape == expected.shape
    assert np.allclose(o_gt, t_gt)
    assert np.abs(got - expected).max() <= 1e-3 * expected.max()


def test_density_filters_pixels_radius_and_geographic_input(qgis_processing, points_gpkg, tmp_path):
    from qgis.core import QgsProcessingException

    path, frame = points_gpkg
    base = {"RADIUS": 12.0, "RADIUS_UNIT": 1, "PIXEL_SIZE": 250.0, "KERNEL": 2}
    out = run(HotspotDensity(), {**base, "INPUT": f"{path}|layername=route_points_4326", "ROLES": [0],
                                 "CATEGORY_FIELD": "transport_modes", "CATEGORY_VALUE": "air",
                                 "OUTPUT": str(tmp_path / "air.tif")})
    assert out["CRS"] == "EPSG:32737"  # the UTM zone of Nairobi, chosen automatically
    got, gt, _ = read_raster(out["OUTPUT"])
    kept = frame[(frame["role"] == "origin") & frame["transport_modes"].str.contains("air")]
    # raw uniform with unit weights: the peak is the most points within 3000 m of one pixel centre
    cx = gt[0] + (np.arange(got.shape[1]) + 0.5) * gt[1]
    cy = gt[3] + (np.arange(got.shape[0]) + 0.5) * gt[5]
    r, c = np.unravel_index(got.argmax(), got.shape)
    projected = kept.to_crs(4326).to_crs(32737)
    assert got.max() == np.sum(np.hypot(projected.geometry.x - cx[c], projected.geometry.y - cy[r]) <= 3000.0)
    with pytest.raises(QgsProcessingException, match="geographic"):
        run(HotspotDensity(), {**base, "INPUT": f"{path}|layername=route_points", "TARGET_CRS": "EPSG:4326",
                               "OUTPUT": str(tmp_path / "x.tif")})
    with pytest.raises(QgsProcessingException, match="smaller than one pixel"):
        run(HotspotDensity(), {"INPUT": f"{path}|layername=route_points", "RADIUS": 100.0, "PIXEL_SIZE": 250.0,
                               "OUTPUT": str(tmp_path / "y.tif")})
    with pytest.raises(QgsProcessingException, match="No points"):
        run(HotspotDensity(), {**base, "INPUT": f"{path}|layername=route_points", "CATEGORY_FIELD": "transport_modes",
                               "CATEGORY_VALUE": "boat", "OUTPUT": str(tmp_path / "z.tif")})


def test_significance_hexagons(qgis_processing, points_gpkg, tmp_path):
    path, frame = points_gpkg
    out = run(HotspotSignificance(), {"INPUT": f"{path}|layername=route_points", "WEIGHT_FIELD": "cases_low",
                                      "CELL_SIZE": 5000.0, "SEED": 3,
                                      "OUTPUT": str(tmp_path / "gi.gpkg")})
    cells = gpd.read_file(out["OUTPUT"])
    assert {"count", "weight", "gi_z", "p_value", "p_adjusted", "gi_class"} <= set(cells.columns)
    published = cells["count"].dropna()
    assert ((published == 0) | (published >= 5)).all() and cells["count"].isna().any()
    assert (cells["count"].isna() == cells["weight"].isna()).all()
    assert (cells["p_adjusted"] >= cells["p_value"] - 1e-12).all()
    # the dense cluster around (257000, 9857000) is a hot spot
    centre = cells[cells.contains(shapely.Point(257000, 9857000))].iloc[0]
    assert centre["gi_class"].startswith("hot")
    assert out["SIGNIFICANT"] == int((cells["gi_class"] != "not significant").sum())


def test_significance_zones_and_degrees(qgis_processing, points_gpkg, tmp_path):
    path, frame = points_gpkg
    x0, y0, x1, y1 = frame.total_bounds
    xs, ys = np.linspace(x0 - 1, x1 + 1, 5), np.linspace(y0 - 1, y1 + 1, 5)
    zones = gpd.GeoDataFrame({"name": [f"z{i}{j}" for j in range(4) for i in range(4)]},
                             geometry=[shapely.box(xs[i], ys[j], xs[i + 1], ys[j + 1])
                                       for j in range(4) for i in range(4)], crs=32737).to_crs(4326)
    zpath = tmp_path / "zones.gpkg"
    zones.to_file(zpath)
    out = run(HotspotSignificance(), {"INPUT": f"{path}|layername=route_points_4326", "ZONES": str(zpath),
                                      "NEIGHBOURS": 1, "K": 4, "PERMUTATIONS": 0, "SUPPRESS_BELOW": 0,
                                      "OUTPUT": str(tmp_path / "gi_zones.gpkg")})
    cells = gpd.read_file(out["OUTPUT"])
    assert sorted(cells["name"]) == sorted(zones["name"])
    assert cells["count"].sum() == len(frame)
