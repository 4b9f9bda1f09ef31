"""routes:regionalsummary and routes:chaptermaps in a real QGIS: PDFs in English and Swahili,
their text (pdftotext), a rendered page for people to look at (build/screenshots/), bad input."""
from __future__ import annotations

import shutil
import sqlite3
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "routes_plugin" / "data" / "sample" / "kenya_routes_synthetic.csv"
SCREENSHOTS = REPO / "build" / "screenshots"

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")


@pytest.fixture(scope="module")
def routes_gpkg(tmp_path_factory, qgis_app, qgis_processing):
    from trafficking_routes.routes_plugin.core.loader import load_export

    out = tmp_path_factory.mktemp("chapters") / "routes.gpkg"
    load_export(str(SAMPLE), output=str(out))
    return out


def _points(gpkg):
    return f"{gpkg}|layername=route_points"


def _run(alg, params):
    import processing

    return processing.run(alg, params)


def _pdf_text(path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def _pages(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))


def test_summary_table_matches_route_points(routes_gpkg, tmp_path):
    from trafficking_routes.processing.algorithms.regional_summary import RegionalSummary

    out = tmp_path / "summary.gpkg"
    res = _run(RegionalSummary(), {"INPUT": _points(routes_gpkg), "SUPPRESS_BELOW": 0,
                                   "OUTPUT": f"ogr:dbname='{out}' table=\"summary\" (geom)",
                                   "OUTPUT_POLYGONS": str(tmp_path / "risk.gpkg"),
                                   "OUTPUT_BREAKDOWN": "TEMPORARY_OUTPUT", "OUTPUT_AIRLINES": "TEMPORARY_OUTPUT",
                                   "OUTPUT_RECRUITMENT": "TEMPORARY_OUTPUT"})
    assert Path(res["OUTPUT_POLYGONS"]).exists()
    sets = defaultdict(set)
    with sqlite3.connect(routes_gpkg) as db:
        for rid, role, region, country in db.execute("select route_id, role, region, country from route_points"):
            if country == "KEN" and region:
                sets[(region, "any")].add(rid)
                sets[(region, {"origin": "origin", "transit": "transit"}.get(role, "end"))].add(rid)
    with sqlite3.connect(out) as db:
        rows = db.execute("select region, routes_any, routes_origin, routes_transit, routes_end from summary "
                          "where region != 'total'").fetchall()  # the national row (issue 16) is last
        national = db.execute("select routes_any from summary where region = 'total'").fetchone()[0]
    assert len(rows) == 8 and national >= max(r[1] for r in rows)
    for region, *counts in rows:
        assert counts == [len(sets[(region, k)]) for k in ("any", "origin", "transit", "end")], region
    with sqlite3.connect(res["OUTPUT_POLYGONS"]) as db:
        assert db.execute("select count(*) from gpkg_contents").fetchone()[0] == 1


@pytest.mark.parametrize("language,words", [
    (0, ["Trafficking routes: Coast", "Measure", "Routes starting here", "Road", "Counts below 5 are suppressed"]),
    (1, ["Njia za usafirishaji haramu wa binadamu: Pwani", "Kipimo", "Njia zinazoanzia hapa", "Barabara",
         "Idadi chini ya 5 zimefichwa"]),
])
def test_chapters_in_each_language(routes_gpkg, tmp_path, language, words):
    from qgis.core import QgsProject

    from trafficking_routes.processing.algorithms.chapter_maps import ChapterMaps

    lang = ("en", "sw")[language]
    res = _run(ChapterMaps(), {"ROUTE_POINTS": _points(routes_gpkg), "REGION_NAMES": "Coast, Nairobi",
                               "LANGUAGE": language, "FORMAT": 2, "DPI": 100, "COMBINED_PDF": True,
                               "OUTPUT_FOLDER": str(tmp_path)})
    pdf = tmp_path / f"chapter_coast_{lang}.pdf"
    assert res["CHAPTERS"] == 2 and pdf.exists() and (tmp_path / f"chapter_nairobi_{lang}.png").exists()
    assert _pages(pdf) == 1 and _pages(res["COMBINED"]) == 2
    text = " ".join(_pdf_text(pdf).split()).replace("ﬁ", "fi").replace("ﬃ", "ffi")
    for w in words:
        assert w in text, w
    assert "Nairobi" in _pdf_text(res["COMBINED"])
    name = {"en": "Chapter – Coast (English)", "sw": "Sura – Pwani (Kiswahili)"}[lang]
    assert QgsProject.instance().layoutManager().layoutByName(name) is not None
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-singlefile", str(pdf), str(SCREENSHOTS / f"chapter_coast_{lang}")],
                   check=True)
    assert (SCREENSHOTS / f"chapter_coast_{lang}.png").stat().st_size > 10_000


def test_region_without_data_says_so(routes_gpkg, tmp_path):
    from qgis.core import QgsVectorLayer

    from trafficking_routes.processing.algorithms.chapter_maps import ChapterMaps

    points = QgsVectorLayer(_points(routes_gpkg), "route_points", "ogr")
    points.setSubsetString("\"region\" <> 'Central'")
    res = _run(ChapterMaps(), {"ROUTE_POINTS": points, "REGION_NAMES": "Central", "DPI": 72,
                               "OUTPUT_FOLDER": str(tmp_path)})
    text = " ".join(_pdf_text(tmp_path / "chapter_central_en.pdf").split())
    assert res["CHAPTERS"] == 1 and "No routes were reported in Central" in text


def test_bad_input_is_a_clear_error(routes_gpkg, tmp_path):
    from qgis.core import QgsProcessingException

    from trafficking_routes.processing.algorithms.chapter_maps import ChapterMaps

    base = {"ROUTE_POINTS": _points(routes_gpkg), "REGION_NAMES": "Coast", "DPI": 72, "OUTPUT_FOLDER": str(tmp_path)}
    world = "/usr/share/qgis/resources/data/world_map.gpkg|layername=states_provinces"
    with pytest.raises(QgsProcessingException, match="no field 'province'"):
        _run(ChapterMaps(), dict(base, REGIONS=world, REGION_FIELD="province"))
    with pytest.raises(QgsProcessingException, match="missing.qpt does not exist"):
        _run(ChapterMaps(), dict(base, TEMPLATE=str(tmp_path / "missing.qpt")))
    with pytest.raises(QgsProcessingException, match="No region named Atlantis"):
        _run(ChapterMaps(), dict(base, REGION_NAMES="Atlantis"))
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    with pytest.raises(QgsProcessingException, match="Cannot write to the output folder"):
        _run(ChapterMaps(), dict(base, OUTPUT_FOLDER=str(blocker / "chapters")))
    # the second chapter cannot be written: the first one is kept and named
    (tmp_path / "chapter_nairobi_en.pdf").mkdir()
    with pytest.raises(QgsProcessingException, match="Chapter Nairobi.*kept: chapter_coast_en.pdf"):
        _run(ChapterMaps(), dict(base, REGION_NAMES="Coast,Nairobi"))
    assert _pages(tmp_path / "chapter_coast_en.pdf") == 1
