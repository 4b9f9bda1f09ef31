"""Load benchmark (issue 2): a million-row synthetic export loaded into a
GeoPackage, against the I/O floor measured in the same run: ogr2ogr
converting a CSV of the same stop points (X/Y columns) to GeoPackage.

Prints the time ratio (goal <= 3x) and our peak memory (goal <= 2 GB).
BENCH_ROWS overrides the row count; files go to bench-output/.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = Path(os.environ.get("BENCH_OUT", REPO / "bench-output"))
ROWS = int(os.environ.get("BENCH_ROWS", 1_000_000))
PY = sys.executable

CHILD = """
import resource, sys, time
sys.path.insert(0, sys.argv[1])
from trafficking_routes.routes_plugin.core.loader import load_export
t = time.perf_counter()
result = load_export(sys.argv[2], output=sys.argv[3], overrides=sys.argv[4])
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, result.summary(), sep="\\t")
"""


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    export, points = OUT / f"export_{ROWS}.csv", OUT / f"points_{ROWS}.csv"
    if not (export.exists() and points.exists()):
        subprocess.run([PY, str(REPO / "scripts/generate_export.py"), "--rows", str(ROWS), "--out", str(export),
                        "--points-csv", str(points)], check=True)
    floor_gpkg, ours_gpkg = OUT / "floor.gpkg", OUT / "load.gpkg"
    for p in (floor_gpkg, ours_gpkg):
        p.unlink(missing_ok=True)
    t = time.perf_counter()
    subprocess.run(["ogr2ogr", "-f", "GPKG", str(floor_gpkg), str(points), "-nln", "points", "-a_srs", "EPSG:4326",
                    "-oo", "X_POSSIBLE_NAMES=x", "-oo", "Y_POSSIBLE_NAMES=y", "-oo", "KEEP_GEOM_COLUMNS=NO",
                    "-gt", "65536"], check=True)
    floor = time.perf_counter() - t
    plugins = REPO / "build" / "test-plugins"
    plugins.mkdir(parents=True, exist_ok=True)
    if not (plugins / "trafficking_routes").exists():
        (plugins / "trafficking_routes").symlink_to(REPO, target_is_directory=True)
    overrides = REPO / "routes_plugin" / "data" / "sample" / "overrides.csv"  # Liboi, Namanga (see its README)
    out = subprocess.run([PY, "-c", CHILD, str(plugins), str(export), str(ours_gpkg), str(overrides)], check=True,
                         capture_output=True, text=True).stdout.strip().splitlines()[-1]
    seconds, peak_mb, summary = out.split("\t")
    seconds, peak_mb = float(seconds), float(peak_mb)
    print(f"load {ROWS:,} rows: {summary}")
    print(f"load {ROWS:,} rows: ours {seconds:.1f} s, baseline ogr2ogr (same stop points, CSV->GPKG) {floor:.1f} s, "
          f"ratio {seconds / floor:.2f}x (goal <= 3x)")
    print(f"load {ROWS:,} rows: peak memory {peak_mb:,.0f} MB (goal <= 2048 MB)")


if __name__ == "__main__":
    main()
