"""Where the load's time goes (issue 17): one export loaded end to end, each
step timed by wrapping the functions that do it (wall time, no profiler
overhead). Prints seconds per step and their share of the whole.

Run: .venv/bin/python bench/profile_load.py EXPORT [OUTPUT.gpkg | postgresql://...] [--organisation NAME]
(OUTPUT defaults to a temporary GeoPackage; the file is replaced.)
"""
from __future__ import annotations

import argparse
import functools
import os
import sys
import tempfile
import time
from collections import defaultdict

from bench_load import REPO, _plugins  # this folder is on the path of a script run from it

sys.path.insert(0, str(_plugins()))

TIMES: dict[str, float] = defaultdict(float)
CALLS: dict[str, int] = defaultdict(int)
_ACTIVE: list[str] = []


def timed(owner, attr: str, label: str) -> None:
    """Wrap ``owner.attr`` so its wall time adds to ``label`` (nested timed calls are subtracted)."""
    real = getattr(owner, attr)

    @functools.wraps(real)
    def wrapper(*args, **kw):
        _ACTIVE.append(label)
        start = time.perf_counter()
        try:
            return real(*args, **kw)
        finally:
            spent = time.perf_counter() - start
            _ACTIVE.pop()
            TIMES[label] += spent
            CALLS[label] += 1
            if _ACTIVE:  # the caller's own time excludes this
                TIMES[_ACTIVE[-1]] -= spent

    setattr(owner, attr, wrapper)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("export")
    parser.add_argument("output", nargs="?")
    parser.add_argument("--organisation", default=None)
    args = parser.parse_args()

    from trafficking_routes.routes_plugin.core import (dedupe, gazetteer, layers, loader, postgis, publication,
                                                       readers, routes, store)

    for owner, attr, label in [
        (loader, "read_export", "read: file -> table"),
        (gazetteer.Gazetteer, "load", "gazetteer: load"),
        (routes, "_route_ids", "parse: route ids"),
        (routes, "_cases_and_year", "parse: cases and year"),
        (routes, "_categories", "parse: categories"),
        (routes, "_long_stops", "parse: stops (long format)"),
        (routes, "_resolve_places", "resolve places (once per distinct name)"),
        (routes, "_place_problems", "parse: place problems"),
        (routes, "_journeys", "parse: journeys"),
        (publication, "generalise_coordinates", "prepare: generalise coordinates"),
        (dedupe, "merge_duplicates", "prepare: merge duplicates"),
        (layers, "route_points", "build: route_points"),
        (layers, "route_legs", "build: route_legs"),
        (layers, "route_lines", "build: route_lines"),
        (layers, "place_counts", "build: place counts"),
        (layers, "rejected_rows", "build: rejected_rows"),
        (layers, "places", "build: places"),
        (store.GeoPackageWriter, "write", "write: rows (GeoPackage)"),
        (store.GeoPackageWriter, "finish", "write: indexes, counts (GeoPackage)"),
        (store.GeoPackageWriter, "commit", "write: commit (GeoPackage)"),
        (loader, "tag_working_data", "write: tag working data"),
        (postgis.PostgisWriter, "write", "write: stage rows (PostGIS)"),
        (postgis.PostgisWriter, "commit", "write: commit (PostGIS)"),
    ]:
        if hasattr(owner, attr):
            timed(owner, attr, label)
    del readers

    output = args.output or os.path.join(tempfile.mkdtemp(prefix="profile_load_"), "routes.gpkg")
    if output.endswith(".gpkg") and os.path.exists(output):
        os.unlink(output)
    start = time.perf_counter()
    result = loader.load_export(args.export, output=output, organisation=args.organisation,
                                overrides=REPO / "routes_plugin" / "data" / "sample" / "overrides.csv")
    total = time.perf_counter() - start
    print(result.summary())
    accounted = sum(TIMES.values())
    for label, seconds in sorted(TIMES.items(), key=lambda kv: -kv[1]):
        print(f"{label:48s} {seconds:7.2f} s {100 * seconds / total:5.1f} %  ({CALLS[label]} calls)")
    print(f"{'other (loader glue, chunking, ...)':48s} {total - accounted:7.2f} s {100 * (total - accounted) / total:5.1f} %")
    print(f"{'total':48s} {total:7.2f} s")


if __name__ == "__main__":
    main()
