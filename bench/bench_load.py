"""Load benchmark (issues 2 and 17): a synthetic export loaded, end to end
(read, parse, resolve, build, write), against the I/O floor measured in the
same run on the same machine:

* into a new GeoPackage, against ``ogr2ogr`` converting a CSV of the same
  stop points (X/Y columns) to GeoPackage (goal <= 2x);
* into the shared PostGIS store (one import: binary COPY chunk by chunk while
  the next is parsed, routes replaced by route id, import log, one transaction;
  the store is new, so the import runs in bulk mode, see sql/005), against
  ``ogr2ogr -f PostgreSQL`` of the same points in COPY mode
  (``PG_USE_COPY=YES``) (goal <= 2x). The database is a throwaway one on the
  project's own cluster (``scripts/postgis.sh testdb``); BENCH_POSTGIS=0 skips
  this part.

Where our time goes, step by step: ``bench/profile_load.py``.

Prints the time ratios and our peak memory (goal <= 1.5 GB). BENCH_ROWS sets the
row count (default 1,000,000: the million-row load issue 17 is about; about 6 minutes
on a 2-core machine, the first run also generates the export, about a minute).
Smaller exports pay fixed costs a million rows spread thin (the gazetteer's indexes,
the store's index builds at commit): at 200,000 rows the PostGIS import is 2.7-3.1x its
floor on that machine. Files go to bench-output/ (the export is generated once per row
count and kept).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
OUT = Path(os.environ.get("BENCH_OUT", REPO / "bench-output"))
ROWS = int(os.environ.get("BENCH_ROWS", 1_000_000))
POSTGIS = os.environ.get("BENCH_POSTGIS", "1") != "0"
BENCH_DB = "routes_bench"
PY = sys.executable
OVERRIDES = REPO / "routes_plugin" / "data" / "sample" / "overrides.csv"  # Liboi, Namanga (see its README)
OGR_CSV = ["-a_srs", "EPSG:4326", "-oo", "X_POSSIBLE_NAMES=x", "-oo", "Y_POSSIBLE_NAMES=y",
           "-oo", "KEEP_GEOM_COLUMNS=NO", "-gt", "65536"]

CHILD = """
import resource, sys, time
sys.path.insert(0, sys.argv[1])
from trafficking_routes.routes_plugin.core.loader import load_export
t = time.perf_counter()
result = load_export(sys.argv[2], output=sys.argv[3], overrides=sys.argv[4], organisation=sys.argv[5] or None)
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, result.summary(), sep="\\t")
"""


def _plugins() -> Path:
    plugins = REPO / "build" / "test-plugins"
    plugins.mkdir(parents=True, exist_ok=True)
    if not (plugins / "trafficking_routes").exists():
        (plugins / "trafficking_routes").symlink_to(REPO, target_is_directory=True)
    return plugins


def ours(export: Path, output: str, organisation: str = "") -> tuple[float, float, str]:
    """Our load in a fresh process: (seconds, peak MB, summary)."""
    out = subprocess.run([PY, "-c", CHILD, str(_plugins()), str(export), output, str(OVERRIDES), organisation],
                         check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    seconds, peak_mb, summary = out.split("\t")
    return float(seconds), float(peak_mb), summary


def timed(cmd: list[str], env=None) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def _pg_dsn(uri: str) -> str:
    u = urlsplit(uri)
    return (f"PG:host={u.hostname} port={u.port or 5432} dbname={u.path.lstrip('/')} user={u.username}"
            + (f" password={u.password}" if u.password else ""))


def bench_geopackage(export: Path, points: Path) -> None:
    floor_gpkg, ours_gpkg = OUT / "floor.gpkg", OUT / "load.gpkg"
    for p in (floor_gpkg, ours_gpkg):
        p.unlink(missing_ok=True)
    floor = timed(["ogr2ogr", "-f", "GPKG", str(floor_gpkg), str(points), "-nln", "points", *OGR_CSV])
    seconds, peak_mb, summary = ours(export, str(ours_gpkg))
    print(f"load {ROWS:,} rows: {summary}")
    print(f"load {ROWS:,} rows into a GeoPackage: ours {seconds:.1f} s, baseline ogr2ogr (same stop points, "
          f"CSV->GPKG) {floor:.1f} s, ratio {seconds / floor:.2f}x (goal <= 2x)")
    print(f"load {ROWS:,} rows: peak memory {peak_mb:,.0f} MB (goal <= 1536 MB)", flush=True)


def quiet(uri: str) -> None:
    """The floor's table dropped and its writes checkpointed before ours is timed: the
    autovacuum and checkpoint its millions of rows set off would otherwise run during
    ours (the floor's own time does not include them)."""
    import psycopg2

    conn = psycopg2.connect(uri)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS public.bench_floor_points")
        cur.execute("CHECKPOINT")
    conn.close()


def bench_postgis(export: Path, points: Path) -> None:
    if shutil.which("ogr2ogr") is None:
        print("postgis: skipped (no ogr2ogr)")
        return
    done = subprocess.run([str(REPO / "scripts" / "postgis.sh"), "testdb", BENCH_DB], capture_output=True, text=True)
    if done.returncode != 0:
        print(f"postgis: skipped (scripts/postgis.sh testdb failed: {done.stderr.strip().splitlines()[-1:]})")
        return
    uri = done.stdout.strip().splitlines()[-1]
    env = dict(os.environ, PG_USE_COPY="YES")
    floor = timed(["ogr2ogr", "-f", "PostgreSQL", _pg_dsn(uri), str(points), "-nln", "bench_floor_points",
                   "-lco", "OVERWRITE=YES", "-lco", "SCHEMA=public", *OGR_CSV], env=env)
    quiet(uri)
    seconds, peak_mb, summary = ours(export, uri, "Bench network")
    print(f"postgis {ROWS:,} rows: {summary}")
    print(f"postgis {ROWS:,} rows into the shared store (one import): ours {seconds:.1f} s, baseline ogr2ogr -f "
          f"PostgreSQL (same stop points, COPY) {floor:.1f} s, ratio {seconds / floor:.2f}x (goal <= 2x); "
          f"peak memory {peak_mb:,.0f} MB", flush=True)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    export, points = OUT / f"export_{ROWS}.csv", OUT / f"points_{ROWS}.csv"
    if not (export.exists() and points.exists()):
        subprocess.run([PY, str(REPO / "scripts/generate_export.py"), "--rows", str(ROWS), "--out", str(export),
                        "--points-csv", str(points)], check=True)
    bench_geopackage(export, points)
    if POSTGIS:
        bench_postgis(export, points)


if __name__ == "__main__":
    main()
