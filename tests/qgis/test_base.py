"""The algorithm base class (processing/base.py) in a real QGIS: metadata from class attributes,
errors turned into QgsProcessingException only for RoutesError, cancel that raises, optional
secondary outputs from qgis_process, and pyogrio leaving QGIS's GDAL error handling alone."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "routes_plugin" / "data" / "sample" / "kenya_routes_synthetic.csv"
BOILERPLATE = ("name", "displayName", "group", "groupId", "createInstance", "shortHelpString", "helpUrl", "tr",
               "processAlgorithm")


def _classes():
    from trafficking_routes.processing.provider import algorithm_classes

    return algorithm_classes()


def test_metadata_comes_from_class_attributes(qgis_app):
    from trafficking_routes.processing.base import GROUPS, RoutesAlgorithm, docs_anchor

    docs = (REPO / "docs" / "algorithms.md").read_text(encoding="utf-8")
    names = set()
    for cls in _classes():
        assert issubclass(cls, RoutesAlgorithm)
        assert not [m for m in BOILERPLATE if m in cls.__dict__], f"{cls.__name__} repeats the base's metadata"
        alg = cls()
        assert (alg.name(), alg.displayName(), alg.group()) == (cls.NAME, cls.DISPLAY_NAME, cls.GROUP)
        assert alg.groupId() == GROUPS[cls.GROUP] and re.fullmatch(r"[a-z]+", alg.name())
        assert type(alg.createInstance()) is cls
        assert len(alg.shortHelpString()) > 200
        url = alg.helpUrl()
        assert url.endswith("#" + docs_anchor(alg.name())) and f'<a id="{docs_anchor(alg.name())}"></a>' in docs
        names.add(alg.name())
    assert len(names) == 11  # with routes:report, routes:comparerounds and routes:disclosureaudit


class _Probe:
    """A RoutesAlgorithm that raises what it is told to, after ``steps`` steps."""

    @staticmethod
    def make(error=None, steps=2, cancel_after=None):
        from trafficking_routes.processing.base import RoutesAlgorithm

        class Probe(RoutesAlgorithm):
            NAME, DISPLAY_NAME, GROUP, HELP, STEPS = "probe", "Probe", "Export", "A probe.", steps
            REQUIRES = ("pandas",)
            ran = []

            def initAlgorithm(self, config=None):
                pass

            def compute(self, parameters, context, progress):
                for i in range(self.STEPS):
                    progress.next(f"step {i}")
                    Probe.ran.append(i)
                    if i == cancel_after:
                        progress.parent.cancel()   # the user presses Cancel during step i
                if error is not None:
                    raise error
                return {"DONE": True}

        return Probe()


def _context():
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback

    return QgsProcessingContext(), QgsProcessingFeedback()


def test_routes_errors_become_messages_and_bugs_keep_their_traceback(qgis_app):
    from qgis.core import QgsProcessingException

    from trafficking_routes.routes_plugin.core.summary import SummaryError

    context, feedback = _context()
    assert _Probe.make().processAlgorithm({}, context, feedback) == {"DONE": True}
    with pytest.raises(QgsProcessingException, match="no route_id field"):
        _Probe.make(SummaryError("no route_id field")).processAlgorithm({}, context, feedback)
    with pytest.raises(ValueError, match="a bug"):  # a plain ValueError is not turned into a user message
        _Probe.make(ValueError("a bug")).processAlgorithm({}, context, feedback)


def test_cancel_raises_before_the_next_step(qgis_app):
    from qgis.core import QgsProcessingException

    context, feedback = _context()
    probe = _Probe.make(steps=3, cancel_after=0)
    type(probe).ran.clear()
    with pytest.raises(QgsProcessingException, match="Cancelled"):
        probe.processAlgorithm({}, context, feedback)
    assert type(probe).ran == [0]


def test_cancelled_chapters_raise_instead_of_returning_a_partial_set(qgis_app, qgis_processing, tmp_path):
    from qgis.core import QgsProcessingContext, QgsProcessingException, QgsProcessingFeedback, QgsProject

    from trafficking_routes.processing.algorithms.chapter_maps import ChapterMaps
    from trafficking_routes.routes_plugin.core.loader import load_export

    gpkg = tmp_path / "routes.gpkg"
    load_export(str(SAMPLE), output=str(gpkg))

    class CancelAfterFirstChapter(QgsProcessingFeedback):
        def pushInfo(self, info):
            super().pushInfo(info)
            if info.endswith(".pdf"):
                self.cancel()

    alg = ChapterMaps()
    alg.initAlgorithm()
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    folder = tmp_path / "chapters"
    with pytest.raises(QgsProcessingException, match="Cancelled"):
        alg.processAlgorithm({"ROUTE_POINTS": f"{gpkg}|layername=route_points", "OUTPUT_FOLDER": str(folder),
                              "DPI": 60, "SUPPRESS_BELOW": 5}, context, CancelAfterFirstChapter())
    assert len(list(folder.glob("chapter_*.pdf"))) == 1   # the one written is kept, none more


@pytest.mark.parametrize("algorithm,layer", [("regionalsummary", "route_points"), ("flowaggregation", "route_lines")])
def test_secondary_outputs_are_optional_from_qgis_process(tmp_path, algorithm, layer):
    """Run with only INPUT and OUTPUT: the other outputs are offered, not required."""
    from trafficking_routes.routes_plugin.core.loader import load_export

    gpkg = tmp_path / "routes.gpkg"
    load_export(str(SAMPLE), output=str(gpkg))
    out = tmp_path / "out.gpkg"
    env = dict(os.environ, ROUTES_PLUGINS_DIR=str(REPO / "build" / "test-plugins"),
               ROUTES_QGIS_HOME=str(tmp_path / "home"), QGIS_OPTS="--noversioncheck")
    ran = subprocess.run([str(REPO / "scripts" / "qgis_process"), "--json", "run", f"routes:{algorithm}", "--",
                          f"INPUT={gpkg}|layername={layer}", f"OUTPUT={out}"],
                         env=env, capture_output=True, text=True, timeout=300)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    results = json.loads(ran.stdout[ran.stdout.index("{"):])["results"]
    assert Path(results["OUTPUT"].split("|")[0]).is_file()


PROBE = """
import sys, warnings
sys.path.insert(0, {plugins!r})
from qgis.core import QgsApplication
app = QgsApplication([], False)
app.initQgis()
from osgeo import gdal
from trafficking_routes.routes_plugin.edge.gdal import import_pyogrio
assert "pyogrio" not in sys.modules
import_pyogrio()
assert "pyogrio" in sys.modules
import trafficking_routes.routes_plugin.core.flows  # the core's own 'import pyogrio' is now a no-op
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    gdal.Error(gdal.CE_Warning, 1, "probe warning")
print("RUNTIME_WARNINGS", sum("probe warning" in str(w.message) for w in caught))
"""


def test_pyogrio_leaves_qgis_gdal_error_handling_alone(tmp_path):
    """Plain `import pyogrio` turns GDAL warnings into Python RuntimeWarnings; the plugin's import does not."""
    plugins = str(REPO / "build" / "test-plugins")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path))
    bare = subprocess.run([sys.executable, "-c", PROBE.format(plugins=plugins).replace(
        "import_pyogrio()\n", "import pyogrio\n")], env=env, capture_output=True, text=True, timeout=120)
    assert "RUNTIME_WARNINGS 1" in bare.stdout, bare.stdout + bare.stderr   # the problem is real
    fixed = subprocess.run([sys.executable, "-c", PROBE.format(plugins=plugins)], env=env, capture_output=True,
                           text=True, timeout=120)
    assert "RUNTIME_WARNINGS 0" in fixed.stdout, fixed.stdout + fixed.stderr


def test_style_post_processors_are_released_once_they_ran(qgis_app, tmp_path):
    """Processing holds only a raw pointer to a post-processor: the edge keeps each alive until it
    ran, then lets it go (no list of every post-processor of the session)."""
    import gc
    import weakref

    from qgis.core import QgsVectorLayer

    from trafficking_routes.routes_plugin.edge.styles import StyleOnLoad

    StyleOnLoad.pending.clear()
    layer = QgsVectorLayer("Point?crs=EPSG:4326&field=routes:integer", "p", "memory")
    first = StyleOnLoad("flow_nodes", lambda lyr: None)
    waiting = StyleOnLoad("flow_nodes")
    first.postProcessLayer(layer, None, None)
    ran = weakref.ref(first)
    del first
    StyleOnLoad("flows")   # the next one releases those that ran
    gc.collect()
    assert ran() is None
    assert waiting in StyleOnLoad.pending and len(StyleOnLoad.pending) == 2
