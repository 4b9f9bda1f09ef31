"""The one base class of the provider's algorithms.

A subclass declares, as class attributes, what the toolbox shows and what
the algorithm needs, and implements :meth:`RoutesAlgorithm.initAlgorithm` and
:meth:`RoutesAlgorithm.compute`::

    class Example(RoutesAlgorithm):
        NAME, DISPLAY_NAME, GROUP = "example", "Example", "Flows"
        HELP = "What it does, for the toolbox's help panel."
        REQUIRES = ("pandas",)            # checked once, before compute()
        STEPS = 2                         # QgsProcessingMultiStepFeedback steps

        def compute(self, parameters, context, steps):
            steps.next("Reading")         # raises when the user cancelled
            ...
            return {...}

Errors: a :class:`RoutesError` (the project's error for the user) becomes a
``QgsProcessingException`` with its message; any other exception is a bug and
keeps its traceback. (``compute``, not ``run``: QgsProcessingAlgorithm.run exists.) Cancelling raises (:class:`CancelledError`): a cancelled
algorithm never reports a partial output as its result.
"""
from __future__ import annotations

import configparser
import re
from pathlib import Path

from qgis.core import (
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingMultiStepFeedback,
)
from qgis.PyQt.QtCore import QCoreApplication, QUrl

from ..routes_plugin.core.errors import CancelledError, RoutesError
from ..routes_plugin.edge.dependencies import require
from ..routes_plugin.edge.resources import ALGORITHM_DOCS, PLUGIN_ROOT

#: group name -> group id (one place, so an algorithm names only its group)
GROUPS = {"Load": "load", "Hotspots": "hotspots", "Flows": "flows", "Chapters": "chapters", "Export": "export"}


def docs_anchor(name: str) -> str:
    """The anchor of an algorithm's section in docs/algorithms.md."""
    return "routes-" + re.sub(r"[^0-9a-z]+", "-", name.lower()).strip("-")


def _repository() -> str:
    cp = configparser.ConfigParser()
    cp.read(PLUGIN_ROOT / "metadata.txt", encoding="utf-8")
    return cp.get("general", "repository", fallback="").rstrip("/")


class Steps:
    """Progress over an algorithm's steps (``QgsProcessingMultiStepFeedback``),
    with cancellation honoured one way: :meth:`next`, :meth:`check` and the
    :meth:`callback` for core functions raise :class:`CancelledError`."""

    def __init__(self, count: int, feedback):
        self.count = max(1, int(count))
        self.parent = feedback
        self.feedback = QgsProcessingMultiStepFeedback(self.count, feedback)
        self.current = -1

    def check(self) -> None:
        if self.feedback.isCanceled():
            raise CancelledError("Cancelled: no result was reported.")

    def next(self, text: str | None = None) -> QgsProcessingMultiStepFeedback:
        """Start the next step (cancelling if asked); the feedback to pass to that step's work."""
        self.check()
        self.current = min(self.current + 1, self.count - 1)
        self.feedback.setCurrentStep(self.current)
        if text:
            self.feedback.setProgressText(text)
        return self.feedback

    def progress(self, fraction: float) -> None:
        """Progress within the current step (0..1), cancelling if asked."""
        self.check()
        self.feedback.setProgress(100.0 * min(max(float(fraction), 0.0), 1.0))

    def callback(self):
        """A core ``progress(fraction)`` callback for the current step."""
        return self.progress

    def done(self) -> None:
        self.check()
        self.feedback.setCurrentStep(self.count - 1)
        self.feedback.setProgress(100.0)

    # the parent's messages, so an algorithm writes ``steps.pushInfo(...)``
    def __getattr__(self, name):
        return getattr(self.parent, name)


class RoutesAlgorithm(QgsProcessingAlgorithm):
    """Base of every ``routes:`` algorithm (see the module's docstring)."""

    NAME = ""
    DISPLAY_NAME = ""
    GROUP = ""
    HELP = ""
    TAGS: tuple[str, ...] = ()
    #: import names of the Python packages the algorithm (and the core it calls) imports
    REQUIRES: tuple[str, ...] = ("numpy", "pandas")
    STEPS = 1
    #: extra flags, e.g. QgsProcessingAlgorithm.Flag... / Qgis.ProcessingAlgorithmFlag.NoThreading
    EXTRA_FLAGS = None

    # -- metadata from the class attributes
    def name(self):
        return self.NAME

    def displayName(self):
        return self.tr(self.DISPLAY_NAME)

    def group(self):
        return self.tr(self.GROUP)

    def groupId(self):
        return GROUPS.get(self.GROUP, self.GROUP.lower())

    def tags(self):
        return [self.tr(t) for t in self.TAGS]

    def help_text(self) -> str:
        """The help shown in the toolbox (override when it is computed)."""
        return self.HELP

    def shortHelpString(self):
        return self.tr(self.help_text())

    def helpUrl(self):
        anchor = docs_anchor(self.NAME)
        if ALGORITHM_DOCS.is_file():
            return QUrl.fromLocalFile(str(ALGORITHM_DOCS)).toString() + "#" + anchor
        repository = _repository()
        return f"{repository}/blob/main/docs/algorithms.md#{anchor}" if repository else ""

    def flags(self):
        flags = super().flags()
        return flags | self.EXTRA_FLAGS if self.EXTRA_FLAGS is not None else flags

    def createInstance(self):
        return type(self)()

    def tr(self, text: str) -> str:
        return QCoreApplication.translate(type(self).__name__, text)

    # -- running
    def processAlgorithm(self, parameters, context, feedback):
        try:
            require(*self.REQUIRES)
            steps = Steps(self.STEPS, feedback)
            result = self.compute(parameters, context, steps)
            steps.done()
            return result
        except CancelledError as err:
            raise QgsProcessingException(self.tr(str(err))) from err
        except InterruptedError as err:   # the loader's cancellation
            raise QgsProcessingException(self.tr("Cancelled: nothing was written.")) from err
        except RoutesError as err:
            raise QgsProcessingException(str(err)) from err

    def compute(self, parameters, context, steps: Steps) -> dict:
        raise NotImplementedError

    def record_disclosure(self, steps, entries, outputs=(), name: str | None = None):
        """The disclosure log of a publishing run, the same for every algorithm
        (docs/privacy.md): ``entries`` (suppression.disclosure_entry dicts, or
        lists of them) become one log (publication.disclosure_log), written
        beside every file output (``<output>.disclosure.json``; in a folder
        output ``<name>.json``) and summed up in the processing log. Returns the log."""
        from ..routes_plugin.core.publication import disclosure_log, log_sentence, write_disclosure_log

        log = disclosure_log(*entries)
        for dest in outputs:
            path = Path(str(dest or "").split("|")[0])
            if str(dest or "") and path.exists():
                write_disclosure_log(log, path, sidecar=True, name=name)
        steps.pushInfo(log_sentence(log))
        return log
