"""Issue 17: the fast load writes the same layers as the path it replaced
(``reference_load.py``, the old code kept for this test only): same
features in the same order, same attributes and types, same geometries, on
the bundled sample and on a generated 20k-row export (messy cells, several
chunks, duplicates across organisations and across chunks)."""
from __future__ import annotations

import importlib.util
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from trafficking_routes.routes_plugin.core.loader import load_export

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "routes_plugin" / "data" / "sample" / "kenya_routes_synthetic.csv"
OVERRIDES = REPO / "routes_plugin" / "data" / "sample" / "overrides.csv"
LAYERS = ("route_points", "route_legs", "route_lines", "places", "rejected_rows")

_spec = importlib.util.spec_from_file_location("reference_load", Path(__file__).with_name("reference_load.py"))
reference = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(reference)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("equivalence") / "export_20000.csv"
    subprocess.run([sys.executable, str(REPO / "scripts" / "generate_export.py"), "--rows", "20000", "--out",
                    str(path), "--seed", "17", "--messy-share", "0.03"], check=True, capture_output=True)
    return path


def _same_frame(new: pd.DataFrame, old: pd.DataFrame, what: str) -> None:
    assert list(new.columns) == list(old.columns), what
    assert len(new) == len(old), what
    geom = [c for c in new.columns if c == "geometry"]
    for c in geom:
        a, b = np.asarray(new[c], dtype=object), np.asarray(old[c], dtype=object)
        assert (pd.isna(a) == pd.isna(b)).all(), f"{what}.{c}: missing geometries differ"
        has = ~pd.isna(a)
        assert (shapely.to_wkb(a[has]) == shapely.to_wkb(b[has])).all(), f"{what}.{c}: geometries differ"
    rest = [c for c in new.columns if c not in geom]
    pd.testing.assert_frame_equal(pd.DataFrame(new[rest]).reset_index(drop=True),
                                  pd.DataFrame(old[rest]).reset_index(drop=True), obj=what)


def _schema(path: Path, layer: str):
    info = pyogrio.read_info(path, layer=layer)
    with sqlite3.connect(path) as con:
        contents = con.execute("SELECT data_type, min_x, min_y, max_x, max_y, srs_id, description FROM "
                               "gpkg_contents WHERE table_name = ?", (layer,)).fetchone()
        columns = con.execute(f'PRAGMA table_info("{layer}")').fetchall()
        count = con.execute("SELECT feature_count FROM gpkg_ogr_contents WHERE table_name = ?", (layer,)).fetchone()
        triggers = sorted(con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?",
                                      (layer,)).fetchall())
        extensions = con.execute("SELECT column_name, extension_name, definition, scope FROM gpkg_extensions "
                                 "WHERE table_name = ? ORDER BY 1, 2", (layer,)).fetchall()
        rtree, blobs = None, None
        if info["geometry_type"]:  # the index holds the same boxes; the blobs are GDAL's, byte for byte
            rtree = con.execute(f'SELECT id, minx, maxx, miny, maxy FROM "rtree_{layer}_geom" ORDER BY id').fetchall()
            assert con.execute(f"SELECT rtreecheck('rtree_{layer}_geom')").fetchone()[0] == "ok"
            blobs = con.execute(f'SELECT fid, geom FROM "{layer}" ORDER BY fid').fetchall()
    return (list(info["fields"]), list(info["dtypes"]), info["geometry_type"], info["crs"], info["features"],
            contents, columns, count, triggers, extensions, rtree, blobs)


def _compare_files(new: Path, old: Path) -> None:
    assert [n for n, _ in pyogrio.list_layers(new)] == [n for n, _ in pyogrio.list_layers(old)]
    for layer in LAYERS:
        assert _schema(new, layer) == _schema(old, layer), layer
        a = pyogrio.read_dataframe(new, layer=layer, fid_as_index=True)
        b = pyogrio.read_dataframe(old, layer=layer, fid_as_index=True)
        assert (a.index == b.index).all(), f"{layer}: feature ids differ"
        _same_frame(a, b, layer)


@pytest.mark.slow
@pytest.mark.parametrize("case", ["sample", "generated"])
def test_fast_load_writes_the_layers_of_the_old_path(case, generated, tmp_path):
    export, chunk = (SAMPLE, 100) if case == "sample" else (generated, 6_000)
    old_layers, old_counts = reference.load_export(export, output=tmp_path / "old.gpkg", overrides=OVERRIDES,
                                                   chunk_rows=chunk)
    result = load_export(export, output=tmp_path / "new.gpkg", overrides=OVERRIDES, chunk_rows=chunk)
    assert {k: result.report[k] for k in old_counts} == old_counts
    for layer in ("places", "rejected_rows"):
        _same_frame(result.layers[layer], old_layers[layer], f"{layer} (in memory)")
    _compare_files(tmp_path / "new.gpkg", tmp_path / "old.gpkg")


@pytest.mark.slow
def test_fast_load_in_memory_matches_the_old_path(tmp_path):
    """Without an output every layer stays in memory: all five the same (the identifying fields too)."""
    old_layers, _ = reference.load_export(SAMPLE, overrides=OVERRIDES, chunk_rows=150, include_identifying=True)
    result = load_export(SAMPLE, overrides=OVERRIDES, chunk_rows=150, include_identifying=True)
    assert set(result.layers) == set(old_layers)
    for layer in old_layers:
        _same_frame(result.layers[layer], old_layers[layer], layer)
