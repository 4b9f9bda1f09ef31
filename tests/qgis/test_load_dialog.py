"""The load dialog, tried as a new user would (issue 12): preview through the core load,
problems in reading order, the suggestion column in view, the algorithm's options, a
column assigned and saved as a profile, the warning at the top."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXPORTS = REPO / "tests" / "data" / "exports"
SAMPLE = REPO / "routes_plugin" / "data" / "sample" / "kenya_routes_synthetic.xlsx"


@pytest.fixture
def dialog(qgis_app):
    from trafficking_routes.routes_plugin.ui.load_dialog import LoadDialog

    dlg = LoadDialog(None)
    yield dlg
    dlg.close()


def test_preview_uses_the_core_load_and_lists_rejections_first(dialog, qgis_app):
    from qgis.PyQt.QtWidgets import QApplication

    dialog.input.setFilePath(str(SAMPLE))
    assert dialog.sheet.count() == 2 and dialog.sheet.itemText(1) == "routes"   # sheet names offered
    assert dialog.preview()
    assert dialog.result.output is None                      # nothing written
    assert "Header found on row 2" in dialog.status.text()
    problems = dialog.tabs.widget(1)
    assert problems.verticalHeader().isVisible() is False    # one row number: the spreadsheet's
    headers = [problems.horizontalHeaderItem(j).text() for j in range(problems.columnCount())]
    assert headers[:2] == ["Row", "Severity"] and "Suggestions" in headers
    severities = [problems.item(i, 1).text() for i in range(problems.rowCount())]
    assert severities == sorted(severities, key=["rejected", "warning", "skipped"].index)
    first = [problems.item(i, 0).text() for i in range(problems.rowCount()) if severities[i] == "rejected"]
    assert first and first == sorted(first, key=int)
    dialog.show()
    QApplication.processEvents()
    col = headers.index("Suggestions")
    right = problems.columnViewportPosition(col) + 40
    assert 0 <= problems.columnViewportPosition(col) and right <= problems.viewport().width(), \
        "the suggestion column is out of view at the default size"
    rej_with_suggestion = [problems.item(i, col).text() for i in range(problems.rowCount())
                           if severities[i] == "rejected" and problems.item(i, col).text()]
    assert any("Nairobi" in s for s in rej_with_suggestion)


def test_options_match_the_algorithm(dialog):
    from qgis.core import QgsApplication

    dialog.input.setFilePath(str(EXPORTS / "swahili_named_sheet.xlsx"))
    dialog.sheet.setCurrentText("Data za Njia")
    dialog.home.setText("TZA")
    dialog.uncertain.setCurrentIndex(1)
    params = dialog.parameters()
    alg = QgsApplication.processingRegistry().algorithmById("routes:loadtrackerexport")
    if alg is not None:
        names = {p.name() for p in alg.parameterDefinitions()}
        assert set(params) <= names
    assert params["SHEET"] == "Data za Njia" and params["HOME_COUNTRY"] == "TZA" and params["UNCERTAIN"] == 1
    assert dialog.preview() and dialog.result.raw.sheet == "Data za Njia"


def test_alert_on_top_and_a_column_assigned_and_saved(dialog, tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("Origin city,Destination,Caseload\nKisumu,Juba,3\nNakuru,Kampala,2\n", encoding="utf-8")
    dialog.input.setFilePath(str(path))
    assert dialog.preview()
    assert dialog.alert.isVisibleTo(dialog) and "'cases'" in dialog.alert.text() and "Caseload" in dialog.alert.text()
    box = dialog.field_boxes["Caseload"]
    box.setCurrentIndex(box.findData("cases"))
    assert dialog.preview()
    assert dialog.result.raw.column_map["cases"] == "Caseload" and not dialog.alert.isVisibleTo(dialog)
    saved = dialog.save_profile(str(tmp_path / "mine.json"))
    profile = json.loads(Path(saved).read_text(encoding="utf-8"))
    assert profile["fields"] == {"cases": ["Caseload"]} and profile["extends"] == "default"
    assert dialog.parameters()["PROFILE"] == saved
    from trafficking_routes.routes_plugin.core.readers import read_export

    assert read_export(path, profile=saved).column_map["cases"] == "Caseload"


def test_unreadable_file_is_said_at_the_top(dialog):
    dialog.input.setFilePath(str(EXPORTS / "uncertain_header.csv"))
    assert not dialog.preview()
    assert "Cses" in dialog.alert.text() and "cases" in dialog.alert.text()
    dialog.uncertain.setCurrentIndex(1)
    assert dialog.preview() and dialog.result.raw.column_map["cases"] == "Cses"


def test_help_points_into_docs(dialog):
    from trafficking_routes.routes_plugin.ui.load_dialog import HELP_DOC

    assert HELP_DOC.exists() and HELP_DOC.parent.name == "docs"


def test_country_pack_chosen_in_the_dialog_is_the_loads(dialog):
    """The dialog offers every shipped pack (default: the plugin setting), and the preview
    uses what the load will: the pack's home country and its default overrides."""
    from trafficking_routes.routes_plugin.core.countries import packs
    from trafficking_routes.routes_plugin.edge.settings import country_default

    offered = [dialog.country.itemData(i) for i in range(dialog.country.count())]
    assert offered == list(packs()) and dialog.country.currentData() == country_default()
    hoa = packs()["HOA"]
    dialog.input.setFilePath(str(hoa.sample))
    dialog.country.setCurrentIndex(dialog.country.findData("HOA"))
    params = dialog.parameters()
    assert params["COUNTRY"] == "HOA" and params["HOME_COUNTRY"] == ""
    assert dialog.options()["home_country"] == hoa.home_country == "ETH"
    assert dialog.overrides_path() is None                    # the HOA pack has no overrides
    assert dialog.preview()
    report = dialog.result.report
    assert report["rows_in"] == report["rows_mapped"] + report["rows_rejected"] and report["rows_rejected"] == 0
    dialog.country.setCurrentIndex(dialog.country.findData("KEN"))
    assert dialog.overrides_path() == str(packs()["KEN"].overrides)
