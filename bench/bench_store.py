"""Writing the loader's layers INTO an existing GeoPackage (issue 19): the
two all-or-nothing ways, measured on a file holding a large unrelated layer.

* in-place (what ``core/store.py`` does): the layers are written to a
  temporary GeoPackage, then ONE SQLite transaction on the user's file drops
  the old plugin layers and copies the new ones in;
* copy-and-swap: copy the user's file, drop the old plugin layers in the
  copy, write the new ones into it, rename the copy over the file.

Baseline, measured in the same run: the same layers written to a new file.
Prints seconds and the ratio to the baseline for the first load into the
file and for a reload (the plugin layers are already there). BENCH_STORE_ROWS
(export rows, default 20000), BENCH_STORE_USER (features of the user's
layer, default 100000) and BENCH_STORE_REPEAT (5) change the sizes; files go to bench-output/store/.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = Path(os.environ.get("BENCH_OUT", REPO / "bench-output")) / "store"
ROWS = int(os.environ.get("BENCH_STORE_ROWS", 20_000))
USER = int(os.environ.get("BENCH_STORE_USER", 100_000))
REPEAT = int(os.environ.get("BENCH_STORE_REPEAT", 5))

plugins = REPO / "build" / "test-plugins"
plugins.mkdir(parents=True, exist_ok=True)
if not (plugins / "trafficking_routes").exists():
    (plugins / "trafficking_routes").symlink_to(REPO, target_is_directory=True)
sys.path.insert(0, str(plugins))

import geopandas as gpd  # noqa: E402
import numpy as np  # noqa: E402
import pyogrio  # noqa: E402
import shapely  # noqa: E402

from trafficking_routes.routes_plugin.core import store  # noqa: E402
from trafficking_routes.routes_plugin.core.loader import load_export  # noqa: E402


def user_geopackage(path: Path, n: int) -> None:
    """A user's file: ``n`` small polygons (9 vertices) and a stored QGIS project row."""
    rng = np.random.default_rng(1)
    polys = shapely.buffer(shapely.points(rng.uniform(33, 42, n), rng.uniform(-5, 5, n)), 0.01, quad_segs=2)
    frame = gpd.GeoDataFrame({"name": [f"unit {i}" for i in range(n)], "value": rng.integers(0, 1000, n)},
                             geometry=polys, crs=4326)
    pyogrio.write_dataframe(frame, path, layer="my_countries", driver="GPKG")
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE qgis_projects (name TEXT PRIMARY KEY, metadata BLOB, content BLOB)")
        con.execute("INSERT INTO qgis_projects VALUES ('p', '{}', ?)", (os.urandom(60_000),))


def copy_and_swap(layers: dict, target: Path, steps: dict) -> None:
    """The alternative: copy the file, change the copy, rename it over the file."""
    tmp = target.with_name(f".{target.stem}.swap.gpkg")
    t = time.perf_counter()
    shutil.copyfile(target, tmp)
    con = sqlite3.connect(tmp, isolation_level=None)
    con.execute("BEGIN")
    for name in layers:
        store._drop_layer(con, name)
    con.execute("COMMIT")
    con.close()
    steps["copy"] = time.perf_counter() - t
    writer = store.GeoPackageWriter(target)
    writer.tmp = tmp  # write straight into the copy
    for name, df in layers.items():
        writer.write(name, df)
    writer.finish()
    t = time.perf_counter()
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    steps["swap"] = time.perf_counter() - t


def in_place(layers: dict, target: Path, steps: dict) -> None:
    """What core/store.py does, with its last step timed apart."""
    real = store.replace_layers

    def replace_layers(*args, **kw):
        t = time.perf_counter()
        real(*args, **kw)
        steps["transaction"] = time.perf_counter() - t

    store.replace_layers = replace_layers
    try:
        store.write_geopackage(layers, target)
    finally:
        store.replace_layers = real


def timed(fn, *args) -> float:
    t = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    export, user = OUT / f"export_{ROWS}.csv", OUT / f"user_{USER}.gpkg"
    if not export.exists():
        subprocess.run([sys.executable, str(REPO / "scripts/generate_export.py"), "--rows", str(ROWS), "--out",
                        str(export), "--seed", "19"], check=True)
    if not user.exists():
        user_geopackage(user, USER)
    result = load_export(export, overrides=REPO / "routes_plugin" / "data" / "sample" / "overrides.csv")
    layers = {k: result.layers[k] for k in ("route_points", "route_legs", "route_lines", "places", "rejected_rows")}
    print(f"store: plugin layers {', '.join(f'{k} {len(v):,}' for k, v in layers.items())}; user file "
          f"{user.stat().st_size / 1e6:.0f} MB ({USER:,} polygons + a stored project)")
    times: dict[str, list[float]] = {}

    def record(label, seconds):
        times.setdefault(label, []).append(seconds)

    for _ in range(REPEAT):  # interleaved: the machine's load hits every variant alike
        new = OUT / "new.gpkg"
        new.unlink(missing_ok=True)
        record("baseline: new file", timed(store.write_geopackage, layers, new))
        for label, write in (("in-place transaction", in_place), ("copy-and-swap", copy_and_swap)):
            target = OUT / "target.gpkg"
            shutil.copyfile(user, target)
            for case in ("first load", "reload"):
                steps: dict[str, float] = {}
                record(f"{label}, {case}", timed(write, layers, target, steps))
                for step, seconds in steps.items():
                    record(f"  {label} {case}: step {step}", seconds)
            names = {r[0] for r in sqlite3.connect(target).execute("SELECT table_name FROM gpkg_contents")}
            assert {"my_countries", *layers} <= names, names
    base = statistics.median(times["baseline: new file"])
    for label, values in times.items():
        med = statistics.median(values)
        ratio = "" if label.startswith(" ") else f", ratio to baseline {med / base:.2f}x"
        print(f"store: {label:44s} {med:6.2f} s (median of {REPEAT}){ratio}")


if __name__ == "__main__":
    main()
