"""Benchmark: routes:flowaggregation vs native:aggregate on synthetic legs.

Writes N synthetic route_legs (fixed seed, three breakdown fields) to a
GeoPackage, then runs — each in its own process, so peak memory is its own:

- ``native:aggregate`` grouping the legs by ``from_country || '>' || to_country``
  with a count and the two case sums only (concatenate_unique of the three
  category fields made it ~40x slower still, so it is left out: the
  baseline does less work than ours, never more);
- ``routes:flowaggregation`` at country level, leg by leg, with the three
  fields as breakdown (distinct routes, cases once per route, suppression,
  nodes and geometry on top).

Prints both wall times, their ratio (goal ≥ 10) and each run's peak RSS.
native:aggregate is stopped after ``--native-timeout`` seconds (it needs
tens of minutes for 1M legs); the ratio is then printed as a lower bound.
Usage: ``python bench/bench_flows.py [--legs 1000000] [--seed 42] [--native-timeout 300]``.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BREAKDOWN = ["transport_modes", "recruitment_methods", "exploitation_types"]


def make_legs(path: Path, n: int, seed: int) -> None:
    import geopandas as gpd
    import numpy as np
    import pandas as pd
    import shapely

    rng = np.random.default_rng(seed)
    countries = np.array(["KEN", "UGA", "TZA", "ETH", "SOM", "SSD", "RWA", "ARE", "SAU", "QAT"])
    n_places = 400
    pc = rng.integers(0, len(countries), n_places)
    lon, lat = rng.uniform(30, 50, n_places), rng.uniform(-8, 25, n_places)
    route = np.sort(rng.integers(0, n // 2.5, n))
    a, b = rng.integers(0, n_places, n), rng.integers(0, n_places, n)
    b = np.where(a == b, (b + 1) % n_places, b)
    seq = pd.Series(route).groupby(route).cumcount().to_numpy()
    choices = {"transport_modes": ["road", "air", "sea", "rail", "road; air", "road; sea"],
               "recruitment_methods": ["job_offer", "family_friend", "online", "agent_broker", "job_offer; online"],
               "exploitation_types": ["sexual", "forced_labour", "domestic_servitude", "sexual; forced_labour"]}
    r_low = rng.integers(1, 12, n // 2 + 1)
    df = pd.DataFrame({
        "route_id": pd.Series(route).map("r{}".format), "source_row": route + 2, "leg_seq": seq,
        "from_seq": seq, "to_seq": seq + 1, "from_role": "transit", "to_role": "transit",
        "from_place": pd.Series(a).map("p{}".format), "to_place": pd.Series(b).map("p{}".format),
        "from_key": pd.Series(a).map("gn:{}".format), "to_key": pd.Series(b).map("gn:{}".format),
        "from_country": countries[pc[a]], "to_country": countries[pc[b]],
        "cases_low": r_low[route], "cases_high": r_low[route] + 2,
    })
    df["crosses_border"] = df["from_country"] != df["to_country"]
    for f, values in choices.items():
        df[f] = np.array(values, dtype=object)[rng.integers(0, len(values), n // 2 + 1)][route]
    geom = shapely.linestrings(np.stack([np.column_stack([lon[a], lat[a]]), np.column_stack([lon[b], lat[b]])], 1))
    gpd.GeoDataFrame(df, geometry=geom, crs="EPSG:4326").to_file(path, layer="route_legs", engine="pyogrio")


def child(which: str, path: str, out_dir: str) -> None:
    """Run one algorithm in this process; print JSON with seconds and peak RSS."""
    plugins = REPO / "build" / "test-plugins"
    plugins.mkdir(parents=True, exist_ok=True)
    if not (plugins / "trafficking_routes").exists():
        (plugins / "trafficking_routes").symlink_to(REPO, target_is_directory=True)
    sys.path.insert(0, str(plugins))
    sys.path.append("/usr/share/qgis/python/plugins")
    from qgis.core import QgsApplication
    app = QgsApplication([], False)
    app.initQgis()
    from qgis import processing
    from processing.core.Processing import Processing
    Processing.initialize()
    uri = f"{path}|layername=route_legs"
    start = time.perf_counter()
    if which == "native":
        aggs = [{"aggregate": "count", "input": '"route_id"', "name": "legs", "type": 4, "length": 0, "precision": 0},
                *[{"aggregate": "sum", "input": f'"{c}"', "name": c, "type": 4, "length": 0, "precision": 0}
                  for c in ("cases_low", "cases_high")]]
        processing.run("native:aggregate", {"INPUT": uri, "GROUP_BY": "\"from_country\" || '>' || \"to_country\"",
                                            "AGGREGATES": aggs, "OUTPUT": os.path.join(out_dir, "native.gpkg")})
    else:
        from trafficking_routes.processing.algorithms.flow_aggregation import FlowAggregation
        processing.run(FlowAggregation(), {"INPUT": uri, "MODE": 1, "LEVEL": 3, "BREAKDOWN": BREAKDOWN,
                                           "SUPPRESS_BELOW": 5, "OUTPUT": os.path.join(out_dir, "flows.gpkg"),
                                           "NODES": os.path.join(out_dir, "nodes.gpkg")})
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--legs", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--native-timeout", type=float, default=300.0)
    ap.add_argument("--child", nargs=3, metavar=("WHICH", "GPKG", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(*args.child)
    cache = Path(tempfile.gettempdir()) / f"bench_flows_{args.legs}_{args.seed}.gpkg"
    if not cache.exists():
        t = time.perf_counter()
        make_legs(cache, args.legs, args.seed)
        print(f"wrote {args.legs:,} synthetic legs to {cache} in {time.perf_counter() - t:.1f} s")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    results = {}
    with tempfile.TemporaryDirectory() as out:
        for which, timeout in (("routes", None), ("native", args.native_timeout)):
            try:
                proc = subprocess.run([sys.executable, __file__, "--child", which, str(cache), out],
                                      capture_output=True, text=True, env=env, check=True, timeout=timeout)
                results[which] = json.loads(proc.stdout.strip().splitlines()[-1])
            except subprocess.TimeoutExpired:
                results[which] = {"seconds": timeout, "peak_mb": float("nan"), "stopped": True}
    n, r = results["native"], results["routes"]
    stopped = n.get("stopped", False)
    print(f"legs: {args.legs:,}; breakdown fields: {', '.join(BREAKDOWN)}")
    print("native:aggregate (group by from_country||to_country): "
          + (f"stopped after {n['seconds']:.0f} s" if stopped else f"{n['seconds']:.2f} s, peak RSS {n['peak_mb']:.0f} MB"))
    print(f"routes:flowaggregation (country level, legs):        {r['seconds']:.2f} s, peak RSS {r['peak_mb']:.0f} MB")
    ratio = n["seconds"] / r["seconds"]
    print(f"speed-up: {'>= ' if stopped else ''}{ratio:.1f}x (goal >= 10x) {'OK' if ratio >= 10 else 'BELOW GOAL'}")


if __name__ == "__main__":
    main()
