"""The PostGIS layers open in QGIS like the GeoPackage layers: the postgres
provider gives valid layers with the same fields and values (plus fid,
import_id, organisation), so the algorithms that take GeoPackage layers take
them too. Uses the project's own throwaway server (``scripts/postgis.sh``);
only ``ROUTES_SKIP_POSTGIS=1`` skips."""
from __future__ import annotations

import importlib.util
import os
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

REPO = Path(__file__).resolve().parents[2]
LAYERS = {"route_points": "fid", "route_legs": "fid", "route_lines": "fid", "places": "place_key"}
SORT = {"route_points": ("route_id", "seq"), "route_legs": ("route_id", "leg_seq"), "route_lines": ("route_id",),
        "places": ("place_key",)}


def _core_test_module():
    """The hand-made routes of tests/core/test_postgis.py (one source of test data)."""
    spec = importlib.util.spec_from_file_location("_postgis_core_tests", REPO / "tests" / "core" / "test_postgis.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """(URI, GeoPackage path): the same layers in a fresh test database and in a GeoPackage."""
    if os.environ.get("ROUTES_SKIP_POSTGIS") == "1":
        pytest.skip("ROUTES_SKIP_POSTGIS=1")
    from trafficking_routes.routes_plugin.core import store

    done = subprocess.run([str(REPO / "scripts" / "postgis.sh"), "testdb", "routes_test_qgis"], capture_output=True,
                          text=True, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"scripts/postgis.sh testdb failed:\n{done.stderr}")
    uri = done.stdout.strip().splitlines()[-1]
    core = _core_test_module()
    layers, report = core.layers_of([core.route(f"r{i:03d}") for i in range(60)])
    core.write(uri, layers, report)
    gpkg = store.write_geopackage(layers, tmp_path_factory.mktemp("gpkg") / "routes.gpkg")
    return uri, gpkg


def _features(layer, fields):
    rows = [tuple(f[name] for name in fields) + (f.geometry().asWkt(6),) for f in layer.getFeatures()]
    return sorted(rows, key=lambda r: tuple(str(v) for v in r))


@pytest.mark.parametrize("table", list(LAYERS))
def test_postgis_layer_matches_geopackage_layer(qgis_app, stored, table):
    from qgis.core import QgsDataSourceUri, QgsVectorLayer

    uri, gpkg = stored
    parts = urlsplit(uri)
    source = QgsDataSourceUri()
    source.setConnection(parts.hostname, str(parts.port), parts.path.lstrip("/"), parts.username, parts.password)
    source.setDataSource("routes", table, "geom", "", LAYERS[table])
    pg = QgsVectorLayer(source.uri(False), table, "postgres")
    assert pg.isValid(), pg.error().summary()
    gp = QgsVectorLayer(f"{gpkg}|layername={table}", table, "ogr")
    assert gp.isValid()
    assert pg.featureCount() == gp.featureCount() > 0
    assert pg.wkbType() == gp.wkbType()
    assert pg.crs().authid() == gp.crs().authid() == "EPSG:4326"
    names = [f.name() for f in gp.fields() if f.name() != "fid"]
    assert set(names) <= set(pg.fields().names())
    assert _features(pg, names) == _features(gp, names)


def test_loadtrackerexport_writes_to_postgis_and_reimport_is_idempotent(plugin, sample_export, tmp_path):
    """OUTPUT takes a postgresql:// URI: the same layers land in schema routes,
    importing the same export twice creates no duplicate routes."""
    if os.environ.get("ROUTES_SKIP_POSTGIS") == "1":
        pytest.skip("ROUTES_SKIP_POSTGIS=1")
    from qgis import processing
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback, QgsProject, QgsVectorLayer

    done = subprocess.run([str(REPO / "scripts" / "postgis.sh"), "testdb", "routes_test_loader"], capture_output=True,
                          text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    uri = done.stdout.strip().splitlines()[-1]
    overrides = REPO / "routes_plugin" / "data" / "sample" / "overrides.csv"
    counts = []
    for _ in range(2):
        context = QgsProcessingContext()
        context.setProject(QgsProject.instance())
        result = processing.run("routes:loadtrackerexport", {"INPUT": str(sample_export), "OVERRIDES": str(overrides),
                                                             "OUTPUT": uri}, context=context,
                                feedback=QgsProcessingFeedback())
        lines = QgsVectorLayer(result["ROUTE_LINES"], "route_lines", "postgres")
        assert lines.isValid(), result["ROUTE_LINES"]
        # a route reported by several organisations is one feature standing for ``reports`` rows (core/dedupe.py)
        counts.append((sum(int(f["reports"]) for f in lines.getFeatures()), result["ROWS_MAPPED"]))
        assert "password" not in str(result["OUTPUT"]) or "***" in str(result["OUTPUT"])
    assert counts[0] == counts[1] and counts[0][0] == counts[0][1] > 300
