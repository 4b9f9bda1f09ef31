"""qgis_process from the shell, with the plugin installed from the built zip."""
import json
import os
import sqlite3
import subprocess
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "qgis_process"
SAMPLE = REPO / "routes_plugin" / "data" / "sample" / "kenya_routes_synthetic.csv"


@pytest.fixture(scope="module")
def installed_zip(tmp_path_factory):
    """`make package`, then unzip as QGIS's "Install from ZIP" does."""
    subprocess.run(["make", "-s", "package"], cwd=REPO, check=True, capture_output=True, text=True)
    zpath = REPO / "dist" / "trafficking_routes.zip"
    names = zipfile.ZipFile(zpath).namelist()
    assert "trafficking_routes/metadata.txt" in names
    assert not [n for n in names if n.startswith("trafficking_routes/tests/") or "__pycache__" in n or n.endswith(".pyc")]
    plugins = tmp_path_factory.mktemp("plugins")
    zipfile.ZipFile(zpath).extractall(plugins)
    return plugins


def _run(args, plugins, home, timeout=300):
    env = dict(os.environ, ROUTES_PLUGINS_DIR=str(plugins), ROUTES_QGIS_HOME=str(home), QGIS_OPTS="--noversioncheck")
    return subprocess.run([str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=timeout)


def test_list_help_and_run_from_zip(installed_zip, tmp_path):
    home = tmp_path / "home"
    listed = _run(["list"], installed_zip, home)
    assert listed.returncode == 0, listed.stderr
    assert "routes:loadtrackerexport" in listed.stdout
    helped = _run(["help", "routes:loadtrackerexport"], installed_zip, home)
    assert helped.returncode == 0 and "INPUT" in helped.stdout and "UNRESOLVED" in helped.stdout
    out = tmp_path / "out.gpkg"
    ran = _run(["--json", "run", "routes:loadtrackerexport", "--", f"INPUT={SAMPLE}", f"OUTPUT={out}"],
               installed_zip, home)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    results = json.loads(ran.stdout[ran.stdout.index("{"):])["results"]
    assert results["ROWS_IN"] == results["ROWS_MAPPED"] + results["ROWS_REJECTED"] > 0
    with sqlite3.connect(out) as db:
        tables = {r[0] for r in db.execute("select table_name from gpkg_contents")}
        assert {"route_points", "route_legs", "route_lines", "places", "rejected_rows"} <= tables
        n_lines = db.execute("select count(*) from route_lines").fetchone()[0]
        # a route reported by several organisations is one line (core/dedupe.py); its other reports are warnings
        folded = db.execute("select count(*) from rejected_rows where reason like '%counted once%'").fetchone()[0]
        styles = {r[0] for r in db.execute("select f_table_name from layer_styles")}
    assert n_lines + folded == results["ROWS_MAPPED"]
    assert {"route_points", "route_legs", "route_lines", "places"} <= styles


def test_bad_file_is_a_clear_error(installed_zip, tmp_path):
    bad = tmp_path / "page.csv"
    bad.write_text("<!DOCTYPE html><html><body>login</body></html>\n")
    ran = _run(["run", "routes:loadtrackerexport", "--", f"INPUT={bad}", f"OUTPUT={tmp_path / 'x.gpkg'}"],
               installed_zip, tmp_path / "home")
    assert ran.returncode != 0
    assert "page.csv" in ran.stdout + ran.stderr
    assert "Traceback" not in ran.stdout + ran.stderr
    assert not (tmp_path / "x.gpkg").exists()
