"""The plugin as QGIS loads it: provider, algorithms, help text, menu."""
import pytest
from qgis.core import QgsApplication


def test_provider_registered(plugin):
    provider = QgsApplication.processingRegistry().providerById("routes")
    assert provider is not None
    assert provider.name() == "Trafficking Routes"
    assert not provider.icon().isNull()
    assert "routes:loadtrackerexport" in [a.id() for a in provider.algorithms()]


def test_every_algorithm_and_parameter_has_help(plugin):
    provider = QgsApplication.processingRegistry().providerById("routes")
    missing = []
    for alg in provider.algorithms():
        assert alg.group(), alg.id()
        if len(alg.shortHelpString() or "") < 40:
            missing.append(alg.id())
        for p in alg.parameterDefinitions():
            if len(p.help() or "") < 15:
                missing.append(f"{alg.id()}:{p.name()}")
    assert missing == []


def test_menu_action(plugin):
    texts = [a.text() for a in plugin.actions]
    assert any("Load tracker export" in t for t in texts) and "Settings…" in texts
    assert plugin.missing == []


def test_settings_dialog_sets_the_shared_threshold(plugin):
    """The plugin setting becomes every publishing algorithm's SUPPRESS_BELOW default."""
    from qgis.core import QgsSettings

    from trafficking_routes.routes_plugin.edge.settings import SUPPRESS_SETTING, suppress_default
    from trafficking_routes.routes_plugin.ui.settings_dialog import SettingsDialog

    old = QgsSettings().value(SUPPRESS_SETTING)
    try:
        dialog = SettingsDialog()
        assert dialog.threshold.value() == suppress_default()
        dialog.threshold.setValue(11)
        dialog.accept()
        assert suppress_default() == 11
        provider = QgsApplication.processingRegistry().providerById("routes")
        fresh = provider.algorithm("flowaggregation").create()
        assert fresh.parameterDefinition("SUPPRESS_BELOW").defaultValue() == 11
    finally:
        QgsSettings().setValue(SUPPRESS_SETTING, old if old is not None else 5)


def test_unload_and_reload_removes_provider(plugin):
    plugin.unload()
    assert QgsApplication.processingRegistry().providerById("routes") is None
    plugin.initGui()
    assert QgsApplication.processingRegistry().providerById("routes") is not None


def test_algorithm_reference_is_current():
    """docs/algorithms.md is written from the algorithms' help (make docs): it must match them."""
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "scripts" / "algorithm_docs.py"
    assert subprocess.run([sys.executable, str(script), "--check"], capture_output=True).returncode == 0, \
        "docs/algorithms.md is out of date: run make docs"


def test_missing_packages_named_once_and_algorithms_refuse(qgis_iface, monkeypatch):
    """Without scipy the plugin still loads, shows one message naming it and the pip
    command, and an algorithm needing it raises a clear error, not a traceback."""
    import importlib
    import importlib.util

    from qgis.core import Qgis, QgsProcessingException

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "scipy" else real(name, *a))
    plugin = importlib.import_module("trafficking_routes").classFactory(qgis_iface)
    assert plugin.missing == ["scipy"]
    bar = qgis_iface.messageBar()
    before = len(bar.get_messages(Qgis.Warning))
    plugin.warn_missing_packages()
    messages = bar.get_messages(Qgis.Warning)[before:]
    assert len(messages) == 1 and "scipy" in messages[0] and "pip install" in messages[0]
    from trafficking_routes.routes_plugin.edge.dependencies import MissingPackagesError, require

    with pytest.raises(MissingPackagesError, match="scipy.*pip install"):
        require("scipy")
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback

    from trafficking_routes.processing.algorithms.hotspot_significance import HotspotSignificance

    alg = HotspotSignificance()   # Gi* needs scipy (the density no longer does)
    alg.initAlgorithm()
    with pytest.raises(QgsProcessingException, match="scipy.*pip install"):  # checked once, before anything runs
        alg.processAlgorithm({}, QgsProcessingContext(), QgsProcessingFeedback())
