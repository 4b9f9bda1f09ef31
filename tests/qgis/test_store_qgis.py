"""Issue 19 in a real QGIS: a user's project GeoPackage (a layer of 100k
polygons with a style QGIS saved, and the QGIS project stored in the file)
loaded into twice through routes:loadtrackerexport (processing.run) and the
core, also while QGIS layers on the file are open; algorithm outputs written
into the file as layers; chapter exports into a folder of the user's files."""
from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.qgis_app

_spec = importlib.util.spec_from_file_location(
    "store_support", Path(__file__).resolve().parents[1] / "core" / "test_store_support.py")
support = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(support)

SAMPLE, SAMPLE_SW = support.SAMPLE / "kenya_routes_synthetic.csv", support.SAMPLE / "kenya_routes_synthetic_sw.csv"
OVERRIDES = support.SAMPLE / "overrides.csv"
STYLED = ("route_points", "route_legs", "route_lines", "places")


@pytest.fixture(scope="module")
def user_template(tmp_path_factory, qgis_app):
    """my_countries (100k polygons) with a style saved by QGIS, and the project stored by QGIS in the file."""
    from qgis.core import QgsProject, QgsVectorLayer

    path = tmp_path_factory.mktemp("user") / "project.gpkg"  # the copies have the same name: the project refers to it relatively
    support.make_user_geopackage(path, project=False)
    project = QgsProject()
    layer = QgsVectorLayer(f"{path}|layername=my_countries", "My countries", "ogr")
    assert layer.isValid() and layer.featureCount() == support.USER_FEATURES
    layer.renderer().symbol().setColor(__import__("qgis.PyQt.QtGui", fromlist=["QColor"]).QColor("#123456"))
    layer.saveStyleToDatabase("my qgis style", "saved in QGIS", False, "")
    project.addMapLayer(layer)
    assert project.write(f"geopackage:{path}?projectName=p")
    del layer
    project.clear()
    return path


@pytest.fixture
def user_gpkg(user_template, tmp_path):
    folder = tmp_path / "project"
    folder.mkdir()
    return Path(shutil.copyfile(user_template, folder / "project.gpkg"))


def run_loader(output, export=SAMPLE):
    from qgis import processing

    return processing.run("routes:loadtrackerexport", {"INPUT": str(export), "OVERRIDES": str(OVERRIDES),
                                                       "OUTPUT": str(output)})


def stored_project_is_whole(path) -> None:
    from qgis.core import QgsProject

    project = QgsProject()
    assert project.read(f"geopackage:{path}?projectName=p")
    (layer,) = project.mapLayersByName("My countries")
    assert layer.isValid() and layer.featureCount() == support.USER_FEATURES
    project.clear()


def styles(path) -> list[tuple]:
    import sqlite3

    with sqlite3.connect(path) as con:
        return sorted(con.execute("SELECT f_table_name, styleName FROM layer_styles"))


def test_processing_loads_twice_into_the_users_geopackage(plugin, user_gpkg):
    stored_project_is_whole(user_gpkg)
    before = support.everything_else(user_gpkg, styles_written=True)
    assert "qgis_projects" in before
    for export in (SAMPLE, SAMPLE_SW):
        result = run_loader(user_gpkg, export)
        assert support.everything_else(user_gpkg, styles_written=True) == before
        assert support.layer_names(user_gpkg) == sorted({"my_countries", "my_notes", "layer_styles",
                                                         *support.PLUGIN_LAYERS})
        stored_project_is_whole(user_gpkg)
        # the user's two styles, and the plugin's default style once per styled layer
        assert styles(user_gpkg) == sorted([("my_countries", "my qgis style"), ("my_countries", "my style"),
                                            *((name, name) for name in STYLED)])
        support.check_geopackage(user_gpkg)
        import pyogrio

        # a route reported by several organisations is one feature standing for ``reports`` rows (core/dedupe.py)
        lines = pyogrio.read_dataframe(user_gpkg, layer="route_lines", read_geometry=False)
        assert int(lines["reports"].sum()) == result["ROWS_MAPPED"] and len(lines) <= result["ROWS_MAPPED"]
    assert sorted(p.name for p in user_gpkg.parent.iterdir()) == ["project.gpkg"]


def test_loading_again_while_qgis_layers_of_the_file_are_open(plugin, user_gpkg):
    from qgis.core import QgsProject, QgsVectorLayer

    from trafficking_routes.routes_plugin.core.loader import load_export

    first = load_export(SAMPLE, output=user_gpkg, overrides=OVERRIDES)
    project = QgsProject.instance()
    points = QgsVectorLayer(f"{user_gpkg}|layername=route_points", "route_points", "ogr")
    mine = QgsVectorLayer(f"{user_gpkg}|layername=my_countries", "mine", "ogr")
    project.addMapLayers([points, mine])
    assert points.featureCount() == first.report["route_points"]
    reading = points.getFeatures()  # a read in progress
    next(reading)
    # the core: the write succeeds, the open layer shows the new data once reloaded
    second = load_export(SAMPLE_SW, output=user_gpkg, overrides=OVERRIDES)
    assert second.report["route_points"] != first.report["route_points"]
    points.reload()
    assert points.isValid() and points.featureCount() == second.report["route_points"]
    assert len(list(points.getFeatures())) == second.report["route_points"]
    # processing.run: the algorithm reloads the project's layers of the file itself
    run_loader(user_gpkg, SAMPLE)
    assert points.featureCount() == first.report["route_points"]
    assert {f["input_name"] for f in points.getFeatures()} >= {"Busia"}
    assert mine.isValid() and mine.featureCount() == support.USER_FEATURES
    stored_project_is_whole(user_gpkg)
    support.check_geopackage(user_gpkg)


def test_plugin_layer_in_edit_mode_is_refused(plugin, user_gpkg):
    from qgis.core import QgsProcessingException, QgsProject, QgsVectorLayer

    run_loader(user_gpkg)
    layer = QgsVectorLayer(f"{user_gpkg}|layername=route_lines", "route_lines", "ogr")
    QgsProject.instance().addMapLayer(layer)
    assert layer.startEditing()
    before = support.digest(user_gpkg)
    with pytest.raises(QgsProcessingException, match="route_lines of this file are in edit mode.*nothing was written"):
        run_loader(user_gpkg, SAMPLE_SW)
    assert support.digest(user_gpkg) == before
    layer.rollBack()
    run_loader(user_gpkg, SAMPLE_SW)  # once editing stops it goes through


def test_algorithm_outputs_written_as_layers_of_the_users_geopackage(plugin, user_gpkg):
    """QGIS's 'Save to GeoPackage' destination (ogr:dbname=... table=...) adds or
    replaces that one layer: our algorithms' sinks keep the rest of the file."""
    from qgis import processing

    run_loader(user_gpkg)
    before = support.everything_else(user_gpkg, styles_written=True)
    legs = f"{user_gpkg}|layername=route_legs"

    def dest(table):
        return f"ogr:dbname='{user_gpkg}' table=\"{table}\" (geom)"

    for _ in range(2):
        processing.run("routes:flowaggregation", {"INPUT": legs, "MODE": 1, "LEVEL": 0, "SUPPRESS_BELOW": 0,
                                                  "OUTPUT": dest("flows"), "NODES": dest("flow_nodes")})
        processing.run("routes:bordercrossings", {"INPUT": legs, "SUPPRESS_BELOW": 0, "OUTPUT": dest("crossings")})
        after = support.everything_else(user_gpkg, styles_written=True)
        for key, value in before.items():
            if key == "schema":
                assert set(value) <= set(after["schema"])
            elif key not in ("gpkg_contents", "gpkg_geometry_columns", "gpkg_ogr_contents", "gpkg_extensions",
                             "sqlite_sequence", "sequence"):  # these gain the new layers' rows
                assert after[key] == value, key
        names = support.layer_names(user_gpkg)
        assert {"my_countries", "my_notes", "flows", "flow_nodes", "crossings", *support.PLUGIN_LAYERS} <= set(names)
        stored_project_is_whole(user_gpkg)
    import pyogrio

    assert pyogrio.read_info(user_gpkg, layer="my_countries")["features"] == support.USER_FEATURES
    support.check_geopackage(user_gpkg)


def test_chapter_exports_touch_only_their_own_files(plugin, user_gpkg, tmp_path):
    from qgis import processing

    run_loader(user_gpkg)
    folder = tmp_path / "report"
    folder.mkdir()
    (folder / "my_notes.docx").write_bytes(b"the analyst's own draft")
    (folder / "chapter_coast_en.pdf").write_bytes(b"%PDF an older chapter")
    (folder / ".chapter_coast_en.pdf.bak").write_bytes(b"their backup")
    mine = {p.name: p.read_bytes() for p in folder.iterdir() if p.name != "chapter_coast_en.pdf"}
    res = processing.run("routes:chaptermaps", {"ROUTE_POINTS": f"{user_gpkg}|layername=route_points",
                                                "REGION_NAMES": "Coast", "DPI": 60, "FORMAT": 2,
                                                "OUTPUT_FOLDER": str(folder)})
    assert res["CHAPTERS"] == 1
    names = {p.name for p in folder.iterdir()}
    # its own files: the chapter and the run's disclosure log (what was withheld), nothing else touched
    assert names == set(mine) | {"chapter_coast_en.pdf", "chapter_coast_en.png", "disclosure_log_en.json"}
    assert all((folder / n).read_bytes() == b for n, b in mine.items())
    assert (folder / "chapter_coast_en.pdf").read_bytes().startswith(b"%PDF-")
    assert support.temporaries(folder) == []
