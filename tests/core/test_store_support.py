"""Shared by the store tests (core and QGIS): a user's GeoPackage and what
"everything else in it" means. No tests here.

Imported by file path (``support = load(...)`` in each test file) so the QGIS
tests can use it too.
"""
from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "routes_plugin" / "data" / "sample"
PLUGIN_LAYERS = ("route_points", "route_legs", "route_lines", "places", "rejected_rows")
USER_FEATURES = 100_000
#: what the QGIS layer_styles table looks like (QgsOgrProvider creates it so)
LAYER_STYLES = ("CREATE TABLE layer_styles (id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT, "
                "f_table_schema TEXT, f_table_name TEXT, f_geometry_column TEXT, styleName TEXT, styleQML TEXT, "
                "styleSLD TEXT, useAsDefault BOOLEAN, description TEXT, owner TEXT, ui TEXT, "
                "update_time DATETIME DEFAULT CURRENT_TIMESTAMP, type TEXT)")


def user_layer(n: int = USER_FEATURES) -> gpd.GeoDataFrame:
    """``n`` small polygons over East Africa: the user's own layer."""
    rng = np.random.default_rng(19)
    polys = shapely.buffer(shapely.points(rng.uniform(33, 42, n), rng.uniform(-5, 5, n)), 0.01, quad_segs=2)
    return gpd.GeoDataFrame({"name": [f"unit {i}" for i in range(n)], "value": rng.integers(0, 1000, n)},
                            geometry=polys, crs=4326)


def make_user_geopackage(path: Path, n: int = USER_FEATURES, project: bool = True) -> Path:
    """A user's project GeoPackage: layer ``my_countries`` (``n`` polygons, with
    GDAL layer metadata), a non-spatial table ``my_notes``, a user style in
    ``layer_styles`` and (``project``) a QGIS project row in ``qgis_projects``
    (the table QGIS writes for ``geopackage:/path.gpkg?projectName=p``)."""
    pyogrio.write_dataframe(user_layer(n), path, layer="my_countries", driver="GPKG",
                            layer_metadata={"owner": "the analyst"})
    import pandas as pd

    pyogrio.write_dataframe(pd.DataFrame({"note": ["keep me", "and me"]}), path, layer="my_notes", driver="GPKG")
    with sqlite3.connect(path) as con:
        con.execute(LAYER_STYLES)
        con.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier) VALUES ('layer_styles', "
                    "'attributes', 'layer_styles')")
        con.execute("INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, "
                    "styleName, styleQML, useAsDefault, description) VALUES ('', '', 'my_countries', 'geom', "
                    "'my style', '<qgis/>', 1, 'made by the user')")
        if project:
            con.execute("CREATE TABLE qgis_projects (name TEXT PRIMARY KEY, metadata BLOB, content BLOB)")
            con.execute("INSERT INTO qgis_projects VALUES ('p', '{\"last_modified_time\": \"2026-01-01\"}', ?)",
                        (b"PK fake zipped project " + os.urandom(2000),))
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _is_plugin(name: str) -> bool:
    low = name.lower()
    return any(low == p or low.startswith(f"rtree_{p}_") or low.startswith(f"trigger_insert_feature_count_{p}")
               or low.startswith(f"trigger_delete_feature_count_{p}") for p in PLUGIN_LAYERS)


def everything_else(path: Path, styles_written: bool = False) -> dict:
    """Every schema object and every row of ``path`` that is not about the
    plugin's layers: what must survive any write of them. ``styles_written``:
    QGIS saved the plugin's default styles (rows of layer_styles for the plugin's
    layers), which also moves layer_styles' last_change and id sequence."""
    out = {}
    skip = PLUGIN_LAYERS + (("layer_styles",) if styles_written else ())
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
        objects = con.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name").fetchall()
        out["schema"] = [o for o in objects if not _is_plugin(o[2]) and not _is_plugin(o[1])]
        for kind, name, _tbl, sql in out["schema"]:
            if kind != "table" or name.startswith("sqlite_") or "VIRTUAL" in (sql or ""):
                continue
            cols = [r[1] for r in con.execute(f'PRAGMA table_info("{name}")')]
            where = ""
            for col in ("table_name", "f_table_name", "name"):
                if col in cols and name.startswith(("gpkg_", "sqlite_")):
                    where = f" WHERE lower({col}) NOT IN ({', '.join(repr(p) for p in skip)})"
                elif col in cols and name == "layer_styles":
                    where = f" WHERE lower({col}) NOT IN ({', '.join(repr(p) for p in PLUGIN_LAYERS)})"
            if name == "gpkg_metadata":  # rows referenced by the plugin's layers are theirs
                where = (" WHERE id NOT IN (SELECT md_file_id FROM gpkg_metadata_reference WHERE lower(table_name) "
                         f"IN ({', '.join(repr(p) for p in PLUGIN_LAYERS)}))")
            rows = con.execute(f'SELECT * FROM "{name}"{where} ORDER BY 1').fetchall()
            out[name] = hashlib.sha256(repr(rows).encode()).hexdigest() + f" ({len(rows)} rows)"
        out["sequence"] = [r for r in con.execute("SELECT * FROM sqlite_sequence ORDER BY name")
                           if r[0].lower() not in skip]
    return out


def layer_names(path: Path) -> list[str]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
        return sorted(r[0] for r in con.execute("SELECT table_name FROM gpkg_contents"))


def check_geopackage(path: Path) -> None:
    """SQLite's and the R-trees' own checks, and GDAL's GeoPackage validator."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        for (rtree,) in con.execute("SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL TABLE%rtree%'"):
            assert con.execute("SELECT rtreecheck(?)", (rtree,)).fetchone() == ("ok",), rtree
            table = rtree[len("rtree_"):].rsplit("_", 1)[0]
            n_tree = con.execute(f'SELECT count(*) FROM "{rtree}"').fetchone()[0]
            n_rows = con.execute(f'SELECT count(*) FROM "{table}" WHERE geom IS NOT NULL').fetchone()[0]
            assert n_tree == n_rows, rtree
        for table, count in con.execute("SELECT table_name, feature_count FROM gpkg_ogr_contents").fetchall():
            assert count is None or con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] == count, (table, count)
        if con.execute("SELECT 1 FROM sqlite_master WHERE name = 'gpkg_metadata'").fetchone():
            orphans = con.execute("SELECT count(*) FROM gpkg_metadata WHERE id NOT IN (SELECT md_file_id FROM "
                                  "gpkg_metadata_reference)").fetchone()[0]
            assert orphans == 0
    try:
        from osgeo_utils.samples.validate_gpkg import check
    except ImportError:  # GDAL's Python samples not installed
        return
    assert check(str(path), abort_at_first_error=False, warning_msg=False) == []


def temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in Path(folder).iterdir() if ".routes-" in p.name or ".part-" in p.name)


