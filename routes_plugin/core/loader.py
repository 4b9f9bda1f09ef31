"""One export from file to layers: read -> parse -> resolve -> build -> write.

This is the whole of ``routes:loadtrackerexport`` without QGIS; the
Processing algorithm and the dialog call :func:`load_export`, notebooks can
too.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .gazetteer import Gazetteer
from .layers import build_layers
from .readers import read_export
from .routes import Journeys, parse_routes
from .store import write_geopackage


@dataclass
class LoadResult:
    journeys: Journeys
    layers: dict[str, pd.DataFrame]
    report: dict[str, int]
    output: str | None = None

    def summary(self) -> str:
        r = self.report
        return (f"{r['rows_in']} rows in = {r['rows_mapped']} mapped + {r['rows_rejected']} rejected; "
                f"{r['route_points']} points, {r['route_legs']} legs, {r['route_lines']} routes, "
                f"{r['places']} places, {r['warnings']} warnings")


class _Steps:
    """Maps each step's 0-100 progress onto its share of the whole."""

    def __init__(self, feedback, start, end):
        self.feedback, self.start, self.end = feedback, start, end

    def isCanceled(self):  # noqa: N802 (QgsFeedback's name)
        return self.feedback is not None and self.feedback.isCanceled()

    def setProgress(self, p):  # noqa: N802
        if self.feedback is not None:
            self.feedback.setProgress(self.start + (self.end - self.start) * p / 100)


def _check(feedback, message):
    if feedback is not None:
        if feedback.isCanceled():
            raise InterruptedError("cancelled")
        if hasattr(feedback, "pushInfo"):
            feedback.pushInfo(message)


def load_export(path, output=None, profile=None, sheet=None, fmt="auto", overrides=None,
                unresolved="reject", include_identifying=False, feedback=None, gazetteer=None,
                home_country="KEN") -> LoadResult:
    """Read ``path`` and build (and, with ``output``, write) all layers.

    ``overrides``: path of a user overrides CSV for the gazetteer.
    ``unresolved``: ``"reject"`` or ``"country"``; ``home_country``: where transit
    points are looked up after the origin's country (see :func:`parse_routes`).
    Raises :class:`~.readers.ReadError` when the file cannot be read at all.
    """
    _check(feedback, f"Reading {path}")
    raw = read_export(path, profile=profile, sheet=sheet, fmt=fmt)
    _check(feedback, f"Read {raw.rows_read} rows ({raw.fmt}); columns: "
           + ", ".join(f"{k} <- '{v}'" for k, v in raw.column_map.items()))
    if raw.unmapped:
        _check(feedback, "Columns not in the profile (not written): " + ", ".join(raw.unmapped))
    gaz = gazetteer or Gazetteer.load(overrides=overrides)
    _check(feedback, "Resolving places (offline gazetteer)")
    journeys = parse_routes(raw, gaz, unresolved=unresolved, include_identifying=include_identifying,
                            feedback=_Steps(feedback, 5, 80), home_country=home_country or None)
    _check(feedback, "Building layers")
    layers, report = build_layers(journeys)
    result = LoadResult(journeys, layers, report)
    if output:
        _check(feedback, f"Writing {output}")
        write_geopackage(layers, output)
        result.output = str(output)
    if feedback is not None:
        feedback.setProgress(100)
    return result
