"""routes:comparerounds in real QGIS on two synthetic rounds loaded by the real
loader into GeoPackages: route_lines in (route_points found beside them),
styled outputs rendered to PNG."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest

from trafficking_routes.processing.algorithms.compare_rounds import CompareRounds
from trafficking_routes.routes_plugin.core.loader import load_export

pytestmark = pytest.mark.qgis_app
RENDER_DIR = Path(__file__).resolve().parents[2] / "build" / "renders"


@pytest.fixture(scope="module")
def spec(test_data):
    s = importlib.util.spec_from_file_location("make_rounds", test_data / "rounds" / "make_rounds.py")
    mod = importlib.util.module_from_spec(s)
    s.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def rounds(tmp_path_factory, test_data):
    out = {}
    for year in (2019, 2020):
        path = tmp_path_factory.mktemp("rounds") / f"round_{year}.gpkg"
        load_export(test_data / "rounds" / f"round_{year}.csv", output=str(path))
        out[year] = path
    return out


class Log:
    """A feedback that keeps what the algorithm tells the user."""

    def __new__(cls):
        from qgis.core import QgsProcessingFeedback

        class _Log(QgsProcessingFeedback):
            def __init__(self):
                super().__init__()
                self.lines = []

            def pushInfo(self, info):
                self.lines.append(info)
                super().pushInfo(info)

            def pushWarning(self, warning):
                self.lines.append(warning)
                super().pushWarning(warning)

        return _Log()


def run(params, feedback=None):
    from qgis import processing

    return processing.run(CompareRounds(), params, feedback=feedback)


def lines_of(path):
    return f"{path}|layername=route_lines"


def test_country_level_new_destinations(qgis_processing, rounds, spec, tmp_path):
    log = Log()
    out = run({"BEFORE": lines_of(rounds[2019]), "AFTER": lines_of(rounds[2020]), "LEVEL": 3, "SUPPRESS_BELOW": 0,
               "OUTPUT": str(tmp_path / "p.gpkg"), "OUTPUT_CORRIDORS": str(tmp_path / "c.gpkg")}, log)
    places = gpd.read_file(out["OUTPUT"])
    assert set(places["role"]) == {"origin", "transit", "destination", "exploitation"}  # roles from route_points
    dest = places[places["role"] == "destination"].set_index("country")
    assert sorted(dest.index[dest["change"] == "new"]) == sorted(spec.EXPECTED["new_destination_countries"])
    assert not (dest.loc[spec.EXPECTED["common_destination_countries"], "change"] == "new").any()
    assert dest.loc["SAU", "change"] == "up" and dest.loc["LBN", "change"] == "down"
    assert any("route_points beside the route_lines" in line for line in log.lines)
    assert any("Suppression is off" in line for line in log.lines)
    assert places.crs.to_epsg() == 4326 and places.geometry.notna().all()
    corridors = gpd.read_file(out["OUTPUT_CORRIDORS"])
    assert len(corridors) and set(corridors.geom_type) == {"LineString"}
    assert out["NEW"] == int((places["change"] == "new").sum())
    assert out["SUMMARY_EN"].startswith("What changed since before")
    assert out["SUMMARY_SW"].startswith("Kilichobadilika tangu before")


def test_place_level_new_origin_towns(qgis_processing, rounds, spec, tmp_path):
    out = run({"BEFORE": lines_of(rounds[2019]), "AFTER": lines_of(rounds[2020]), "LEVEL": 0, "SUPPRESS_BELOW": 5,
               "OUTPUT": str(tmp_path / "p.gpkg"), "OUTPUT_CORRIDORS": str(tmp_path / "c.gpkg")})
    places = gpd.read_file(out["OUTPUT"])
    new = places[(places["role"] == "origin") & (places["change"] == "new")]
    assert set(spec.EXPECTED["new_origin_towns"]) <= set(new["reported_as"])
    assert "Somaliland" not in set(new["name"])  # 3 routes: counted, not named


def test_suppression_is_logged_and_holds(qgis_processing, rounds, spec, tmp_path):
    log = Log()
    out = run({"BEFORE": f"{rounds[2019]}|layername=route_points", "AFTER": f"{rounds[2020]}|layername=route_points",
               "LEVEL": 3, "SUPPRESS_BELOW": 5, "OUTPUT": str(tmp_path / "p.gpkg")}, log)
    assert "OUTPUT_CORRIDORS" not in out or not out["OUTPUT_CORRIDORS"]
    places = pyogrio.read_dataframe(out["OUTPUT"], read_geometry=False)
    for c in ("routes_before", "routes_after", "cases_low_before", "cases_low_after"):
        v = places[c].dropna()
        assert ((v == 0) | (v >= 5)).all(), c
    assert not {"GRC", "RWA", "BHR"} & set(places["country"])
    assert any(line.startswith("Withheld by the small-count rule") for line in log.lines)
    assert "2 new destination countries with fewer than 5 routes each are not named." in log.lines
    som = places[places["name"] == "Somaliland"]
    assert len(som) == 1 and som["country"].iat[0] == "SOM" and som["change"].iat[0] == "new"


def test_bad_input_is_a_clear_error(qgis_processing, rounds, tmp_path):
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException, match="route_points .* or route_lines"):
        run({"BEFORE": f"{rounds[2019]}|layername=route_legs", "AFTER": lines_of(rounds[2020]), "LEVEL": 3,
             "OUTPUT": str(tmp_path / "p.gpkg")})


def test_registered_with_help(plugin):
    from qgis.core import QgsApplication

    alg = QgsApplication.processingRegistry().algorithmById("routes:comparerounds")
    assert alg is not None
    for p in alg.parameterDefinitions():
        assert p.help(), p.name()
    assert [p.name() for p in alg.parameterDefinitions()][:3] == ["BEFORE", "AFTER", "LEVEL"]


def test_styles_render(qgis_processing, rounds, tmp_path):
    """The shipped styles: five categories with their legend labels; rendered to PNG."""
    from qgis.core import (QgsMapRendererParallelJob, QgsMapSettings, QgsProject, QgsRectangle,
                           QgsVectorLayer)
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor

    from trafficking_routes.routes_plugin.edge.styles import apply_style

    out = run({"BEFORE": lines_of(rounds[2019]), "AFTER": lines_of(rounds[2020]), "LEVEL": 3, "SUPPRESS_BELOW": 5,
               "OUTPUT": str(tmp_path / "p.gpkg"), "OUTPUT_CORRIDORS": str(tmp_path / "c.gpkg")})
    pts = QgsVectorLayer(out["OUTPUT"], "Change since the last round", "ogr")
    pts.setSubsetString("\"role\" IN ('origin', 'destination')")
    arrows = QgsVectorLayer(out["OUTPUT_CORRIDORS"], "Corridors", "ogr")
    apply_style(pts, "round_changes")
    apply_style(arrows, "round_corridors")
    for layer in (pts, arrows):
        cats = {c.value(): c.label() for c in layer.renderer().categories()}
        assert set(cats) == {"new", "gone", "up", "down", "same"}
    assert pts.renderer().categories()[0].label() == "New in this round"
    from qgis.core import QgsApplication

    world = QgsVectorLayer(f"{QgsApplication.pkgDataPath()}/resources/data/world_map.gpkg|layername=countries",
                           "Countries", "ogr")
    world.renderer().symbol().setColor(QColor("#f2efe9"))
    world.renderer().symbol().symbolLayer(0).setStrokeColor(QColor("#b0b0b0"))
    QgsProject.instance().addMapLayers([world, arrows, pts])
    settings = QgsMapSettings()
    settings.setLayers([pts, arrows, world])
    settings.setDestinationCrs(pts.crs())
    settings.setExtent(QgsRectangle(-5, -35, 110, 65))
    settings.setOutputSize(QSize(1400, 900))
    settings.setBackgroundColor(QColor("#cfe3f0"))
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    RENDER_DIR.mkdir(parents=True, exist_ok=True)
    png = RENDER_DIR / "round_changes_country.png"
    assert image.save(str(png), "PNG")
    # the "new" red and the "down" blue are on the map
    colours = {image.pixelColor(x, y).name() for x in range(0, 1400, 2) for y in range(0, 900, 2)}
    assert "#d7301f" in colours and "#4575b4" in colours


def test_two_imports_of_the_postgis_store(qgis_processing, rounds, test_data, tmp_path):
    """Both rounds imported into one PostGIS store; route_lines filtered by import_id
    compare exactly as the two GeoPackages do (route_points found in the same schema)."""
    import os
    import subprocess
    from urllib.parse import urlsplit

    if os.environ.get("ROUTES_SKIP_POSTGIS") == "1":
        pytest.skip("ROUTES_SKIP_POSTGIS=1")
    from qgis.core import QgsDataSourceUri, QgsVectorLayer

    repo = Path(__file__).resolve().parents[2]
    done = subprocess.run([str(repo / "scripts" / "postgis.sh"), "testdb", "routes_test_rounds"], capture_output=True,
                          text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    uri = done.stdout.strip().splitlines()[-1]
    for year in (2019, 2020):
        load_export(test_data / "rounds" / f"round_{year}.csv", output=uri)
    parts = urlsplit(uri)

    def layer(import_id):
        source = QgsDataSourceUri()
        source.setConnection(parts.hostname, str(parts.port), parts.path.lstrip("/"), parts.username, parts.password)
        source.setDataSource("routes", "route_lines", "geom", f'"import_id" = {import_id}', "fid")
        lyr = QgsVectorLayer(source.uri(False), f"route_lines {import_id}", "postgres")
        assert lyr.isValid() and lyr.featureCount() > 0
        return lyr

    log = Log()
    before, after = layer(1), layer(2)
    pg = run({"BEFORE": before, "AFTER": after, "LEVEL": 3, "SUPPRESS_BELOW": 5,
              "OUTPUT": str(tmp_path / "pg.gpkg")}, log)
    assert any("route_points beside the route_lines" in line for line in log.lines)
    gp = run({"BEFORE": lines_of(rounds[2019]), "AFTER": lines_of(rounds[2020]), "LEVEL": 3, "SUPPRESS_BELOW": 5,
              "OUTPUT": str(tmp_path / "gp.gpkg")})
    cols = ["unit_id", "role", "routes_before", "routes_after", "cases_low_before", "cases_low_after", "change"]
    a = pyogrio.read_dataframe(pg["OUTPUT"], read_geometry=False)[cols].sort_values(["unit_id", "role"])
    b = pyogrio.read_dataframe(gp["OUTPUT"], read_geometry=False)[cols].sort_values(["unit_id", "role"])
    assert a.reset_index(drop=True).equals(b.reset_index(drop=True))
    assert set(a["role"]) == {"origin", "transit", "destination", "exploitation"}
