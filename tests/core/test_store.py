"""Writing the loader's layers into a user's existing GeoPackage (issue 19),
on real files: a GeoPackage with a user layer of 100k polygons, its layer
metadata and style, a non-spatial table and a stored QGIS project, loaded
into again and again; errors, a cancel, another program's lock, a killed
process (SIGKILL) and a file-size limit (ulimit -f) in the middle of a write.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyogrio
import pytest

from trafficking_routes.routes_plugin.core import store
from trafficking_routes.routes_plugin.core.gazetteer import Gazetteer
from trafficking_routes.routes_plugin.core.loader import load_export
from trafficking_routes.routes_plugin.core.store import GeoPackageWriter, StoreError

_spec = importlib.util.spec_from_file_location("store_support", Path(__file__).with_name("test_store_support.py"))
support = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(support)

REPO = support.REPO
SAMPLE, SAMPLE_SW = support.SAMPLE / "kenya_routes_synthetic.csv", support.SAMPLE / "kenya_routes_synthetic_sw.csv"
OVERRIDES = support.SAMPLE / "overrides.csv"
PLUGINS = Path(os.environ.get("ROUTES_TEST_PLUGINS_DIR", REPO / "build" / "test-plugins"))
PLUGIN_LAYERS = support.PLUGIN_LAYERS
SORT = {"route_points": ["route_id", "seq"], "route_legs": ["route_id", "leg_seq"], "route_lines": ["route_id"],
        "places": ["place_key"], "rejected_rows": ["source_row", "column", "reason"]}


@pytest.fixture(scope="module")
def gazetteer():
    return Gazetteer.load(overrides=OVERRIDES)


@pytest.fixture(scope="module")
def user_template(tmp_path_factory):
    return support.make_user_geopackage(tmp_path_factory.mktemp("user") / "template.gpkg")


@pytest.fixture
def user_gpkg(user_template, tmp_path):
    """A fresh copy of the user's project GeoPackage, alone in its folder."""
    folder = tmp_path / "project"
    folder.mkdir()
    return Path(shutil.copyfile(user_template, folder / "project.gpkg"))


@pytest.fixture(scope="module")
def fresh(gazetteer, tmp_path_factory):
    """The layers of each sample export written to a new file: what the user's file must then hold."""
    out = {}
    for export in (SAMPLE, SAMPLE_SW):
        path = tmp_path_factory.mktemp("fresh") / "new.gpkg"
        load_export(export, output=path, gazetteer=gazetteer)
        out[export] = {name: pyogrio.read_dataframe(path, layer=name) for name in PLUGIN_LAYERS}
    return out


def assert_layers(path, expected: dict) -> None:
    for name, want in expected.items():
        got = pyogrio.read_dataframe(path, layer=name)
        keys = [k for k in SORT[name] if k in want.columns]
        pd.testing.assert_frame_equal(got.sort_values(keys).reset_index(drop=True),
                                      want.sort_values(keys).reset_index(drop=True), check_like=True)


def folder_listing(folder: Path) -> dict[str, str]:
    return {p.name: support.digest(p) for p in folder.iterdir()}


# ------------------------------------------------------------------------------ loading twice ---

def test_loaded_into_twice_keeps_the_users_layer_project_and_styles(user_gpkg, gazetteer, fresh):
    before = support.everything_else(user_gpkg)
    assert before["qgis_projects"].endswith("(1 rows)") and before["layer_styles"].endswith("(1 rows)")
    others = {"my_countries", "my_notes", "layer_styles"}
    for export in (SAMPLE, SAMPLE_SW, SAMPLE):
        result = load_export(export, output=user_gpkg, gazetteer=gazetteer)
        assert support.everything_else(user_gpkg) == before
        assert support.layer_names(user_gpkg) == sorted(others | set(PLUGIN_LAYERS))  # each plugin layer once
        assert_layers(user_gpkg, fresh[export])
        assert pyogrio.read_info(user_gpkg, layer="route_lines")["features"] == result.report["route_lines"]
        support.check_geopackage(user_gpkg)
    assert support.temporaries(user_gpkg.parent) == []
    assert sorted(p.name for p in user_gpkg.parent.iterdir()) == ["project.gpkg"]
    # the user's layer is whole and its spatial index answers
    mine = pyogrio.read_dataframe(user_gpkg, layer="my_countries", bbox=(36, -2, 37, -1))
    everything = pyogrio.read_dataframe(user_gpkg, layer="my_countries")
    assert len(everything) == support.USER_FEATURES
    assert len(mine) == everything.intersects(__import__("shapely").box(36, -2, 37, -1)).sum() > 0
    assert pyogrio.read_info(user_gpkg, layer="my_countries")["layer_metadata"] == {"owner": "the analyst"}


def test_write_geopackage_into_existing_and_new_files(user_gpkg, tmp_path):
    layers = {"places": support.user_layer(30).rename(columns={"name": "place_key"}),
              "rejected_rows": pd.DataFrame({"source_row": [2, 3], "reason": ["a", "b"]})}
    store.write_geopackage(layers, user_gpkg)
    store.write_geopackage({"places": layers["places"].head(5)}, user_gpkg)  # only places replaced
    assert pyogrio.read_info(user_gpkg, layer="places")["features"] == 5
    assert pyogrio.read_info(user_gpkg, layer="rejected_rows")["features"] == 2
    assert "my_countries" in support.layer_names(user_gpkg)
    new = tmp_path / "new.gpkg"
    store.write_geopackage(layers, new)
    assert support.layer_names(new) == ["places", "rejected_rows"]
    empty = tmp_path / "empty.gpkg"  # e.g. made by a file dialog: counts as new
    empty.touch()
    store.write_geopackage(layers, empty)
    assert support.layer_names(empty) == ["places", "rejected_rows"]
    support.check_geopackage(user_gpkg)
    support.check_geopackage(new)


def test_metadata_and_other_crs_of_replaced_layers(user_gpkg, tmp_path):
    src = tmp_path / "src.gpkg"
    places = support.user_layer(40).to_crs(32737)  # UTM 37S: a CRS the user's file does not have yet
    for tag in ("first", "second"):
        src.unlink(missing_ok=True)
        pyogrio.write_dataframe(places, src, layer="places", layer_metadata={"kind": f"working data {tag}"})
        store.replace_layers(src, user_gpkg, ["places"])
        assert pyogrio.read_info(user_gpkg, layer="places")["layer_metadata"] == {"kind": f"working data {tag}"}
        assert pyogrio.read_info(user_gpkg, layer="my_countries")["layer_metadata"] == {"owner": "the analyst"}
    with sqlite3.connect(user_gpkg) as con:
        assert con.execute("SELECT count(*) FROM gpkg_metadata").fetchone()[0] == 2  # the user's and places'
        assert con.execute("SELECT organization_coordsys_id FROM gpkg_spatial_ref_sys s JOIN gpkg_contents c "
                           "USING (srs_id) WHERE table_name = 'places'").fetchone() == (32737,)
    assert pyogrio.read_dataframe(user_gpkg, layer="places").crs.to_epsg() == 32737
    support.check_geopackage(user_gpkg)


# ---------------------------------------------------------------------- refusals and failures ---

def test_refuses_what_is_not_a_geopackage(tmp_path):
    frame = {"places": support.user_layer(3)}
    text = tmp_path / "notes.gpkg"
    text.write_text("my thesis, not a GeoPackage")
    with pytest.raises(StoreError, match="exists and is not a GeoPackage: nothing was written"):
        store.write_geopackage(frame, text)
    assert text.read_text() == "my thesis, not a GeoPackage"
    (tmp_path / "dir.gpkg").mkdir()
    with pytest.raises(StoreError, match="is a folder"):
        store.write_geopackage(frame, tmp_path / "dir.gpkg")
    with pytest.raises(StoreError, match="must be a .gpkg"):
        store.write_geopackage(frame, tmp_path / "x.shp")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir.gpkg", "notes.gpkg"]


def test_error_in_the_transaction_leaves_the_file_as_it_was(user_gpkg, gazetteer, monkeypatch):
    load_export(SAMPLE, output=user_gpkg, gazetteer=gazetteer)
    before = support.digest(user_gpkg)
    real, copied = store._copy_layer, []

    def failing(con, name):
        if len(copied) == 3:
            raise sqlite3.OperationalError("simulated failure after three layers")
        real(con, name)
        copied.append(name)

    monkeypatch.setattr(store, "_copy_layer", failing)
    with pytest.raises(StoreError, match=f"Could not write {user_gpkg}: simulated failure.*the existing project.gpkg was left as it was"):
        load_export(SAMPLE_SW, output=user_gpkg, gazetteer=gazetteer)
    assert copied == ["route_points", "route_legs", "route_lines"]
    assert support.digest(user_gpkg) == before
    assert sorted(p.name for p in user_gpkg.parent.iterdir()) == ["project.gpkg"]


def test_cancel_in_the_middle_leaves_the_file_as_it_was(user_gpkg, gazetteer):
    before = support.digest(user_gpkg)

    class Feedback:
        calls = 0

        def isCanceled(self):  # noqa: N802
            Feedback.calls += 1
            return Feedback.calls > 12

        def setProgress(self, p):  # noqa: N802
            pass

    with pytest.raises(InterruptedError):
        load_export(SAMPLE, output=user_gpkg, gazetteer=gazetteer, feedback=Feedback(), chunk_rows=40)
    assert support.digest(user_gpkg) == before
    assert sorted(p.name for p in user_gpkg.parent.iterdir()) == ["project.gpkg"]


@pytest.mark.parametrize("mode", ["delete", "wal"])
def test_file_in_use_by_another_program(user_gpkg, gazetteer, fresh, mode):
    """Another connection (QGIS drawing or editing the file) while loading again."""
    with sqlite3.connect(user_gpkg) as con:
        assert con.execute(f"PRAGMA journal_mode = {mode}").fetchone() == (mode,)
    load_export(SAMPLE, output=user_gpkg, gazetteer=gazetteer)
    before = support.digest(user_gpkg)
    # a writer holding the file: a clear message, the file unchanged
    other = sqlite3.connect(user_gpkg, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    with pytest.raises(StoreError, match="in use by another program.*Save or stop editing"):
        with GeoPackageWriter(user_gpkg, busy_timeout=0.2) as writer:
            writer.write("places", fresh[SAMPLE_SW]["places"])
            writer.commit()
    other.execute("ROLLBACK")
    # a reader in the middle of a read: in WAL mode the load goes through and the
    # reader keeps its snapshot; otherwise SQLite cannot commit while it reads
    other.execute("BEGIN")
    assert other.execute("SELECT count(*) FROM route_lines").fetchone()[0] == len(fresh[SAMPLE]["route_lines"])
    if mode == "wal":
        load_export(SAMPLE_SW, output=user_gpkg, gazetteer=gazetteer)
        assert other.execute("SELECT count(*) FROM route_lines").fetchone()[0] == len(fresh[SAMPLE]["route_lines"])
        other.execute("COMMIT")
        assert_layers(user_gpkg, fresh[SAMPLE_SW])
    else:
        with pytest.raises(StoreError, match="in use by another program"):
            with GeoPackageWriter(user_gpkg, busy_timeout=0.2) as writer:
                writer.write("places", fresh[SAMPLE_SW]["places"])
                writer.commit()
        other.execute("COMMIT")
        assert support.digest(user_gpkg) == before
    other.close()
    support.check_geopackage(user_gpkg)


def test_stale_temporary_files_of_killed_loads_are_removed(user_gpkg, gazetteer):
    folder = user_gpkg.parent
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    stale = folder / f".project.routes-{dead}-0a1b2c3d.gpkg"
    live = folder / f".project.routes-{os.getppid()}-0a1b2c3d.gpkg"  # pytest's parent: alive
    other = folder / ".other.routes-99999999-0a1b2c3d.gpkg"  # another output's
    for p in (stale, live, other):
        p.write_bytes(b"x")
    load_export(SAMPLE, output=user_gpkg, gazetteer=gazetteer)
    assert sorted(p.name for p in folder.iterdir()) == sorted(["project.gpkg", live.name, other.name])


# ----------------------------------------------------------------- killed, full disk: subprocesses ---

CHILD = """
import os, signal, sqlite3, sys, time
sys.path.insert(0, {plugins!r})
from trafficking_routes.routes_plugin.core import store
from trafficking_routes.routes_plugin.core.loader import load_export

phase, target, export = sys.argv[1], sys.argv[2], sys.argv[3]


def pause(where):
    print(where, flush=True)
    time.sleep(120)  # the test kills this process here


if phase == "writing":  # killed while the layers go into the temporary file
    real_write = store.GeoPackageWriter.write

    def write(self, name, df):
        real_write(self, name, df)
        if name == "route_legs":
            pause("WRITING")

    store.GeoPackageWriter.write = write
elif phase == "transaction":  # killed in the middle of the transaction on the user's file
    real_connect, real_copy, copied = sqlite3.connect, store._copy_layer, []

    def connect(*args, **kw):  # a tiny page cache: changed pages go to the file before the commit
        con = real_connect(*args, **kw)
        con.execute("PRAGMA cache_size = 5")
        return con

    def copy(con, name):
        real_copy(con, name)
        copied.append(name)
        if len(copied) == 3:
            pause("TRANSACTION")

    store.sqlite3.connect, store._copy_layer = connect, copy
elif phase == "ulimit":
    import resource

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # write() then fails with EFBIG instead of killing us
    limit = int(sys.argv[4])
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
try:
    load_export(export, output=target, overrides={overrides!r}, chunk_rows=120)
except store.StoreError as exc:
    print("STORE_ERROR", exc, flush=True)
    sys.exit(3)
print("DONE", flush=True)
""".format(plugins=str(PLUGINS), overrides=str(OVERRIDES))


def kill_when(args, marker: str, timeout: float = 300) -> None:
    """Run the child, SIGKILL it once it prints ``marker``."""
    proc = subprocess.Popen([sys.executable, "-c", CHILD, *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + timeout
        for line in proc.stdout:
            if line.strip() == marker:
                break
            assert time.monotonic() < deadline
        else:
            pytest.fail(f"the child ended before {marker}: {proc.wait()} {proc.stderr.read()}")
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=60) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
        proc.stderr.close()


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["delete", "wal"])
@pytest.mark.parametrize("phase", ["writing", "transaction"])
def test_killed_load_leaves_the_file_as_it_was(user_gpkg, gazetteer, fresh, phase, mode):
    with sqlite3.connect(user_gpkg) as con:
        con.execute(f"PRAGMA journal_mode = {mode}")
    load_export(SAMPLE, output=user_gpkg, gazetteer=gazetteer)  # the plugin's layers are there: a reload
    before, content = support.digest(user_gpkg), support.everything_else(user_gpkg)
    kill_when(("transaction" if phase == "transaction" else "writing", user_gpkg, SAMPLE_SW),
              phase.upper())
    sides = {p.name for p in user_gpkg.parent.iterdir()} - {"project.gpkg"}
    if phase == "transaction":  # the kill did hit a file being changed: SQLite's journal is there
        assert ("project.gpkg-journal" in sides) if mode == "delete" else ("project.gpkg-wal" in sides)
    # the next program to open the file for writing (QGIS does; here SQLite itself) puts it back as it was
    with sqlite3.connect(user_gpkg) as con:
        con.execute("SELECT count(*) FROM gpkg_contents")
    assert "project.gpkg-journal" not in {p.name for p in user_gpkg.parent.iterdir()}
    assert support.digest(user_gpkg) == before
    assert_layers(user_gpkg, fresh[SAMPLE])
    assert support.everything_else(user_gpkg) == content
    support.check_geopackage(user_gpkg)
    # and the next load works, removing the killed load's temporary file
    load_export(SAMPLE_SW, output=user_gpkg, gazetteer=gazetteer)
    assert_layers(user_gpkg, fresh[SAMPLE_SW])
    assert support.temporaries(user_gpkg.parent) == []


@pytest.mark.slow
@pytest.mark.parametrize("case", ["new file", "temporary file", "transaction"])
def test_file_size_limit_gives_a_clear_error_and_keeps_the_file(user_gpkg, case):
    """``ulimit -f`` in the child (SIGXFSZ ignored, so write() fails with EFBIG)."""
    target = user_gpkg.parent / "new.gpkg" if case == "new file" else user_gpkg
    size = user_gpkg.stat().st_size
    limit = {"new file": 150_000, "temporary file": 150_000, "transaction": size + 150_000}[case]
    before = folder_listing(user_gpkg.parent)
    done = subprocess.run([sys.executable, "-c", CHILD, "ulimit", str(target), str(SAMPLE), str(limit)], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 3, done.stdout + done.stderr
    message = done.stdout.split("STORE_ERROR", 1)[1].strip()
    assert message.startswith(f"Could not write {target}: ")
    assert "file-size limit (150,000 bytes" in message or f"limit ({limit:,} bytes" in message, message
    assert message.endswith("nothing was written." if case == "new file" else
                            "the existing project.gpkg was left as it was.")
    assert ".routes-" not in message  # the temporary file is not what the user asked for
    assert folder_listing(user_gpkg.parent) == before
    support.check_geopackage(user_gpkg)
