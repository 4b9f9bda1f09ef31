"""Time routes:chaptermaps: 8 chapters (Kenya's regions, sample data) at 300 dpi to PDF.

Prints seconds and the ratio to the 60 s goal; also the time of one chapter at
300 dpi measured in the same run (the per-chapter baseline)."""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
PLUGINS = REPO / "build" / "test-plugins"
GOAL_S = 60.0


def map_layers(processing, gpkg: Path, tmp: Path) -> dict:
    """Density, flows and crossings of the sample, as the chapters show them."""
    from qgis.core import QgsProcessing

    from trafficking_routes.processing.algorithms.border_crossings import BorderCrossings
    from trafficking_routes.processing.algorithms.flow_aggregation import FlowAggregation
    from trafficking_routes.processing.algorithms.hotspot_density import HotspotDensity

    density = processing.run(HotspotDensity(), {"INPUT": f"{gpkg}|layername=route_points", "RADIUS": 50000,
                                                "PIXEL_SIZE": 2000, "OUTPUT": str(tmp / "density.tif")})["OUTPUT"]
    flows = processing.run(FlowAggregation(), {"INPUT": f"{gpkg}|layername=route_lines", "LEVEL": 0,
                                               "OUTPUT": str(tmp / "flows.gpkg"),
                                               "NODES": QgsProcessing.TEMPORARY_OUTPUT})["OUTPUT"]
    crossings = processing.run(BorderCrossings(), {"INPUT": f"{gpkg}|layername=route_legs",
                                                   "OUTPUT": str(tmp / "crossings.gpkg")})["OUTPUT"]
    return {"DENSITY": density, "FLOWS": flows, "CROSSINGS": crossings}


def main() -> int:
    PLUGINS.mkdir(parents=True, exist_ok=True)
    if not (PLUGINS / "trafficking_routes").exists():
        (PLUGINS / "trafficking_routes").symlink_to(REPO, target_is_directory=True)
    sys.path.insert(0, str(PLUGINS))
    sys.path.append("/usr/share/qgis/python/plugins")
    from qgis.core import QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    from qgis import processing
    from processing.core.Processing import Processing

    Processing.initialize()
    from trafficking_routes.processing.algorithms.chapter_maps import ChapterMaps
    from trafficking_routes.routes_plugin.core.loader import load_export

    with tempfile.TemporaryDirectory() as tmp:
        gpkg = Path(tmp) / "routes.gpkg"
        load_export(str(REPO / "routes_plugin" / "data" / "sample" / "kenya_routes_synthetic.csv"), output=str(gpkg))
        params = {"ROUTE_POINTS": f"{gpkg}|layername=route_points", "DPI": 300, "FORMAT": 0,
                  **map_layers(processing, gpkg, Path(tmp))}
        t0 = time.perf_counter()
        processing.run(ChapterMaps(), dict(params, REGION_NAMES="Coast", OUTPUT_FOLDER=str(Path(tmp) / "one")))
        one = time.perf_counter() - t0
        t0 = time.perf_counter()
        res = processing.run(ChapterMaps(), dict(params, COMBINED_PDF=True, OUTPUT_FOLDER=str(Path(tmp) / "all")))
        total = time.perf_counter() - t0
    print(f"chaptermaps: {res['CHAPTERS']} chapters at 300 dpi (+ combined PDF) in {total:.1f} s; "
          f"goal {GOAL_S:.0f} s; ratio to goal {total / GOAL_S:.2f}; one chapter {one:.1f} s "
          f"(8 chapters / 8 × one = {total / (8 * one):.2f})")
    app.exitQgis()
    return 0 if total <= GOAL_S else 1


if __name__ == "__main__":
    sys.exit(main())
