"""Benchmark: routes:hotspotdensity end to end, as a user runs it, against QGIS's heatmap.

The same 100 000 clustered, weighted points as bench_density.py (fixed seed) in a
GeoPackage; radius 100 pixels. Each algorithm runs in its own
``scripts/qgis_process run`` (a fresh QGIS each time, so first-use imports,
reading the GeoPackage and writing the GeoTIFF all count), with the defaults a
user gets (study area, styling) and the same Radius, Pixel size, Weight, Kernel
and Output value. QGIS's start-up (plugins included) is measured in the same
run, per kernel, as the fastest of ``qgis_process run native:buffer`` on a
one-feature layer run before and after each of ours (so that both see the same
load, and the start-up and our runs are minima over as many runs), and is
subtracted from ours and from QGIS's heatmap of that kernel. Printed per kernel: seconds of QGIS's
``qgis:heatmapkerneldensityestimation`` (one run) and of routes:hotspotdensity
(fastest of ``--repeat`` runs), both without start-up, and the ratio; the same
for CPU time (user + system), which a busy machine disturbs less than wall time.
Goal: ratio (wall time) >= 30 for every kernel.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_density_e2e.py [--kernels quartic,uniform] [--repeat 3]
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
QGIS_PROCESS = REPO / "scripts" / "qgis_process"
KERNELS = ("quartic", "triangular", "uniform", "triweight", "epanechnikov")  # QGIS's heatmap order
GOAL = 30.0


def qgis_process(*args) -> tuple[float, float]:
    """``(wall, cpu)`` seconds of one ``scripts/qgis_process run ...`` (cpu: user + system
    time of the process and its children); raises if it fails."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([str(QGIS_PROCESS), "run", *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise RuntimeError(f"qgis_process run {args[0]} failed:\n{done.stderr[-2000:]}")
    return seconds, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def fastest(runs):
    """The fastest of ``(wall, cpu)`` runs (by wall time)."""
    return min(runs)


def main():
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_density import N_POINTS, RADIUS_PIXELS, make_points

    import geopandas as gpd
    import shapely

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kernels", default=",".join(KERNELS))
    parser.add_argument("--repeat", type=int, default=3, help="runs of routes:hotspotdensity per kernel (fastest counts)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench_density_e2e_"))
    points = work / "points.gpkg"
    _, pixel, radius = make_points(points)
    one = work / "one.gpkg"
    gpd.GeoDataFrame({"id": [1]}, geometry=[shapely.Point(500_000, 9_800_000)], crs="EPSG:32737").to_file(one)
    buffer = ["native:buffer", "--", f"INPUT={one}", "DISTANCE=1", f"OUTPUT={work / 'b.gpkg'}"]
    qgis_process(*buffer)  # warm the disk caches
    common = [f"INPUT={points}|layername=points", f"RADIUS={radius!r}", f"PIXEL_SIZE={pixel!r}", "WEIGHT_FIELD=cases",
              "OUTPUT_VALUE=0"]
    measured = {}
    for name in args.kernels.split(","):
        kernel = f"KERNEL={KERNELS.index(name)}"
        ours, startups = [], [qgis_process(*buffer)]
        for _ in range(max(1, args.repeat)):  # a start-up run before and after each of ours: same load
            ours.append(qgis_process("routes:hotspotdensity", "--", *common, kernel,
                                     f"OUTPUT={work / f'ours_{name}.tif'}"))
            startups.append(qgis_process(*buffer))
        theirs = qgis_process("qgis:heatmapkerneldensityestimation", "--", *common, kernel,
                              f"OUTPUT={work / f'qgis_{name}.tif'}")
        measured[name] = fastest(ours), theirs, fastest(startups)
        print(f"  {name}: ours {', '.join(f'{w:.2f}' for w, _ in ours)} s; QGIS {theirs[0]:.2f} s; start-ups "
              f"{', '.join(f'{w:.2f}' for w, _ in startups)} s", flush=True)
    print(f"{N_POINTS} points in a GeoPackage, radius {radius:.1f} m = {RADIUS_PIXELS} px, pixel {pixel:.2f} m; "
          "QGIS start-up (fastest of the kernel's start-up runs) subtracted")
    print(f"{'kernel':<13}{'start-up':>9}{'qgis s':>9}{'ours s':>9}{'ratio':>8}{'qgis cpu':>10}{'ours cpu':>10}"
          f"{'cpu ratio':>11}  goal: ratio >= {GOAL:g}")
    worst = None
    for name, ((ours, ours_cpu), (theirs, theirs_cpu), (startup, startup_cpu)) in measured.items():
        ours, ours_cpu = max(ours - startup, 0.01), max(ours_cpu - startup_cpu, 0.01)
        theirs, theirs_cpu = theirs - startup, theirs_cpu - startup_cpu
        ratio = theirs / ours
        worst = ratio if worst is None else min(worst, ratio)
        print(f"{name:<13}{startup:9.2f}{theirs:9.2f}{ours:9.2f}{ratio:8.1f}{theirs_cpu:10.2f}{ours_cpu:10.2f}"
              f"{theirs_cpu / ours_cpu:11.1f}  {'ok' if ratio >= GOAL else 'below goal'}", flush=True)
    print(f"lowest ratio {worst:.1f} (goal >= {GOAL:g})")


if __name__ == "__main__":
    main()
