"""Plugins → Trafficking Routes → Load tracker export…

Pick a file, preview how its columns map to the export fields and which
places are not matched — before anything is written — then run
``routes:loadtrackerexport`` in Processing's own dialog (progress, cancel,
log) with the choices filled in.
"""
from __future__ import annotations

from qgis.core import QgsApplication
from qgis.gui import QgsFileWidget
from qgis.PyQt.QtCore import QCoreApplication, Qt
from qgis.PyQt.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
)

ALG_ID = "routes:loadtrackerexport"
PREVIEW_ROWS = 5000


def tr(text: str) -> str:
    return QCoreApplication.translate("LoadDialog", text)


def _table(headers, rows) -> QTableWidget:
    t = QTableWidget(len(rows), len(headers))
    t.setHorizontalHeaderLabels(headers)
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            item = QTableWidgetItem("" if v is None or v != v else str(v))  # None and NaN show empty
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            t.setItem(i, j, item)
    t.resizeColumnsToContents()
    return t


class LoadDialog(QDialog):
    def __init__(self, iface, parent=None):
        super().__init__(parent)
        self.iface = iface
        self.setWindowTitle(tr("Load tracker export"))
        self.resize(820, 560)
        form = QFormLayout()
        self.input = QgsFileWidget()
        self.input.setFilter(tr("Route exports (*.csv *.tsv *.txt *.xlsx);;All files (*.*)"))
        self.input.setToolTip(tr("The export file: one row per reported route (CSV or XLSX)."))
        form.addRow(tr("Export file"), self.input)
        self.profile = QgsFileWidget()
        self.profile.setFilter(tr("Column profiles (*.json)"))
        self.profile.setToolTip(tr("Optional: maps your headers to fields. Empty = default (English and Swahili headers)."))
        form.addRow(tr("Column profile"), self.profile)
        self.overrides = QgsFileWidget()
        self.overrides.setFilter(tr("CSV (*.csv)"))
        self.overrides.setToolTip(tr("Optional: your own places (name, country, lat, lon), which win over the gazetteer."))
        form.addRow(tr("Place overrides"), self.overrides)
        self.unresolved = QComboBox()
        self.unresolved.addItems([tr("Reject the row"), tr("Keep the place at country level (flagged)")])
        self.unresolved.setToolTip(tr("What to do with a place that is unknown or matches several places."))
        form.addRow(tr("Unknown places"), self.unresolved)
        self.identifying = QCheckBox(tr("Include reporting organisation and notes in the layers"))
        self.identifying.setToolTip(tr("These columns can identify people and partners; off by default."))
        form.addRow("", self.identifying)
        self.output = QgsFileWidget()
        self.output.setStorageMode(QgsFileWidget.StorageMode.SaveFile)
        self.output.setFilter(tr("GeoPackage (*.gpkg)"))
        self.output.setToolTip(tr("GeoPackage that receives the five layers."))
        form.addRow(tr("Output GeoPackage"), self.output)

        self.preview_button = QPushButton(tr("Preview"))
        self.preview_button.setObjectName("routesPreview")
        self.preview_button.clicked.connect(self.preview)
        self.status = QLabel(tr("Choose an export file, then Preview."))
        self.status.setWordWrap(True)
        self.tabs = QTabWidget()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.run_button = buttons.addButton(tr("Load…"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.run_button.setObjectName("routesLoad")
        buttons.accepted.connect(self.run)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.preview_button)
        layout.addWidget(self.status)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)

    # -- preview: the core, on the first rows, nothing written
    def preview(self):
        from ..core.gazetteer import Gazetteer
        from ..core.layers import rejected_rows
        from ..core.readers import ReadError, read_export
        from ..core.routes import parse_routes

        path = self.input.filePath()
        if not path:
            self.status.setText(tr("Choose an export file first."))
            return False
        QgsApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            raw = read_export(path, profile=self.profile.filePath() or None)
            shown = raw.rows_read
            if len(raw.frame) > PREVIEW_ROWS:
                raw.frame = raw.frame.head(PREVIEW_ROWS)
                raw.rows_read = PREVIEW_ROWS
            gaz = Gazetteer.load(overrides=self.overrides.filePath() or None)
            journeys = parse_routes(raw, gaz, unresolved=("reject", "country")[self.unresolved.currentIndex()])
        except ReadError as e:
            self.status.setText(str(e))
            return False
        finally:
            QgsApplication.restoreOverrideCursor()
        acc = journeys.accounting()
        self.status.setText(tr("{0} rows in the file ({1}); previewing {2}: {3} would be mapped, {4} rejected.").format(
            shown, raw.fmt, acc["rows_in"], acc["rows_mapped"], acc["rows_rejected"]))
        self.tabs.clear()
        mapping = [(field, header) for field, header in raw.column_map.items()]
        mapping += [("(not written)", h) for h in raw.unmapped]
        self.tabs.addTab(_table([tr("Field"), tr("Column in the file")], mapping), tr("Column mapping"))
        rej = rejected_rows(journeys)
        self.tabs.addTab(_table([tr("Row"), tr("Column"), tr("Value"), tr("Reason"), tr("Suggestions"), tr("Severity")],
                                rej[["source_row", "column", "value", "reason", "suggestions", "severity"]].values.tolist()),
                         tr("Unmatched places and problems ({0})").format(len(rej)))
        return True

    # -- run: Processing's dialog, pre-filled
    def parameters(self) -> dict:
        return {
            "INPUT": self.input.filePath(),
            "PROFILE": self.profile.filePath() or None,
            "OVERRIDES": self.overrides.filePath() or None,
            "UNRESOLVED": self.unresolved.currentIndex(),
            "INCLUDE_IDENTIFYING": self.identifying.isChecked(),
            "OUTPUT": self.output.filePath() or "TEMPORARY_OUTPUT",
        }

    def run(self):
        if not self.input.filePath():
            QMessageBox.warning(self, self.windowTitle(), tr("Choose an export file first."))
            return
        from qgis import processing

        self.accept()
        processing.execAlgorithmDialog(ALG_ID, self.parameters())
