"""Plugins → Trafficking Routes → Load tracker export…

Pick a file, preview — through the core ``load_export`` itself, on the first
rows, nothing written — how its columns map to the export fields and which
places are not matched; assign any unmatched column to a field (and save that
as a column profile); then run ``routes:loadtrackerexport`` in Processing's
own dialog (progress, cancel, log) with the same choices filled in.
"""
from __future__ import annotations

import json
from pathlib import Path

from qgis.core import QgsApplication
from qgis.gui import QgsFileWidget
from qgis.PyQt.QtCore import QCoreApplication, Qt, QUrl
from qgis.PyQt.QtGui import QDesktopServices
from qgis.PyQt.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

ALG_ID = "routes:loadtrackerexport"
PREVIEW_ROWS = 5000
HELP_DOC = Path(__file__).resolve().parents[2] / "docs" / "export-format.md"
#: as the algorithm's FORMAT and UNCERTAIN enums (same order)
FORMATS = ("auto", "csv", "xlsx", "htcds", "ctdc", "ctdc_vp")
UNCERTAIN = ("stop", "map")
SEVERITY_ORDER = {"error": 0, "rejected": 1, "warning": 2, "skipped": 3}


def tr(text: str) -> str:
    return QCoreApplication.translate("LoadDialog", text)


def _table(headers, rows, stretch: int | None = None, widths: dict | None = None) -> QTableWidget:
    t = QTableWidget(len(rows), len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.verticalHeader().setVisible(False)          # one row number: the spreadsheet's, in a column
    t.setWordWrap(True)
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            item = QTableWidgetItem("" if v is None or v != v else str(v))  # None and NaN show empty
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            item.setToolTip(item.text())
            t.setItem(i, j, item)
    t.resizeColumnsToContents()
    header = t.horizontalHeader()
    for j in range(len(headers)):
        limit = (widths or {}).get(j, 220)
        if t.columnWidth(j) > limit:
            t.setColumnWidth(j, limit)
    if stretch is not None:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return t


def problem_rows(rejected_rows) -> list[list]:
    """Problems in reading order for a person: rejected places first (with their
    suggestions), then warnings about cells, then rows skipped as not data."""
    df = rejected_rows.assign(_order=rejected_rows["severity"].map(SEVERITY_ORDER).fillna(9),
                              _row=rejected_rows["source_row"].astype("float").fillna(0))
    df = df.sort_values(["_order", "_row"], kind="stable")
    return df[["source_row", "severity", "column", "value", "suggestions", "reason"]].values.tolist()


class LoadDialog(QDialog):
    def __init__(self, iface, parent=None):
        super().__init__(parent)
        self.iface = iface
        self.result = None
        self.assignments: dict[str, str] = {}      # header -> field, chosen in the mapping tab
        self.setWindowTitle(tr("Load tracker export"))
        self.resize(980, 760)
        form = QFormLayout()
        self.input = QgsFileWidget()
        self.input.setFilter(tr("Route exports (*.csv *.tsv *.txt *.xlsx);;All files (*.*)"))
        self.input.setToolTip(tr("The export file: one row per reported route (CSV or XLSX)."))
        self.input.fileChanged.connect(self._file_changed)
        form.addRow(tr("Export file"), self.input)
        self.sheet = QComboBox()
        self.sheet.setEditable(True)
        self.sheet.setToolTip(tr("XLSX only: the sheet to read. Empty: the sheet whose header best matches the "
                                 "export fields."))
        form.addRow(tr("Sheet"), self.sheet)
        self.format = QComboBox()
        self.format.addItems([tr("Detect from the file"), tr("Tracker export, CSV"), tr("Tracker export, XLSX"),
                              tr("IOM HTCDS historic trafficking events"), tr("CTDC case data (country level)"),
                              tr("CTDC victim-perpetrator file (UN region level)")])
        self.format.setToolTip(tr("Detect from the file (default), or force one of the supported layouts."))
        form.addRow(tr("File format"), self.format)
        self.profile = QgsFileWidget()
        self.profile.setFilter(tr("Column profiles (*.json)"))
        self.profile.setToolTip(tr("Optional: maps your headers to fields. Empty = default (English and Swahili headers)."))
        form.addRow(tr("Column profile"), self.profile)
        self.uncertain = QComboBox()
        self.uncertain.addItems([tr("Stop, naming the column and the field it probably is"),
                                 tr("Map it to that field and warn")])
        self.uncertain.setToolTip(tr("A column whose header only probably names a field (a near miss)."))
        form.addRow(tr("Uncertain column matches"), self.uncertain)
        self.overrides = QgsFileWidget()
        self.overrides.setFilter(tr("CSV (*.csv)"))
        self.overrides.setToolTip(tr("Optional: your own places (name, country, lat, lon), which win over the gazetteer."))
        form.addRow(tr("Place overrides"), self.overrides)
        self.unresolved = QComboBox()
        self.unresolved.addItems([tr("Reject the row"), tr("Keep the place at country level (flagged)")])
        self.unresolved.setToolTip(tr("What to do with a place that is unknown or matches several places."))
        form.addRow(tr("Unknown places"), self.unresolved)
        from ..core.countries import packs
        from ..edge.settings import country_default

        self.country = QComboBox()
        self.country.setObjectName("routesCountry")
        for pack_id, spec in packs().items():
            self.country.addItem(f"{spec.name()} ({pack_id})", pack_id)
        self.country.setCurrentIndex(max(0, self.country.findData(country_default())))
        self.country.setToolTip(tr("The country pack: its home country looks up transit points, its place "
                                   "overrides are used when you give none. Default: the plugin setting."))
        form.addRow(tr("Country pack"), self.country)
        self.home = QLineEdit("")
        self.home.setPlaceholderText(tr("from the country pack"))
        self.home.setToolTip(tr("Transit points are looked up in the origin's country, then in this country "
                                "(ISO code or name), then anywhere."))
        form.addRow(tr("Home country (for transit points)"), self.home)
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
        self.alert = QLabel("")
        self.alert.setObjectName("routesAlert")
        self.alert.setWordWrap(True)
        self.alert.setStyleSheet("color: #b00020; font-weight: bold;")
        self.alert.setVisible(False)
        self.status = QLabel(tr("Choose an export file, then Preview."))
        self.status.setWordWrap(True)
        self.tabs = QTabWidget()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel | QDialogButtonBox.StandardButton.Help)
        self.run_button = buttons.addButton(tr("Load…"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.run_button.setObjectName("routesLoad")
        buttons.accepted.connect(self.run)
        buttons.rejected.connect(self.reject)
        buttons.helpRequested.connect(self.show_help)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.preview_button)
        layout.addWidget(self.alert)
        layout.addWidget(self.status)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)

    # -- inputs
    def _file_changed(self, path):
        """Fill the sheet list from the workbook (names only; nothing else is read)."""
        self.sheet.clear()
        self.sheet.addItem("")
        if path and path.lower().endswith((".xlsx", ".xlsm")):
            try:
                import openpyxl

                wb = openpyxl.load_workbook(path, read_only=True)
                self.sheet.addItems(wb.sheetnames)
                wb.close()
            except Exception:  # a broken workbook: the preview says why
                pass

    def show_help(self):
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(HELP_DOC)))

    def _profile(self):
        """The profile to use: the chosen file (or the default) plus the columns
        assigned in the mapping tab (they come first)."""
        from ..core.readers import load_profile

        base = load_profile(self.profile.filePath() or None)
        if not self.assignments:
            return base
        fields = {f: list(a) for f, a in base["fields"].items()}
        for header, field in self.assignments.items():
            for f in fields:
                fields[f] = [a for a in fields[f] if a != header]
            fields.setdefault(field, []).insert(0, header)
        return {**base, "fields": {f: a for f, a in fields.items() if a}}

    def pack(self):
        from ..core.countries import pack

        return pack(self.country.currentData() or None)

    def options(self) -> dict:
        """The core load's options, as routes:loadtrackerexport sets them from its parameters."""
        sheet = self.sheet.currentText().strip()
        return dict(sheet=int(sheet) if sheet.isdigit() else (sheet or None),
                    fmt=FORMATS[self.format.currentIndex()],
                    uncertain=UNCERTAIN[self.uncertain.currentIndex()],
                    unresolved=("reject", "country")[self.unresolved.currentIndex()],
                    home_country=self.home.text().strip() or self.pack().home_country)

    def overrides_path(self):
        """The overrides chosen, else the country pack's own (as the algorithm does)."""
        country = self.pack()
        return self.overrides.filePath() or (str(country.overrides) if country.overrides else None)

    # -- preview: the core load on the first rows, nothing written
    def preview(self):
        from ..core.loader import load_export
        from ..core.readers import ReadError

        path = self.input.filePath()
        if not path:
            self.status.setText(tr("Choose an export file first."))
            return False
        QgsApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            result = load_export(path, profile=self._profile(), overrides=self.overrides_path(),
                                 row_limit=PREVIEW_ROWS, **self.options())
        except (ReadError, ValueError) as e:
            self.alert.setText(str(e))
            self.alert.setVisible(True)
            self.status.setText(tr("The file could not be read: nothing would be loaded."))
            return False
        finally:
            QgsApplication.restoreOverrideCursor()
        self.result = result
        raw, r = result.raw, result.report
        self.alert.setText("\n".join(a[:1].upper() + a[1:] for a in raw.alerts))
        self.alert.setVisible(bool(raw.alerts))
        notes = " ".join(n[:1].upper() + n[1:] + "." for n in raw.notices)
        self.status.setText(tr("{0} rows previewed ({1}): {2} would be mapped, {3} rejected. {4}").format(
            r["rows_in"], raw.fmt, r["rows_mapped"], r["rows_rejected"], notes))
        self.tabs.clear()
        self.tabs.addTab(self._mapping_tab(raw), tr("Column mapping"))
        rejected_rows = result.layers["rejected_rows"]
        self.tabs.addTab(_table([tr("Row"), tr("Severity"), tr("Column"), tr("Value"), tr("Suggestions"), tr("Reason")],
                                problem_rows(rejected_rows), stretch=5, widths={2: 150, 3: 130, 4: 280}),
                         tr("Unmatched places and problems ({0})").format(len(rejected_rows)))
        return True

    def _mapping_tab(self, raw) -> QWidget:
        from ..core.readers import CANONICAL_FIELDS

        rows = [(header, field, raw.match_kinds.get(field, "")) for field, header in raw.column_map.items()]
        rows += [(h, "", "") for h in raw.unmapped]
        table = QTableWidget(len(rows), 3)
        table.setObjectName("routesMapping")
        table.setHorizontalHeaderLabels([tr("Column in the file"), tr("Field"), tr("How it matched")])
        table.verticalHeader().setVisible(False)
        self.field_boxes: dict[str, QComboBox] = {}
        for i, (header, field, how) in enumerate(rows):
            item = QTableWidgetItem(header)
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            table.setItem(i, 0, item)
            box = QComboBox()
            box.addItem(tr("(not written)"), "")
            for f in CANONICAL_FIELDS:
                box.addItem(f, f)
            box.setCurrentIndex(max(0, box.findData(self.assignments.get(header, field))))
            box.currentIndexChanged.connect(lambda _i, h=header, b=box: self._assign(h, b.currentData()))
            table.setCellWidget(i, 1, box)
            self.field_boxes[header] = box
            how_item = QTableWidgetItem(how or tr("not matched"))
            how_item.setFlags(how_item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            table.setItem(i, 2, how_item)
        table.resizeColumnsToContents()
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        save = QPushButton(tr("Save as profile…"))
        save.setObjectName("routesSaveProfile")
        save.clicked.connect(self.save_profile)
        again = QPushButton(tr("Preview again"))
        again.clicked.connect(self.preview)
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.addWidget(QLabel(tr("Assign any column to a field, preview again, and save the mapping as a column "
                                "profile to reuse it.")))
        lay.addWidget(table, 1)
        row = QHBoxLayout()
        row.addWidget(again)
        row.addWidget(save)
        row.addStretch(1)
        lay.addLayout(row)
        return box

    def _assign(self, header: str, field: str):
        self.assignments[header] = field

    def profile_data(self) -> dict:
        """The profile to save: the assignments over the chosen (or default) profile."""
        chosen = self.profile.filePath()
        fields: dict[str, list[str]] = {}
        for header, field in self.assignments.items():
            if field:
                fields.setdefault(field, []).append(header)
        return {"name": "my-export", "description": "Saved from the load dialog",
                "extends": chosen or "default", "fields": fields or {"notes": []}}

    def save_profile(self, path: str | None = None) -> str | None:
        if not path:
            path, _ = QFileDialog.getSaveFileName(self, tr("Save column profile"), "", tr("Column profiles (*.json)"))
        if not path:
            return None
        if not path.lower().endswith(".json"):
            path += ".json"
        Path(path).write_text(json.dumps(self.profile_data(), indent=1, ensure_ascii=False), encoding="utf-8")
        self.profile.setFilePath(path)
        self.assignments = {}
        return path

    # -- run: Processing's dialog, pre-filled
    def parameters(self) -> dict:
        o = self.options()
        return {
            "INPUT": self.input.filePath(),
            "PROFILE": self.profile.filePath() or None,
            "SHEET": "" if o["sheet"] is None else str(o["sheet"]),
            "FORMAT": self.format.currentIndex(),
            "UNCERTAIN": self.uncertain.currentIndex(),
            "OVERRIDES": self.overrides.filePath() or None,
            "UNRESOLVED": self.unresolved.currentIndex(),
            "COUNTRY": self.country.currentData() or "",
            "HOME_COUNTRY": self.home.text().strip(),
            "INCLUDE_IDENTIFYING": self.identifying.isChecked(),
            "OUTPUT": self.output.filePath() or "TEMPORARY_OUTPUT",
        }

    def run(self):
        if not self.input.filePath():
            QMessageBox.warning(self, self.windowTitle(), tr("Choose an export file first."))
            return
        if self.assignments and any(self.assignments.values()):
            if self.save_profile() is None:
                QMessageBox.warning(self, self.windowTitle(),
                                    tr("Save the column assignments as a profile first: the load uses it."))
                return
        from qgis import processing

        self.accept()
        processing.execAlgorithmDialog(ALG_ID, self.parameters())
