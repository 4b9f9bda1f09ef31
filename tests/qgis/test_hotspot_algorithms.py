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


# ------------------------------------------------------ the bundled sample, defaults --

@pytest.fixture(scope="module")
def sample_points(qgis_processing, plugin, sample_export, tmp_path_factory):
    out = tmp_path_factory.mktemp("sample") / "routes.gpkg"
    overrides = sample_export.parent / "overrides.csv"
    run("routes:loadtrackerexport", {"INPUT": str(sample_export), "OVERRIDES": str(overrides), "OUTPUT": str(out)})
    return f"{out}|layername=route_points"


def kenya(crs):
    from qgis.core import QgsApplication

    world = gpd.read_file(QgsApplication.pkgDataPath() + "/resources/data/world_map.gpkg", layer="countries")
    return world[world["ISO_A3"] == "KEN"]


class Feedback:
    """Collects what an algorithm writes to the log."""

    def __new__(cls):
        from qgis.core import QgsProcessingFeedback

        class _Feedback(QgsProcessingFeedback):
            def __init__(self):
                super().__init__()
                self.lines = []

            def pushInfo(self, info):  # noqa: N802
                self.lines.append(info)

            def pushWarning(self, warning):  # noqa: N802
                self.lines.append(warning)

        return _Feedback()


def test_significance_on_the_sample_with_defaults_covers_kenya(sample_points, tmp_path):
    from qgis import processing
    from pyproj import CRS

    feedback = Feedback()
    out = processing.run("routes:hotspotsignificance", {"INPUT": sample_points, "OUTPUT": str(tmp_path / "gi.gpkg")},
                         feedback=feedback)
    cells = gpd.read_file(out["OUTPUT"])
    crs = CRS.from_user_input(cells.crs)
    lon0 = [p.value for p in crs.coordinate_operation.params if "longitude" in p.name.lower()][0]
    lat0 = [p.value for p in crs.coordinate_operation.params if "latitude" in p.name.lower()][0]
    home = kenya(cells.crs)
    assert home.geometry.iloc[0].contains(shapely.Point(lon0, lat0))  # the CRS is centred on Kenya
    inside = home.to_crs(cells.crs).geometry.iloc[0].buffer(1.0)
    assert cells.geometry.within(inside).all()  # every cell lies in Kenya
    assert 300 < len(cells) < 700
    assert (cells["gi_class"] == "not significant").mean() > 0.9
    assert not cells["gi_class"].str.startswith("cold").any()
    log = "\n".join(feedback.lines)
    assert "Study area: Kenya (the chapter regions of the KEN country pack" in log and "Neighbours per cell: 8 to" in log
    assert "lie outside Kenya and are not counted" in log and "Cold spots are off by default" in log
    assert out["SIGNIFICANT"] == int((cells["gi_class"] != "not significant").sum())


def test_significance_cold_spots_and_too_few(sample_points, tmp_path):
    from qgis.core import QgsProcessingException

    feedback = Feedback()
    from qgis import processing

    out = processing.run("routes:hotspotsignificance", {"INPUT": sample_points, "COLD_SPOTS": True,
                                                        "PERMUTATIONS": 999, "OUTPUT": str(tmp_path / "c.gpkg")},
                         feedback=feedback)
    assert "Caveat: Cold spots mean fewer reports than expected" in "\n".join(feedback.lines)
    layer = QgsVectorLayerFor(out["OUTPUT"])
    from trafficking_routes.processing.algorithms.hotspot_significance import significance_legend
    from trafficking_routes.routes_plugin.edge.styles import apply_style

    apply_style(layer, "hotspot_significance", significance_legend(True))
    labels = [c.label() for c in layer.renderer().categories()]
    assert "Hot spot, 99 % confidence" in labels and "Not significant" in labels
    assert any("fewer reports, not fewer victims" in label for label in labels)
    apply_style(layer, "hotspot_significance", significance_legend(False))
    assert [c.label() for c in layer.renderer().categories()] == [
        "Hot spot, 99 % confidence", "Hot spot, 95 % confidence", "Hot spot, 90 % confidence", "Not significant"]
    # a study area around Marsabit (17 stops): too few, said so; computed in its UTM zone
    area = tmp_path / "marsabit.gpkg"
    gpd.GeoDataFrame({"name": ["Marsabit"]}, geometry=[shapely.box(37.5, 1.9, 38.5, 2.8)], crs=4326).to_file(area)
    with pytest.raises(QgsProcessingException, match=r"Only \d+ point.*lie in marsabit.*too few for a hotspot test"):
        run("routes:hotspotsignificance", {"INPUT": sample_points, "STUDY_AREA": str(area),
                                          "OUTPUT": str(tmp_path / "few.gpkg")})


def QgsVectorLayerFor(path):  # noqa: N802
    from qgis.core import QgsVectorLayer

    return QgsVectorLayer(path, "gi", "ogr")


def test_density_on_the_sample_with_defaults_covers_kenya(sample_points, tmp_path):
    from qgis import processing
    from pyproj import CRS

    feedback = Feedback()
    out = processing.run("routes:hotspotdensity", {"INPUT": sample_points, "OUTPUT": str(tmp_path / "d.tif")},
                         feedback=feedback)
    arr, gt, wkt = read_raster(out["OUTPUT"])
    crs = CRS.from_wkt(wkt)
    assert crs.to_epsg() != 32642 and "centred on Kenya" in crs.name
    assert arr.shape[1] < 1200 and arr.shape[0] < 1300 and gt[1] == 1000.0  # not 9790 x 8071
    home = kenya(crs).to_crs(crs).geometry.iloc[0].buffer(5001)
    r, c = np.nonzero(arr)
    xs, ys = gt[0] + (c + 0.5) * gt[1], gt[3] + (r + 0.5) * gt[5]
    assert shapely.contains_xy(home, xs, ys).all()  # density only over Kenya
    assert "Study area: Kenya" in "\n".join(feedback.lines)
    from qgis.core import QgsLayerTree, QgsLayerTreeModel, QgsRasterLayer

    from trafficking_routes.processing.study_area import density_style
    from trafficking_routes.routes_plugin.edge.styles import apply_style

    layer = QgsRasterLayer(out["OUTPUT"], "density")
    apply_style(layer, "hotspot_density", density_style(arr.max()))
    root = QgsLayerTree()
    node = root.addLayer(layer)
    model = QgsLayerTreeModel(root)
    texts = [n.data(0) for n in model.layerLegendNodes(node)]
    shader = layer.renderer().shader().rasterShaderFunction()
    assert texts[0] == "relative density"
    assert (shader.legendSettings().minimumLabel(), shader.legendSettings().maximumLabel()) == ("low", "high")
    assert not any(ch.isdigit() for t in texts if t for ch in str(t))


def test_density_from_the_file_is_the_density_from_its_features(sample_points, points_gpkg, tmp_path):
    """The fast path (the file read through GDAL's Arrow interface as arrays) and the general
    one (a memory copy of the layer, read feature by feature into a GeoDataFrame) give the same
    GeoTIFF, pixel for pixel, and the same log: on the sample with defaults (Kenya, filtered by
    role and transport mode, weighted) and on local points with a missing weight, a feature
    without geometry and an empty point."""
    from qgis.core import QgsFeatureRequest, QgsProcessingContext, QgsVectorLayer

    from trafficking_routes.routes_plugin.edge.frames import point_columns

    path, _ = points_gpkg
    odd = tmp_path / "odd.gpkg"
    frame = gpd.read_file(path, layer="route_points")
    frame.loc[5, "geometry"] = None
    frame.loc[7, "geometry"] = shapely.Point()
    frame.to_file(odd, layer="route_points")
    cases = [
        (sample_points, {"ROLES": [0, 1], "CATEGORY_FIELD": "transport_modes", "CATEGORY_VALUE": "air",
                         "WEIGHT_FIELD": "cases_high", "KERNEL": 1}),
        (f"{odd}|layername=route_points", {"WEIGHT_FIELD": "cases_low", "RADIUS": 3000.0, "PIXEL_SIZE": 250.0,
                                           "KERNEL": 0, "OUTPUT_VALUE": 1}),
    ]
    for n, (source, params) in enumerate(cases):
        layer = QgsVectorLayer(source, "points", "ogr")
        alg = HotspotDensity()
        alg.initAlgorithm()
        assert point_columns(alg, {"INPUT": source}, "INPUT", QgsProcessingContext(), ["role"]) is not None  # the fast path applies
        copy = layer.materialize(QgsFeatureRequest())
        assert copy.providerType() == "memory" and copy.featureCount() == layer.featureCount()
        outputs, logs = [], []
        for i, given in enumerate((source, copy)):
            feedback = Feedback()
            out = processing_run(HotspotDensity(), {**params, "INPUT": given, "OUTPUT": str(tmp_path / f"{n}_{i}.tif")},
                                 feedback)
            outputs.append((read_raster(out["OUTPUT"]), out["CRS"]))
            logs.append([line for line in feedback.lines if "point" in line or "Grid" in line])
        ((fast, fast_gt, fast_wkt), fast_crs), ((slow, slow_gt, slow_wkt), slow_crs) = outputs
        assert fast.shape == slow.shape and fast_gt == slow_gt and fast_wkt == slow_wkt and fast_crs == slow_crs
        assert np.array_equal(fast, slow) and fast.max() > 0
        assert logs[0] == logs[1] and any("after filtering" in line for line in logs[0])
    assert any("have no cases_low" in line for line in logs[0])


def processing_run(alg, params, feedback):
    from qgis import processing

    return processing.run(alg, params, feedback=feedback)
