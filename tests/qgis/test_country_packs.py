"""Country packs (routes_plugin/data/countries/<ID>/): Kenya the default, and a second pack with a
different region scheme (HOA: one chapter per IGAD country) that loads its synthetic sample and
exports its chapters end to end, in both languages."""
from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import unicodedata
from collections import defaultdict
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "build" / "screenshots"


def _pdf_text(path) -> str:
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return unicodedata.normalize("NFKC", out)  # the "fi" ligature of the PDF font as two letters


def test_packs_are_complete_and_kenya_is_the_default(qgis_app):
    from trafficking_routes.routes_plugin.core import countries
    from trafficking_routes.routes_plugin.core.gazetteer import Gazetteer
    from trafficking_routes.routes_plugin.edge.countries import chapter_layer
    from trafficking_routes.routes_plugin.edge.frames import layer_to_frame

    assert countries.default_pack_id() == "KEN" and {"KEN", "HOA"} <= set(countries.packs())
    for pack in countries.packs().values():
        gazetteer = Gazetteer.load(overrides=pack.overrides)  # with the pack's default overrides
        frame = layer_to_frame(chapter_layer(pack), None, [pack.name_field])
        names = set(frame[pack.name_field].astype(str))
        assert names and names == set(pack.region_names), pack.id       # every chapter named, nothing extra
        for name in names:
            assert pack.region_name(name, "sw") and pack.region_name(name, "en")
        for group in pack.border_groups.values():
            assert group["names"]["en"] and group["names"]["sw"]
            for place in group["places"]:
                assert gazetteer.resolve(place, pack.home_country).status in ("ok", "ambiguous"), (pack.id, place)
            # (ambiguous: a border town on both sides, e.g. Moyale in Ethiopia and in Kenya)
        assert pack.sample is not None and pack.sample.is_file()
        assert "synthetic" in pack.sample.read_text(encoding="utf-8").lower()
        if pack.overrides is not None:
            assert pack.overrides.is_file()


def test_no_country_is_hard_coded():
    hits = []
    for root in ("routes_plugin", "processing"):
        for path in (REPO / root).rglob("*.py"):
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if re.search(r"""["']KEN["']""", line):
                    hits.append(f"{path.relative_to(REPO)}:{n}")
    assert hits == []


def test_country_setting_is_every_country_parameter_default(qgis_app):
    from qgis.core import QgsSettings

    from trafficking_routes.processing.provider import algorithm_classes
    from trafficking_routes.routes_plugin.edge.settings import COUNTRY_SETTING, country_default

    old = QgsSettings().value(COUNTRY_SETTING)
    try:
        QgsSettings().setValue(COUNTRY_SETTING, "HOA")
        assert country_default() == "HOA"
        seen = set()
        for cls in algorithm_classes():
            alg = cls()
            alg.initAlgorithm()
            if alg.parameterDefinition("COUNTRY") is not None:
                assert alg.parameterDefinition("COUNTRY").defaultValue() == "HOA", alg.name()
                seen.add(alg.name())
        # the pack gives the home country, the regions or the default study area of each of these
        assert seen == {"loadtrackerexport", "regionalsummary", "chaptermaps", "report", "hotspotdensity",
                        "hotspotsignificance"}
        QgsSettings().setValue(COUNTRY_SETTING, "XYZ")
        assert country_default() == "KEN"   # a setting naming no pack falls back to the default pack
    finally:
        QgsSettings().setValue(COUNTRY_SETTING, old or "")


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_second_pack_loads_its_sample_and_exports_its_chapters(qgis_app, qgis_processing, tmp_path):
    from qgis import processing
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback, QgsProject

    from trafficking_routes.processing.algorithms.chapter_maps import ChapterMaps
    from trafficking_routes.processing.algorithms.load_tracker_export import LoadTrackerExport
    from trafficking_routes.processing.algorithms.regional_summary import RegionalSummary
    from trafficking_routes.routes_plugin.core.countries import pack

    hoa = pack("HOA")
    gpkg = tmp_path / "routes.gpkg"
    loaded = processing.run(LoadTrackerExport(), {"INPUT": str(hoa.sample), "OUTPUT": str(gpkg), "COUNTRY": "HOA"})
    assert loaded["ROWS_IN"] == loaded["ROWS_MAPPED"] + loaded["ROWS_REJECTED"] and loaded["ROWS_REJECTED"] == 0
    points = f"{gpkg}|layername=route_points"
    summary_gpkg = tmp_path / "summary.gpkg"
    processing.run(RegionalSummary(), {
        "INPUT": points, "COUNTRY": "HOA", "SUPPRESS_BELOW": 5,
        "OUTPUT": f"ogr:dbname='{summary_gpkg}' table=\"summary\" (geom)",
        "OUTPUT_BREAKDOWN": f"ogr:dbname='{summary_gpkg}' table=\"breakdown\" (geom)",
        "OUTPUT_POLYGONS": str(tmp_path / "risk.gpkg")})
    # the chapters are countries: routes touching each, counted independently from route_points
    codes = {"DJI": "Djibouti", "ERI": "Eritrea", "ETH": "Ethiopia", "KEN": "Kenya", "SOM": "Somalia",
             "SSD": "S. Sudan", "SDN": "Sudan", "UGA": "Uganda"}
    touching = defaultdict(set)
    with sqlite3.connect(gpkg) as db:
        for rid, country in db.execute("select route_id, country from route_points"):
            if country in codes:
                touching[codes[country]].add(rid)
    with sqlite3.connect(summary_gpkg) as db:
        rows = dict(db.execute("select region, routes_any from summary").fetchall())
    # the national row of a regional pack: the routes with a stop in any of its countries
    national = rows.pop("total")
    assert national == len(set().union(*touching.values()))
    assert set(rows) == set(codes.values())
    for region, n in rows.items():
        expected = len(touching[region])
        assert (n == expected) if expected >= 5 else n is None, (region, n, expected)
    assert sum(1 for n in rows.values() if n) >= 5

    folder = tmp_path / "chapters"
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    for language in (0, 1):
        alg = ChapterMaps()
        alg.initAlgorithm()
        result = alg.processAlgorithm({
            "ROUTE_POINTS": points, "COUNTRY": "HOA", "SUPPRESS_BELOW": 5,
            "SUMMARY": f"{summary_gpkg}|layername=summary", "BREAKDOWN": f"{summary_gpkg}|layername=breakdown",
            "LANGUAGE": language, "FORMAT": 2 if language else 0, "DPI": 80, "OUTPUT_FOLDER": str(folder)},
            context, QgsProcessingFeedback())
        assert result["CHAPTERS"] == 8
    text = _pdf_text(folder / "chapter_s_sudan_sw.pdf")
    assert "Njia za usafirishaji haramu wa binadamu: Sudan Kusini" in text and "Kipimo" in text
    english = _pdf_text(folder / "chapter_ethiopia_en.pdf")
    print(english)
    assert "Trafficking routes: Ethiopia" in english and "Routes starting here" in english
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(folder / "chapter_ethiopia_sw.png", SCREENSHOTS / "country_pack_hoa_ethiopia_sw.png")
