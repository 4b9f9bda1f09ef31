"""The shipped model routes:export_to_chapters: an id without spaces, and the regional summary
computed once and passed to the chapters of both languages."""
from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "routes_plugin" / "data" / "sample" / "kenya_routes_synthetic.csv"


def test_model_id_and_one_summary_passed_on(plugin):
    from qgis.core import QgsApplication

    model = QgsApplication.processingRegistry().algorithmById("routes:export_to_chapters")
    assert model is not None and " " not in model.id() and model.displayName() == "Export to chapters"
    children = {c.childId(): c for c in model.childAlgorithms().values()}
    summaries = [c for c in children.values() if c.algorithmId() == "routes:regionalsummary"]
    chapters = [c for c in children.values() if c.algorithmId() in ("routes:chaptermaps", "routes:report")]
    assert len(summaries) == 1 and len(chapters) == 3   # two languages of chapters, one report
    for c in chapters:
        sources = c.parameterSources()
        for param, output in (("SUMMARY", "OUTPUT"), ("BREAKDOWN", "OUTPUT_BREAKDOWN")):
            (source,) = sources[param]
            assert (source.outputChildId(), source.outputName()) == (summaries[0].childId(), output)


def test_model_run_computes_the_summary_once(plugin, tmp_path, monkeypatch):
    from qgis import processing
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback, QgsProject

    from trafficking_routes.routes_plugin.core import summary

    calls = []
    real = summary.regional_summary
    monkeypatch.setattr(summary, "regional_summary", lambda *a, **k: calls.append(1) or real(*a, **k))
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    out = tmp_path / "chapters"
    processing.run("routes:export_to_chapters", {
        "EXPORT": str(SAMPLE), "SUPPRESS_BELOW": 5, "DPI": 72,
        "load:Route layers (GeoPackage)": str(tmp_path / "routes.gpkg"),
        "density:Hotspot density": str(tmp_path / "density.tif"), "flows:Flows": str(tmp_path / "flows.gpkg"),
        "flows:Flow nodes": str(tmp_path / "nodes.gpkg"), "crossings:Border crossings": str(tmp_path / "x.gpkg"),
        "summary:Regional summary": str(tmp_path / "summary.gpkg"),
        "summary:Regional risk": str(tmp_path / "risk.gpkg"),
        "chapters_en:Chapters (English)": str(out), "chapters_sw:Chapters (Kiswahili)": str(out),
        "report:Report": str(tmp_path / "report")},
        context=context, feedback=QgsProcessingFeedback())
    assert calls == [1]
    assert len(list(out.glob("chapter_*_en.pdf"))) == len(list(out.glob("chapter_*_sw.pdf"))) == 8
    assert (tmp_path / "report" / "report_en.pdf").is_file() and (tmp_path / "report" / "report_sw.pdf").is_file()
