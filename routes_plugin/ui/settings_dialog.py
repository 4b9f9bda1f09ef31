"""Plugins → Trafficking Routes → Settings…: the small-count threshold that every
algorithm offers as SUPPRESS_BELOW's default, and the country pack every algorithm
offers as COUNTRY's default (one setting each for the whole plugin)."""
from __future__ import annotations

from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QSpinBox, QVBoxLayout

from ..core.countries import packs
from ..edge.settings import country_default, set_country_default, set_suppress_default, suppress_default


def tr(text: str) -> str:
    return QCoreApplication.translate("SettingsDialog", text)


class SettingsDialog(QDialog):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle(tr("Trafficking Routes settings"))
        self.threshold = QSpinBox()
        self.threshold.setObjectName("routesSuppressBelow")
        self.threshold.setRange(0, 1000)
        self.threshold.setValue(suppress_default())
        self.threshold.setToolTip(tr("Counts below this number are never published (0 turns suppression off)."))
        note = QLabel(tr("Every algorithm that publishes counts (hotspots, flows, crossings, summaries, chapters, "
                         "table exports) offers this as its default. Counts below it are blanked, dropped or "
                         "merged, so that small groups of people cannot be singled out."))
        note.setWordWrap(True)
        self.country = QComboBox()
        self.country.setObjectName("routesCountryPack")
        for pack in packs().values():
            self.country.addItem(f"{pack.id} – {pack.name()}", pack.id)
        self.country.setCurrentIndex(max(0, self.country.findData(country_default())))
        self.country.setToolTip(tr("Chapter regions, their names in each language and the home country."))
        form = QFormLayout()
        form.addRow(tr("Suppress counts below"), self.threshold)
        form.addRow(tr("Country pack"), self.country)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def accept(self):
        set_suppress_default(self.threshold.value())
        set_country_default(self.country.currentData())
        super().accept()
