"""routes:report in a real QGIS on the bundled sample: both PDFs (pdftotext), their pages and
chapters in each language, the small-count rule on every printed table cell and generated
sentence (layout API), the optional "What changed" page, charts that refuse a small count,
clear errors. Page images for people to look at go to build/screenshots/."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "routes_plugin" / "data" / "sample" / "kenya_routes_synthetic.csv"
SCREENSHOTS = REPO / "build" / "screenshots"
REGIONS = ("Coast", "Rift Valley", "Eastern", "Western", "Nairobi", "Central", "North-Eastern", "Nyanza")

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")


def _run(alg, params):
    from qgis import processing

    return processing.run(alg, params)


@pytest.fixture(scope="module")
def demo(tmp_path_factory, qgis_app, qgis_processing):
    """The sample loaded and its crossings made, as the shipped model does."""
    from trafficking_routes.processing.algorithms.border_crossings import BorderCrossings
    from trafficking_routes.routes_plugin.core.loader import load_export

    folder = tmp_path_factory.mktemp("report")
    gpkg = folder / "routes.gpkg"
    load_export(str(SAMPLE), output=str(gpkg), overrides=str(SAMPLE.with_name("overrides.csv")))
    crossings = folder / "crossings.gpkg"
    _run(BorderCrossings(), {"INPUT": f"{gpkg}|layername=route_legs", "SUPPRESS_BELOW": 5, "OUTPUT": str(crossings)})
    return {"folder": folder, "gpkg": gpkg, "crossings": crossings}


@pytest.fixture(scope="module")
def reports(demo):
    from trafficking_routes.processing.algorithms.report import Report

    out = demo["folder"] / "out"
    res = _run(Report(), {"ROUTES": str(demo["gpkg"]), "CROSSINGS": str(demo["crossings"]), "SUPPRESS_BELOW": 5,
                          "LANGUAGE": 2, "DPI": 72, "EXPORT": str(SAMPLE), "OUTPUT": str(out)})
    return res


def _text(path) -> str:
    raw = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    import unicodedata

    return " ".join(unicodedata.normalize("NFKC", raw).split())  # ligatures (ﬀ, ﬁ) as letters


def _pages(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))


@pytest.mark.parametrize("lang", ["en", "sw"])
def test_report_pages_chapters_and_regions(reports, lang):
    from trafficking_routes.routes_plugin.core import texts

    pdf = Path(reports[f"REPORT_{lang.upper()}"])
    assert pdf.name == f"report_{lang}.pdf" and pdf.is_file()
    pages = _pages(pdf)
    assert pages >= 20 and pages == reports["PAGES"]
    text = _text(pdf)
    for key in ("contents", "ch_overview", "ch_regions", "ch_transit", "ch_air", "ch_recruitment", "ch_about",
                "disclaimer"):
        assert texts.text(key, lang) in text, key
    assert texts.text("report_title", lang, country="Kenya") in text
    for region in REGIONS:
        assert texts.text("ch_region_charts", lang, region=texts.region_name(region, lang)) in text, region
    if lang == "sw":  # Swahili names where they differ: regions, countries (CLDR), categories
        for word in ("Pwani", "Bonde la Ufa", "Kaskazini Mashariki", "Saudia", "Falme za Kiarabu", "Ahadi ya kazi"):
            assert word in text, word
        assert "What changed" not in text and "Top destination countries" not in text
    else:
        assert "United Arab Emirates" in text and "False job offer" in text
    # period from the data's years, organisations counted (12 synthetic CSOs), never named
    assert "2016–2020" in text and "12" in text and "Synthetic CSO" not in text
    assert not re.search(r"\d\.\d{3,}", text), re.search(r".{30}\d\.\d{3,}.{10}", text)  # no raw float
    assert "What changed" not in text and texts.text("ch_changes", lang, year="2020") not in text
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for page in (1, 3, 6):
        subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", str(page), "-l", str(page), "-singlefile", str(pdf),
                        str(SCREENSHOTS / f"report_{lang}_p{page}")], check=True)


def _layouts(demo, threshold, lang="en", previous=None):
    """The report's page layouts, made by the driver from what routes:report reads."""
    import pyogrio
    from qgis.core import QgsProject, QgsVectorLayer

    from trafficking_routes.processing.algorithms.report import summarise
    from trafficking_routes.routes_plugin.layouts.report import Report, ReportInputs

    gpkg = str(demo["gpkg"])
    frames = {n: pyogrio.read_dataframe(gpkg, layer=n) for n in ("route_points", "route_legs", "route_lines")}
    summary, figures, points, regions = summarise(frames["route_points"], frames["route_legs"],
                                                  frames["route_lines"], None, "name", threshold)
    crossings = QgsVectorLayer(str(demo["crossings"]), "crossings", "ogr")
    inputs = ReportInputs(points=points, legs=frames["route_legs"], lines=frames["route_lines"], summary=summary,
                          figures=figures, regions=regions, name_field="name", chapter_data={"crossings": crossings},
                          crossings=crossings, previous=previous, previous_year="2019" if previous is not None else None)
    driver = Report(QgsProject.instance(), inputs, lang, demo["folder"] / f"work_{threshold}_{lang}")
    return driver, driver.build()


def test_about_page_states_the_disclosure_log(reports, demo):
    """Issue 16: the report's log (its summary, the crossings' log written beside them, its own lists) is written
    beside each PDF and its figures are printed on "About the data", in both languages."""
    import json

    from trafficking_routes.routes_plugin.core.publication import disclosure_statement, read_disclosure_log

    assert (demo["crossings"].parent / (demo["crossings"].name + ".disclosure.json")).is_file()
    for lang, words in (("en", "further figures were withheld"), ("sw", "zimefichwa")):
        pdf = Path(reports[f"REPORT_{lang.upper()}"])
        side = pdf.with_name(pdf.name + ".disclosure.json")
        log = read_disclosure_log(side)
        assert {"regional summary", "border crossings", "report lists and tables"} <= set(log["table"])
        assert log["complementary"].sum() > 0 and (log["threshold"] == 5).all()
        assert json.loads(side.read_text(encoding="utf-8"))[0]["withheld_cells"] is not None
        text = _text(pdf)
        assert words in text
        statement = " ".join(disclosure_statement(log, lang).split())
        assert statement.split(".")[0] in text  # the first sentence, with the log's numbers


def test_no_count_below_the_threshold_on_any_page(demo):
    """At a threshold of 10 the sample has many counts of 5–9 (corridors, transit points, airlines):
    none may reach a table cell, a generated sentence or a chart."""
    from qgis.core import QgsLayoutFrame, QgsLayoutItemLabel, QgsLayoutItemPicture

    threshold = 10
    driver, layouts = _layouts(demo, threshold)
    cells = sentences = charts = 0
    for layout in layouts:
        for item in layout.items():
            if isinstance(item, QgsLayoutFrame) and item.id() != "contents_table":
                table = item.multiFrame()
                for row in table.contents():
                    for cell in row[1:]:  # the first column names what is counted
                        cells += 1
                        for n in re.findall(r"(?<![<\d.])\d+(?![.\d])", str(cell)):
                            assert not 0 < int(n) < threshold, (layout.name(), item.id(), row)
            elif isinstance(item, QgsLayoutItemLabel) and item.id() == "text":
                sentences += 1
                for n in re.findall(r"(?<![<\d])\d+", item.text()):
                    assert not 0 < int(n) < threshold or f"than {n}" in item.text(), item.text()
            elif isinstance(item, QgsLayoutItemPicture) and item.id().startswith("chart_") and item.isVisible():
                svg = Path(item.picturePath()).read_text(encoding="utf-8")
                charts += 1
                # bar values are printed at the bar ends (font-size 7px); none below the threshold
                for n in re.findall(r"font-size: 7px[^>]*>\s*(\d+)\s*<", svg):
                    assert int(n) >= threshold, (layout.name(), item.id(), n)
    assert cells > 200 and sentences == 8 and charts >= 30
    # what was withheld is counted for "About the data", and said there
    about = [i for i in layouts[-1].items() if isinstance(i, QgsLayoutItemLabel) and i.id() == "body_right"][0]
    assert driver.withheld() > 0 and f" {driver.withheld()} " in about.text()


def test_generated_text_says_what_the_numbers_show(demo):
    from qgis.core import QgsLayoutItemLabel

    _driver, layouts = _layouts(demo, 5)
    texts_ = [i.text() for lay in layouts for i in lay.items() if isinstance(i, QgsLayoutItemLabel) and i.id() == "text"]
    coast = next(t for t in texts_ if "touch Coast" in t)
    # Kilifi is the most frequent origin in Coast but not a majority: "most often", never "Most routes"
    assert "most often begin in Kilifi" in coast and "Most routes reported in Coast" not in coast
    assert "Mombasa" in coast and "domestic servitude" in coast


def test_what_changed_page_only_with_a_previous_round(demo):
    import pyogrio
    from qgis.core import QgsLayoutItemLabel

    lines = pyogrio.read_dataframe(str(demo["gpkg"]), layer="route_lines")
    before = lines[lines["final_country"] != "THA"]  # a round without the routes to Thailand
    _d, without = _layouts(demo, 5)
    _d, layouts = _layouts(demo, 5, previous=before)
    assert len(layouts) == len(without) + 1
    titles = [i.text() for lay in layouts for i in lay.items() if isinstance(i, QgsLayoutItemLabel) and i.id() == "title"]
    assert "What changed since 2019" in titles
    page = next(lay for lay in layouts if any(getattr(i, "text", lambda: "")() == "What changed since 2019"
                                             for i in lay.items() if isinstance(i, QgsLayoutItemLabel)))
    body = next(i.text() for i in page.items() if isinstance(i, QgsLayoutItemLabel) and i.id() == "body_left")
    thailand = lines.loc[lines["final_country"] == "THA", "route_id"].nunique()
    assert thailand >= 5 and f"New destination countries: Thailand ({thailand})." in body


def test_chart_refuses_a_small_count(tmp_path):
    from trafficking_routes.routes_plugin.layouts.charts import ChartError, bar_chart

    with pytest.raises(ChartError, match="below the threshold 5"):
        bar_chart([("Busia", 31, False), ("Rongo", 3, False)], tmp_path / "c.svg", "Transit points", "en", 5)
    svg = bar_chart([("Busia", 31, False)], tmp_path / "ok.svg", "Maeneo ya kupitia", "sw", 5).read_text()
    assert "Maeneo ya kupitia" in svg and "njia zilizoripotiwa" in svg and "font:" not in svg
    ticks = re.findall(r"font-size: 7.5px[^>]*text-anchor: middle\"[^>]*>\s*(\d+)\s*<", svg)
    assert ticks and all(int(t) == 0 or int(t) >= 5 for t in ticks), ticks  # axis steps of at least the threshold


def test_bad_input_is_a_clear_error(demo, tmp_path):
    from qgis.core import QgsProcessingException

    from trafficking_routes.processing.algorithms.report import Report

    other = tmp_path / "other.gpkg"
    shutil.copy(demo["crossings"], other)
    with pytest.raises(QgsProcessingException, match="has no route_points layer"):
        _run(Report(), {"ROUTES": str(other), "LANGUAGE": 0, "OUTPUT": str(tmp_path / "out")})
    with pytest.raises(QgsProcessingException, match="does not exist"):
        _run(Report(), {"ROUTES": str(tmp_path / "missing.gpkg"), "LANGUAGE": 0, "OUTPUT": str(tmp_path / "o")})
