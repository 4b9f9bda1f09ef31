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
    from qgis import processing

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


# ------------------------------------------------------------ regional maps ---

COAST_TOWNS = ("Mombasa", "Malindi", "Kilifi", "Lamu", "Kwale", "Voi", "Ukunda", "Watamu", "Mtwapa", "Hola")


@pytest.fixture(scope="module")
def all_chapters(routes_gpkg, tmp_path_factory):
    """Every region's chapter in English (and Coast and North-Eastern in Kiswahili)."""
    from qgis.core import QgsProject

    from trafficking_routes.processing.algorithms.chapter_maps import ChapterMaps

    out = tmp_path_factory.mktemp("all_chapters")
    en = _run(ChapterMaps(), {"ROUTE_POINTS": _points(routes_gpkg), "DPI": 72, "OUTPUT_FOLDER": str(out)})
    sw = _run(ChapterMaps(), {"ROUTE_POINTS": _points(routes_gpkg), "REGION_NAMES": "Coast,North-Eastern",
                              "LANGUAGE": 1, "DPI": 72, "OUTPUT_FOLDER": str(out)})
    layouts = [lay for lay in QgsProject.instance().layoutManager().printLayouts()
               if lay.name().startswith(("Chapter – ", "Sura – "))]
    # the project is cleared between tests: look at the layouts now
    return out, en, sw, {lay.name(): _layout_problems(lay) for lay in layouts}


def _text(path) -> str:
    import unicodedata

    return " ".join(unicodedata.normalize("NFKC", _pdf_text(path)).split())  # NFKC: ligatures (ﬃ) to letters


def test_regional_maps_label_towns_legends_and_disclaimer(all_chapters):
    out, en, sw, _ = all_chapters
    assert en["CHAPTERS"] == 8 and sw["CHAPTERS"] == 2
    coast = _text(out / "chapter_coast_en.pdf")
    found = [t for t in COAST_TOWNS if t in coast]
    assert len(found) >= 3, found
    for words in ("Legs over land (width: routes)", "Places on the routes", "Mostly origin", "Mostly transit",
                  "5–9 routes", "or more routes", "Main towns",
                  "Boundaries and names shown and the designations used on this map do not imply official"):
        assert words in coast, words
    assert "by air to" in coast and "Saudi Arabia (" in coast  # flights leave the frame as labelled arrows
    assert "Destinations abroad (routes)" in coast  # and the destinations inset shows where they go
    western = _text(out / "chapter_western_en.pdf")
    assert "Busia (" in western and "Malaba (" in western and "Land-border crossings (routes)" in western
    pwani = _text(out / "chapter_coast_sw.pdf")
    for words in ("Safari za nchi kavu (upana: njia)", "Hasa mwanzo", "njia", "au zaidi",
                  "Mipaka na majina yaliyoonyeshwa", "kwa ndege kwenda", "Saudia (",
                  "Mwisho wa njia nje ya nchi (njia)"):
        assert words in pwani, words


def test_north_eastern_shows_no_flight_as_a_land_crossing(all_chapters):
    out, *_ = all_chapters
    for lang in ("en", "sw"):
        text = _text(out / f"chapter_north_eastern_{lang}.pdf")
        for pair in ("KEN–SAU", "KEN–QAT", "ARE–KEN", "Saudi Arabia (", "Qatar (", "Kenya–Saudi"):
            assert pair not in text, (lang, pair)


def test_no_chapter_prints_a_raw_float(all_chapters):
    import re

    out, *_ = all_chapters
    pdfs = sorted(out.glob("chapter_*.pdf"))
    assert len(pdfs) == 10
    for pdf in pdfs:
        raw = re.findall(r"\d\.\d{3,}", _pdf_text(pdf))
        assert not raw, (pdf.name, raw)


def _visible_items(layout):
    from qgis.core import QgsLayoutFrame, QgsLayoutItem, QgsLayoutItemPage

    return [i for i in layout.items() if isinstance(i, QgsLayoutItem) and not isinstance(i, QgsLayoutItemPage)
            and i.isVisible() and (i.id() or isinstance(i, QgsLayoutFrame))]


def _layout_problems(layout) -> dict:
    """Overlapping items, labels over each other or outside the frame, a label twice, and the
    number of labels QGIS's labelling engine places on the main map."""
    from qgis.core import QgsLayoutItemLegend, QgsMapRendererSequentialJob
    from qgis.PyQt.QtCore import QSizeF

    found = {"overlaps": [], "labels": 0, "label_overlaps": [], "outside": [], "twice": [], "legend": False}
    items = _visible_items(layout)
    for i, a in enumerate(items):
        ra = a.sceneBoundingRect().adjusted(0.3, 0.3, -0.3, -0.3)
        for b in items[i + 1:]:
            if ra.intersects(b.sceneBoundingRect().adjusted(0.3, 0.3, -0.3, -0.3)):
                found["overlaps"].append((a.id() or a.displayName(), b.id() or b.displayName()))
    main = layout.itemById("map_main")
    if not main.isVisible():
        return found
    legend = next(i for i in items if isinstance(i, QgsLayoutItemLegend))
    found["legend"] = main.sceneBoundingRect().intersects(legend.sceneBoundingRect())
    dpi = 150
    settings = main.mapSettings(main.extent(), QSizeF(main.rect().width() * dpi / 25.4,
                                                      main.rect().height() * dpi / 25.4), dpi, True)
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    every = job.takeLabelingResults().allLabels()
    labels = [lab for lab in every if not lab.isUnplaced]
    found["unplaced"] = [lab.labelText for lab in every if lab.isUnplaced]
    found["labels"] = len(labels)
    extent = main.extent()
    rects = [lab.labelRect for lab in labels]
    for k, r in enumerate(rects):
        if not extent.contains(r):
            found["outside"].append(labels[k].labelText)
        for m in range(k + 1, len(rects)):
            overlap = r.intersect(rects[m])
            if not overlap.isEmpty() and overlap.area() > 1e-4 * min(r.area(), rects[m].area()):
                found["label_overlaps"].append((labels[k].labelText, labels[m].labelText,
                                                round(overlap.area() / min(r.area(), rects[m].area()), 3)))
    texts = [lab.labelText for lab in labels]
    found["twice"] = sorted({t for t in texts if texts.count(t) > 1})
    return found


def test_layout_items_do_not_overlap_and_labels_stay_apart(all_chapters):
    *_, problems = all_chapters
    assert len(problems) >= 10
    for name, found in problems.items():
        assert not found["overlaps"], (name, found["overlaps"])
        assert not found["legend"], name  # the legend is off the map: no label can cover it
        assert found["labels"] >= 3, (name, found["labels"])
        assert not found["label_overlaps"], (name, found["label_overlaps"])
        assert not found["outside"], (name, found["outside"])
        assert not found["twice"], (name, found["twice"])
        # counts and routes leaving the map are never dropped for want of room (towns may be)
        lost = [t for t in found["unplaced"] if "(" in t]
        assert not lost, (name, lost)
