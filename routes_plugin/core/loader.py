"""One export from file to layers: read -> parse -> resolve -> build -> write.

This is the whole of ``routes:loadtrackerexport`` without QGIS; the
Processing algorithm and the dialog call :func:`load_export`, notebooks can
too.
"""
from __future__ import annotations

import contextlib
import functools
import gc
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .gazetteer import Gazetteer
from .layers import build_layers, places
from .readers import RawTable, read_export
from .routes import DEFAULT_HOME_COUNTRY, parse_routes
from .postgis import PostgisWriter, file_sha256, is_postgres_uri, redact
from .publication import prepare_journeys, tag_working_data
from .dedupe import DedupeState
from .store import GeoPackageWriter

#: layers written chunk by chunk (places is aggregated over all chunks); rejected_rows is also kept
#: in memory for the result (its chunks are written as they come: no whole-export copy is made to write it)
ROW_LAYERS = ("route_points", "route_legs", "route_lines", "rejected_rows")


@dataclass
class LoadResult:
    raw: RawTable
    layers: dict[str, pd.DataFrame]
    report: dict[str, int]
    output: str | None = None

    def summary(self) -> str:
        r = self.report
        skipped = [p.row for p in self.raw.skipped]
        return (f"{r['rows_in']} rows in = {r['rows_mapped']} mapped + {r['rows_rejected']} rejected"
                + (f" ({len(skipped)} rows skipped as not data: {', '.join(map(str, skipped[:20]))}"
                   + (" …" if len(skipped) > 20 else "") + ")" if skipped else "") + "; "
                f"{r['route_points']} points, {r['route_legs']} legs, {r['route_lines']} routes, "
                f"{r['places']} places, {r['warnings']} warnings")


class _Steps:
    """Maps each step's 0-100 progress onto its share of the whole."""

    def __init__(self, feedback, start, end):
        self.feedback, self.start, self.end = feedback, start, end

    def isCanceled(self):
        return self.feedback is not None and self.feedback.isCanceled()

    def setProgress(self, p):
        if self.feedback is not None:
            self.feedback.setProgress(self.start + (self.end - self.start) * p / 100)


def _check(feedback, message):
    if feedback is not None:
        if feedback.isCanceled():
            raise InterruptedError("cancelled")
        if hasattr(feedback, "pushInfo"):
            feedback.pushInfo(message)


def _warn(feedback, message):
    if feedback is not None and hasattr(feedback, "pushWarning"):
        feedback.pushWarning(message)


#: rows parsed, built and written at a time: bounds memory on million-row exports
CHUNK_ROWS = 25_000


def _chunks(raw: RawTable, size: int):
    """The raw table in row chunks; read-time problems travel with the first."""
    n = len(raw.frame)
    for i, start in enumerate(range(0, max(n, 1), size)):
        yield RawTable(frame=raw.frame.iloc[start:start + size], source_file=raw.source_file, fmt=raw.fmt,
                       column_map=raw.column_map, unmapped=raw.unmapped,
                       problems=raw.problems if i == 0 else [], rows_read=min(size, n - start))


def _writer(output, path, organisation, rows):
    """The GeoPackage writer, or for a ``postgresql://`` URI one import into the shared store
    (``rows``: the export's, for the store's choice of bulk mode)."""
    if is_postgres_uri(str(output)):
        return PostgisWriter(str(output), file_name=Path(path).name, file_sha256=file_sha256(path),
                             organisation=organisation, expected_rows=rows)
    return GeoPackageWriter(output)


@contextlib.contextmanager
def cyclic_gc_paused():
    """Python's cyclic garbage collector paused (and restored as it was). A load keeps
    hundreds of thousands of objects alive (the gazetteer's indexes, a chunk's
    geometries), and each of the collector's full passes walks all of them: a few
    seconds of a million-row load, for garbage a load does not make (its objects are
    freed by reference counting; what cycles remain are collected once it is back)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _gc_paused(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with cyclic_gc_paused():
            return fn(*args, **kwargs)
    return wrapper


@_gc_paused
def load_export(path, output=None, profile=None, sheet=None, fmt="auto", overrides=None,
                unresolved="reject", include_identifying=False, feedback=None, gazetteer=None,
                home_country=DEFAULT_HOME_COUNTRY, chunk_rows=CHUNK_ROWS, organisation=None, uncertain="stop",
                row_limit=None) -> LoadResult:
    """Read ``path`` and build (and, with ``output``, write) all layers.

    ``overrides``: path of a user overrides CSV for the gazetteer.
    ``unresolved``: ``"reject"`` or ``"country"``; ``home_country``: where transit
    points are looked up after the origin's country (see :func:`parse_routes`).
    The rows are parsed, built and written ``chunk_rows`` at a time. With
    ``output`` (a .gpkg path, or a ``postgresql://`` URI of the shared store,
    see docs/postgis.md) only ``places`` and ``rejected_rows`` stay in memory
    (``LoadResult.layers``; rejected rows are written chunk by chunk too) and
    ``LoadResult.raw`` keeps the export's columns, problems and counts but not its
    rows; without it every layer does, and every row.
    ``uncertain``: ``"stop"`` or ``"map"`` a column that only probably is a
    field (see :func:`~.readers.read_export`). ``row_limit``: only the first
    rows (a preview; use without ``output``).
    Raises :class:`~.readers.ReadError` when the file cannot be read at all.
    """
    _check(feedback, f"Reading {path}")
    raw = read_export(path, profile=profile, sheet=sheet, fmt=fmt, uncertain=uncertain)
    for alert in raw.alerts:
        _warn(feedback, "IMPORTANT: " + alert)
    if row_limit is not None and len(raw.frame) > row_limit:
        raw.frame = raw.frame.head(row_limit)
        last = int(raw.frame["source_row"].iloc[-1]) if len(raw.frame) else 0
        raw.problems = [p for p in raw.problems if p.row is None or p.row <= last or p.severity == "skipped"]
        raw.rows_read = len(raw.frame) + sum(1 for p in raw.problems if p.reason == "blank row")
    for note in raw.notices:
        _check(feedback, note[:1].upper() + note[1:])
    _check(feedback, f"Read {raw.rows_read} rows ({raw.fmt}"
           + (f", sheet '{raw.sheet}'" if raw.sheet else "") + "); columns (header -> field): "
           + ", ".join(f"'{v}' -> {k}" + (f" ({raw.match_kinds[k]})" if raw.match_kinds.get(k, "exact") != "exact"
                                           else "") for k, v in raw.column_map.items()))
    if raw.unmapped:
        _check(feedback, "Columns not in the profile (not written): " + ", ".join(raw.unmapped))
    gaz = gazetteer or Gazetteer.load(overrides=overrides)
    writer = _writer(output, path, organisation, len(raw.frame)) if output else None
    try:
        seen: dict[str, int] = {}
        duplicates = DedupeState()
        kept: dict[str, list] = {}
        counts: dict[str, int] = {}
        mapped_rows, rejected_rows = set(), set()
        n_chunks = max(1, -(-len(raw.frame) // chunk_rows))
        for i, chunk in enumerate(_chunks(raw, chunk_rows)):
            _check(feedback, f"Resolving places and building layers: rows {chunk.frame['source_row'].min()}"
                             f" to {chunk.frame['source_row'].max()}" if len(chunk.frame) else "Resolving places")
            share = 95 / n_chunks
            journeys = parse_routes(chunk, gaz, unresolved=unresolved, include_identifying=include_identifying,
                                    feedback=_Steps(feedback, i * share, i * share + share * 0.6),
                                    home_country=home_country or None, seen=seen)
            journeys = prepare_journeys(journeys, chunk.frame, gaz, duplicates)  # town level; duplicates once
            layers, report = build_layers(journeys)
            mapped_rows |= journeys.mapped_rows
            rejected_rows |= journeys.rejected_rows
            for k, v in report.items():
                counts[k] = counts.get(k, 0) + v
            for name, df in layers.items():
                if writer is None or name not in ROW_LAYERS or name == "rejected_rows":
                    kept.setdefault(name, []).append(df)
                if writer is not None and name in ROW_LAYERS and not (name == "rejected_rows" and df.empty):
                    writer.write(name, df)
            if writer is not None:
                writer.end_chunk()
            _check(feedback, f"{len(mapped_rows)} rows mapped so far")
        if writer is not None:  # every row is in the layers: the export's cells are not needed to write the rest
            chunk = journeys = layers = None
            raw.frame = raw.frame.iloc[:0]
        out = {name: pd.concat(parts, ignore_index=True) for name, parts in kept.items() if name != "place_counts"}
        out["places"] = places(kept.get("place_counts", []))
        if writer is not None:
            _check(feedback, f"Writing {redact(str(output))}")
            writer.write("places", out["places"])
            if out["rejected_rows"].empty:  # no problem in any row (no chunk was written): the layer is there, empty
                writer.write("rejected_rows", out["rejected_rows"])
            if isinstance(writer, PostgisWriter):
                writer.commit(raw.rows_read, len(mapped_rows), len(rejected_rows - mapped_rows))
            else:
                writer.finish()
                # record-level layers, not for publication: tagged in the temporary file, so the tags are part
                # of the one commit and GDAL never opens (and rewrites the metadata of) the user's file
                tag_working_data(writer.tmp)
                writer.commit()
    finally:
        if writer is not None:
            writer.close()
    counts.update(rows_in=raw.rows_read, rows_mapped=len(mapped_rows),
                  rows_rejected=len(rejected_rows - mapped_rows),
                  places=len(out["places"]), duplicates_merged=duplicates.merged)
    if feedback is not None:
        feedback.setProgress(100)
    return LoadResult(raw, out, counts, redact(str(output)) if output else None)
