"""Write output layers into a GeoPackage (pyogrio + SQLite), keeping
everything else the file holds.

All layers of one load go to one GeoPackage. They are first written, chunk
by chunk, into a temporary GeoPackage beside the output: GDAL (pyogrio)
creates each layer, empty, with its spatial index and triggers; the rows go
in through SQLite itself (one transaction, no journal and no sync while the
throw-away file is being created; GeoPackage geometry blobs built as arrays)
and each spatial index is bulk-loaded once at the end (:mod:`.rtree`), the
feature counts and extents set and the triggers put back. Where this
Python's SQLite lacks the R*Tree module, or a column has a type this path
does not write, pyogrio writes the rows (through Arrow where GDAL >= 3.8 and
pyarrow allow) and GDAL builds the index. Then:

* the output does not exist yet: the temporary file is moved into place
  (:func:`os.replace`);
* the output is an existing GeoPackage: ONE SQLite transaction on the file
  itself (:func:`replace_layers`) drops the layers of the same names (their
  tables, spatial indexes, triggers and rows in ``gpkg_contents``,
  ``gpkg_geometry_columns``, ``gpkg_extensions``, ``gpkg_ogr_contents``,
  ``gpkg_metadata*``) and copies the new ones in from the temporary file.
  Every other table, layer, style (``layer_styles``) and a QGIS project
  stored in the file (``qgis_projects``) is left untouched.

Either way it is all or nothing: an error, a cancel, a full disk or a killed
process leaves the output as it was (SQLite rolls an interrupted transaction
back from its journal the next time the file is opened for writing, as QGIS
opens it). The existing file is
never renamed over, so this also works while QGIS (or anything else using
SQLite's locks) has it open, on Windows too, where an open file cannot be
replaced; a writer holding the file (an edit session being saved) is waited
for up to :data:`BUSY_TIMEOUT` seconds, then a clear :class:`StoreError`
says what to close. Measured against a copy-and-swap (copy the file, change
the copy, rename it over): see ``bench/bench_store.py`` and docs/layers.md.

Rows of ``layer_styles`` are kept, also for the replaced layers: the plugin's
default style is updated in place afterwards (QGIS edge), styles the user
saved stay.
"""
from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import secrets
import sqlite3
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

import numpy as np
import shapely

from . import rtree
from .files import no_space, space_problem
from .errors import RoutesError


#: pyogrio writes through Arrow (several times faster) when pyarrow is importable and GDAL >= 3.8
_ARROW = importlib.util.find_spec("pyarrow") is not None and pyogrio.__gdal_version__ >= (3, 8, 0)
#: GDAL's settings while it creates layers in the temporary GeoPackage (a file nobody else uses,
#: thrown away on any failure): no journal, no sync; the file is synced once before it is moved in place
TEMPORARY_FILE_OPTIONS = {"OGR_SQLITE_JOURNAL": "OFF", "OGR_SQLITE_SYNCHRONOUS": "OFF", "OGR_SQLITE_CACHE": "256"}
#: column kinds (numpy) the direct SQLite path writes as pyogrio would
_DIRECT_KINDS = set("iufbO")
#: seconds to wait for another program's write lock on an existing output
BUSY_TIMEOUT = 20.0
#: SQLite's header, and the GeoPackage application ids ('GPKG', 'GP10', 'GP11') at byte 68
_SQLITE_HEADER = b"SQLite format 3\x00"
_GPKG_IDS = {0x47504B47, 0x47503130, 0x47503131}
#: temporary GeoPackages beside the output: .<stem>.routes-<pid>-<token>.gpkg
_TMP = re.compile(r"^\.(?P<stem>.*)\.routes-(?P<pid>\d+)-[0-9a-f]+\.gpkg$")


class StoreError(RoutesError):
    pass


def _plain(df: pd.DataFrame) -> pd.DataFrame:
    """pyogrio writes numpy dtypes; nullable extension columns become float/object."""
    out = df.copy()
    for c in out.columns:
        dt = out[c].dtype
        if isinstance(dt, pd.Int64Dtype) or str(dt) in ("Int64", "Int32"):
            out[c] = out[c].astype("float64") if out[c].isna().any() else out[c].astype("int64")
        elif isinstance(dt, pd.BooleanDtype):
            out[c] = out[c].astype("object")
        elif isinstance(dt, pd.StringDtype) or str(dt) == "str":
            out[c] = out[c].astype("object")
    return out


def is_geopackage(path) -> bool:
    """True when ``path`` is an SQLite file with a GeoPackage application id."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(72)
    except OSError:
        return False
    return head[:16] == _SQLITE_HEADER and len(head) >= 72 and int.from_bytes(head[68:72], "big") in _GPKG_IDS


def failure(path: Path, exc: BaseException, what: str = "", hide=None) -> StoreError:
    """The :class:`StoreError` of a failed write of ``path``: what went wrong in
    words (a full disk or a file-size limit said so), naming the output, never
    the temporary file ``hide``, and what became of the existing file."""
    reason = " ".join(str(exc).split()) or type(exc).__name__
    if hide is not None:
        reason = reason.replace(str(hide), "its temporary file")
    room = space_problem(path)
    if room is not None:
        why = room
    elif no_space(exc):
        why = "the disk is full (or the file would exceed a size limit or quota)"
    elif "disk i/o error" in reason.lower() or (isinstance(exc, OSError) and exc.errno is not None):
        why = f"a write error ({reason}: is the disk full, or the file larger than allowed?)"
    else:
        why = reason
    detail = f" [{what}: {reason}]" if what and why != reason else (f" [{what}]" if what else "")
    state = f"the existing {path.name} was left as it was" if _exists(path) else "nothing was written"
    return StoreError(f"Could not write {path}: {why}{detail}; {state}.")


def _exists(path: Path) -> bool:
    """An output that holds something (an empty file, e.g. made by a file dialog, counts as new)."""
    try:
        return path.stat().st_size > 0
    except FileNotFoundError:
        return False


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if sys.platform == "win32":  # no cheap check: leave it
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def remove_stale_temporaries(path) -> list[Path]:
    """Remove the temporary GeoPackages of ``path`` left by a killed load
    (``.<stem>.routes-<pid>-*.gpkg`` whose process is gone); only those."""
    path = Path(path)
    removed = []
    with contextlib.suppress(OSError):
        for entry in path.parent.iterdir():
            m = _TMP.match(entry.name)
            if m and m["stem"] == path.stem and not _alive(int(m["pid"])):
                for side in ("", "-journal", "-wal", "-shm"):
                    with contextlib.suppress(OSError):
                        Path(f"{entry}{side}").unlink()
                removed.append(entry)
    return removed


@contextlib.contextmanager
def gdal_options(options: dict[str, str]):
    """GDAL configuration options for the duration of a block (previous values restored)."""
    before = {k: pyogrio.get_gdal_config_option(k) for k in options}
    pyogrio.set_gdal_config_options(options)
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options(before)


def gpkg_blobs(geoms: np.ndarray, srs_id: int) -> tuple[list, np.ndarray]:
    """GeoPackage geometry blobs as GDAL writes them (little-endian header with
    the SRS id, an XY envelope except for points, then the WKB; missing
    geometries None) and the shapely bounds of each geometry."""
    geoms = np.asarray(geoms, dtype=object)
    bounds = shapely.bounds(geoms)
    wkb = shapely.to_wkb(geoms, byte_order=1)
    missing = shapely.is_missing(geoms)
    empty = shapely.is_empty(geoms) & ~missing
    point = shapely.get_type_id(geoms) == 0
    srs = int(srs_id).to_bytes(4, "little", signed=True)
    plain, enveloped, hollow = b"GP\x00\x01" + srs, b"GP\x00\x03" + srs, b"GP\x00\x11" + srs
    env = np.ascontiguousarray(bounds[:, [0, 2, 1, 3]], dtype="<f8").tobytes()
    out = [None if m else hollow + w if e else plain + w if p else enveloped + env[32 * i:32 * i + 32] + w
           for i, (w, m, e, p) in enumerate(zip(wkb.tolist(), missing.tolist(), empty.tolist(), point.tolist()))]
    return out, bounds


def _sql_values(values: pd.Series) -> list:
    """One column as the Python values SQLite stores as pyogrio stores the
    column :func:`_plain` makes of it: missing values None (or NaN, which SQLite
    stores as NULL), nullable integers as ints (the column's affinity makes
    them REAL where the layer's field is), bools as 0/1."""
    dtype = values.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "iufb":
        return values.tolist()
    if isinstance(dtype, np.dtype) and dtype.kind != "O":
        raise TypeError(f"column {values.name}: {dtype} is not written through SQLite")
    return values.to_numpy(dtype=object, na_value=None).tolist()


class _Layer:
    """A layer of the temporary GeoPackage whose rows go in through SQLite."""

    def __init__(self, name: str, fields: list[str], geometry: str | None, srs_id: int, triggers: list[str],
                 first_fid: int):
        self.name, self.fields, self.geometry, self.srs_id = name, fields, geometry, srs_id
        self.triggers = triggers
        columns = ([geometry] if geometry else []) + fields
        self.sql = (f"INSERT INTO {_q(name)} ({', '.join(map(_q, columns))}) "
                    f"VALUES ({', '.join('?' * len(columns))})")
        self.next_fid, self.count = first_fid, 0
        self.ids: list[np.ndarray] = []
        self.boxes: list[np.ndarray] = []
        self.extent = np.array([np.inf, np.inf, -np.inf, -np.inf])


class GeoPackageWriter:
    """Writes layers chunk by chunk into a temporary GeoPackage beside
    ``path``; :meth:`commit` puts them into ``path`` (a new file is moved
    into place, an existing GeoPackage gets them in one transaction, keeping
    its other layers). Closing without a commit (an error, a cancel) removes
    the temporary file and leaves ``path`` as it was."""

    def __init__(self, path: str | os.PathLike, busy_timeout: float = BUSY_TIMEOUT):
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        if self.path.suffix.lower() != ".gpkg":
            raise StoreError(f"{self.path}: output must be a .gpkg file")
        folder = self.path.parent if str(self.path.parent) else Path(".")
        if not folder.is_dir():
            raise StoreError(f"{self.path}: folder {folder} does not exist")
        if not os.access(folder, os.W_OK):
            raise StoreError(f"{self.path}: folder {folder} is not writable")
        if self.path.is_dir():
            raise StoreError(f"{self.path} is a folder: give a .gpkg file name")
        if _exists(self.path):
            if not is_geopackage(self.path):
                raise StoreError(f"{self.path} exists and is not a GeoPackage: nothing was written. Choose another "
                                 "file name (or move that file away first).")
            if not os.access(self.path, os.W_OK):
                raise StoreError(f"{self.path} is read-only: nothing was written.")
        remove_stale_temporaries(self.path)
        self.tmp = folder / f".{self.path.stem}.routes-{os.getpid()}-{secrets.token_hex(4)}.gpkg"
        self.written: list[str] = []
        self.spatial: set[str] = set()  # layers written by pyogrio: GDAL builds their index at the end
        self.direct = _sqlite_has_rtree()
        self._layers: dict[str, _Layer] = {}
        self._con: sqlite3.Connection | None = None

    def _error(self, what: str, exc: BaseException) -> StoreError:
        return failure(self.path, exc, what, hide=self.tmp)

    # the temporary file's SQLite connection: one transaction, no journal (the file is thrown away on failure)
    def _connection(self) -> sqlite3.Connection:
        if self._con is None:
            self._con = sqlite3.connect(str(self.tmp), isolation_level=None)
            for pragma in ("journal_mode = OFF", "synchronous = OFF", "cache_size = -65536"):
                self._con.execute(f"PRAGMA {pragma}")
            self._con.execute("BEGIN")
        return self._con

    def _release(self) -> None:
        """Commit and close the connection (before GDAL opens the file, and at the end)."""
        con, self._con = self._con, None
        if con is not None:
            try:
                if con.in_transaction:
                    con.execute("COMMIT")
            finally:
                con.close()

    def write(self, name: str, df: pd.DataFrame) -> None:
        """Create layer ``name`` or append ``df`` to it."""
        append = name in self.written
        try:
            if not append:
                self._create(name, _plain(df), df)
            elif name in self._layers:
                self._insert(self._layers[name], df)
            else:
                plain = _plain(df)
                with gdal_options(TEMPORARY_FILE_OPTIONS):
                    pyogrio.write_dataframe(plain, self.tmp, layer=name, driver="GPKG", append=True, use_arrow=_ARROW,
                                            **self._geometry_args(name, df))
        except StoreError:
            raise
        except Exception as exc:  # pyogrio / GDAL / SQLite errors, OSError: one message naming the output
            raise self._error(f"layer {name}", exc) from None
        if not append:
            self.written.append(name)

    def end_chunk(self) -> None:
        """The end of one chunk of every layer (the rows are already in the temporary file)."""

    @staticmethod
    def _geometry_args(name: str, df: pd.DataFrame) -> dict:
        if not isinstance(df, gpd.GeoDataFrame):
            return {}
        types = set(df.geometry.geom_type.dropna().unique())
        return {"geometry_type": types.pop() if len(types) == 1 else _default_type(name), "promote_to_multi": False}

    def _create(self, name: str, plain: pd.DataFrame, df: pd.DataFrame) -> None:
        """GDAL creates the layer: empty, with its index, for rows that go in through SQLite;
        else with the rows of this first chunk (and no index: GDAL builds it at the end)."""
        geometry = df.geometry.name if isinstance(df, gpd.GeoDataFrame) else None
        direct = self.direct and all(plain[c].dtype.kind in _DIRECT_KINDS for c in plain.columns if c != geometry)
        self._release()
        options = {"OVERWRITE": "YES", "SPATIAL_INDEX": "YES" if direct else "NO"}
        with gdal_options(TEMPORARY_FILE_OPTIONS):
            pyogrio.write_dataframe(plain.iloc[:0] if direct else plain, self.tmp, layer=name, driver="GPKG",
                                    use_arrow=_ARROW, layer_options=options, **self._geometry_args(name, df))
        if not direct:
            if geometry is not None:
                self.spatial.add(name)
            return
        con = self._connection()
        columns = [r[1] for r in con.execute(f"PRAGMA main.table_info({_q(name)})")]
        fields = [c for c in plain.columns if c != geometry]
        if geometry is not None:
            geometry, srs_id = con.execute("SELECT column_name, srs_id FROM gpkg_geometry_columns WHERE "
                                           "lower(table_name) = lower(?)", (name,)).fetchone()
        else:
            srs_id = 0
        missing = [c for c in fields if c not in columns]
        if missing:
            raise StoreError(f"Could not write {self.path}: GDAL created layer {name} without the columns "
                             f"{', '.join(missing)}; nothing was written.")
        # the triggers (feature count, spatial index) call GDAL's SQL functions or cost a statement per
        # row: set aside while the rows go in, put back at the end
        triggers = con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? "
                               "ORDER BY rowid", (name,)).fetchall()
        for trigger, _sql in triggers:
            con.execute(f"DROP TRIGGER {_q(trigger)}")
        seq = con.execute("SELECT seq FROM sqlite_sequence WHERE name = ?", (name,)).fetchone() \
            if _has(con, "main", "sqlite_sequence") else None
        layer = self._layers[name] = _Layer(name, fields, geometry, srs_id, [sql for _n, sql in triggers],
                                            (seq[0] if seq else 0) + 1)
        self._insert(layer, df)

    def _insert(self, layer: _Layer, df: pd.DataFrame) -> None:
        n = len(df)
        if not n:
            return
        columns = [_sql_values(df[c]) for c in layer.fields]
        if layer.geometry is not None:
            blobs, bounds = gpkg_blobs(df.geometry.values, layer.srs_id)
            columns.insert(0, blobs)
            fids = np.arange(layer.next_fid, layer.next_fid + n, dtype=np.int64)
            has = ~np.isnan(bounds).any(axis=1)
            if has.any():
                layer.ids.append(fids[has])
                layer.boxes.append(rtree.boxes(bounds[has]))
                layer.extent = np.concatenate([np.minimum(layer.extent[:2], bounds[has, :2].min(axis=0)),
                                               np.maximum(layer.extent[2:], bounds[has, 2:].max(axis=0))])
        con = self._connection()
        con.executemany(layer.sql, zip(*columns))
        layer.next_fid += n
        layer.count += n

    def _finish_layer(self, con, layer: _Layer) -> None:
        """The spatial index, feature count, extent and triggers of a layer written through SQLite."""
        if layer.geometry is not None and layer.ids:
            rtree.fill(con, f"rtree_{layer.name}_{layer.geometry}", np.concatenate(layer.ids),
                       np.concatenate(layer.boxes))
            # as GDAL stores it: printed by SQLite's printf('%.18g') and read back (not always the same double)
            con.execute("UPDATE gpkg_contents SET min_x = CAST(printf('%.18g', ?) AS REAL), min_y = CAST(printf("
                        "'%.18g', ?) AS REAL), max_x = CAST(printf('%.18g', ?) AS REAL), max_y = CAST(printf('%.18g', ?) "
                        "AS REAL) WHERE lower(table_name) = lower(?)", (*map(float, layer.extent), layer.name))
        if layer.count:
            con.execute("UPDATE gpkg_contents SET last_change = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
                        "WHERE lower(table_name) = lower(?)", (layer.name,))
            con.execute("UPDATE gpkg_ogr_contents SET feature_count = ? WHERE lower(table_name) = lower(?)",
                        (layer.count, layer.name))
        for sql in layer.triggers:
            con.execute(sql)

    def finish(self) -> None:
        """Complete the temporary file: indexes, counts, extents, triggers (once, at the end;
        :meth:`commit` calls it, a second call does nothing)."""
        try:
            if self._layers:
                con = self._connection()
                for layer in self._layers.values():
                    self._finish_layer(con, layer)
                self._layers.clear()
            self._release()
        except Exception as exc:
            raise self._error("the spatial indexes", exc) from None
        self._spatial_indexes()

    def _spatial_indexes(self) -> None:
        """GDAL builds the index of each layer pyogrio wrote (the fallback path)."""
        if not self.spatial:
            return
        from osgeo import ogr  # GDAL's own bindings: the SQL function that builds a GeoPackage R-tree

        ogr.UseExceptions()
        try:
            with gdal_options(TEMPORARY_FILE_OPTIONS):
                ds = ogr.Open(str(self.tmp), update=1)
                for name in sorted(self.spatial):
                    ds.ReleaseResultSet(ds.ExecuteSQL(f"SELECT CreateSpatialIndex('{name}', 'geom')"))
                ds = None
            self.spatial.clear()
        except Exception as exc:  # RuntimeError from GDAL, and more
            raise self._error("the spatial indexes", exc) from None

    def commit(self) -> Path:
        """Put the written layers into :attr:`path` (see the module doc); returns it."""
        self.finish()
        if _exists(self.path):
            replace_layers(self.tmp, self.path, self.written, busy_timeout=self.busy_timeout)
            self.close()
            return self.path
        try:
            with open(self.tmp, "rb+") as fh:  # written without sync: on disk before it takes the output's name
                os.fsync(fh.fileno())
            os.replace(self.tmp, self.path)
        except OSError as exc:
            raise self._error("the new GeoPackage", exc) from None
        return self.path

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            if self._con is not None:
                self._con.close()
        self._con = None
        for side in ("", "-journal", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                Path(f"{self.tmp}{side}").unlink()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def write_geopackage(layers: dict[str, pd.DataFrame], path: str | os.PathLike) -> Path:
    """Write ``layers`` (name -> GeoDataFrame or DataFrame) into ``path``:
    replaces layers of these names, keeps the file's other contents."""
    with GeoPackageWriter(path) as writer:
        for name, df in layers.items():
            writer.write(name, df)
        return writer.commit()


def _default_type(name: str) -> str:
    return "Point" if name in ("route_points", "places") else "LineString"


# ------------------------------------------------------------ in-place replace ---

def _q(name: str) -> str:
    """An SQL identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


def _has(con, schema: str, table: str) -> bool:
    return con.execute(f"SELECT 1 FROM {schema}.sqlite_master WHERE type IN ('table', 'view') AND lower(name) = "
                       "lower(?)", (table,)).fetchone() is not None


def _columns(con, schema: str, table: str) -> list[str]:
    return [r[1] for r in con.execute(f"PRAGMA {schema}.table_info({_q(table)})")]


def _copy_rows(con, table: str, where: str, params=()) -> None:
    """Rows of ``src.table`` matching ``where`` into ``main.table`` (the columns both have)."""
    main = _columns(con, "main", table)
    cols = ", ".join(_q(c) for c in _columns(con, "src", table) if c in main)
    con.execute(f"INSERT INTO main.{_q(table)} ({cols}) SELECT {cols} FROM src.{_q(table)} WHERE {where}", params)


#: per-layer rows of the GeoPackage's bookkeeping tables (table -> its table-name column)
_BOOKKEEPING = {"gpkg_geometry_columns": "table_name", "gpkg_extensions": "table_name",
                "gpkg_ogr_contents": "table_name", "gpkg_data_columns": "table_name", "gpkg_contents": "table_name"}


def _drop_layer(con, name: str) -> None:
    """Remove layer ``name`` (case-insensitive, as GeoPackage names are) from main, with its bookkeeping."""
    table = con.execute("SELECT name, type FROM main.sqlite_master WHERE type IN ('table', 'view') "
                        "AND lower(name) = lower(?)", (name,)).fetchone()
    if _has(con, "main", "gpkg_geometry_columns"):
        for (column,) in con.execute("SELECT column_name FROM main.gpkg_geometry_columns WHERE lower(table_name) = "
                                     "lower(?)", (name,)).fetchall():
            con.execute(f"DROP TABLE IF EXISTS main.{_q(f'rtree_{table[0] if table else name}_{column}')}")
    if table is not None:
        con.execute(f"DROP {'VIEW' if table[1] == 'view' else 'TABLE'} main.{_q(table[0])}")
    if _has(con, "main", "gpkg_metadata_reference"):
        ids = [r[0] for r in con.execute("SELECT md_file_id FROM main.gpkg_metadata_reference WHERE "
                                         "lower(table_name) = lower(?)", (name,))]
        con.execute("DELETE FROM main.gpkg_metadata_reference WHERE lower(table_name) = lower(?)", (name,))
        for md_id in set(ids):  # metadata no other reference uses
            con.execute("DELETE FROM main.gpkg_metadata WHERE id = ? AND NOT EXISTS (SELECT 1 FROM "
                        "main.gpkg_metadata_reference WHERE md_file_id = ?1 OR md_parent_id = ?1)", (md_id,))
    for bookkeeping, column in _BOOKKEEPING.items():  # gpkg_contents last: the others reference it
        if _has(con, "main", bookkeeping):
            con.execute(f"DELETE FROM main.{bookkeeping} WHERE lower({column}) = lower(?)", (name,))
    if _has(con, "main", "sqlite_sequence"):
        con.execute("DELETE FROM main.sqlite_sequence WHERE lower(name) = lower(?)", (name,))


def _ensure_table(con, table: str) -> bool:
    """Create ``main.table`` (with its triggers) as ``src`` has it, when main lacks it; False when neither has it."""
    if _has(con, "main", table):
        return True
    if not _has(con, "src", table):
        return False
    for (sql,) in con.execute("SELECT sql FROM src.sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL "
                              "ORDER BY type = 'trigger'", (table,)).fetchall():
        con.execute(sql)
    if table == "gpkg_extensions" or not _has(con, "src", "gpkg_extensions"):
        return True
    _ensure_table(con, "gpkg_extensions")
    con.execute("INSERT INTO main.gpkg_extensions (table_name, column_name, extension_name, definition, scope) "
                "SELECT table_name, column_name, extension_name, definition, scope FROM src.gpkg_extensions s "
                "WHERE table_name = ? AND NOT EXISTS (SELECT 1 FROM main.gpkg_extensions m WHERE m.table_name = "
                "s.table_name AND m.column_name IS s.column_name AND m.extension_name = s.extension_name)", (table,))
    return True


def _copy_srs(con, name: str) -> None:
    for (srs_id,) in con.execute("SELECT srs_id FROM src.gpkg_contents WHERE table_name = ?1 AND srs_id IS NOT NULL "
                                 "UNION SELECT srs_id FROM src.gpkg_geometry_columns WHERE table_name = ?1",
                                 (name,)).fetchall():
        theirs = con.execute("SELECT organization, organization_coordsys_id FROM src.gpkg_spatial_ref_sys "
                             "WHERE srs_id = ?", (srs_id,)).fetchone()
        ours = con.execute("SELECT organization, organization_coordsys_id FROM main.gpkg_spatial_ref_sys "
                           "WHERE srs_id = ?", (srs_id,)).fetchone()
        if ours is None:
            _copy_rows(con, "gpkg_spatial_ref_sys", "srs_id = ?", (srs_id,))
        elif theirs is not None and [str(v).upper() for v in ours] != [str(v).upper() for v in theirs]:
            raise StoreError(f"its spatial reference system {srs_id} is {ours[0]}:{ours[1]}, the layer {name} "
                             f"needs {theirs[0]}:{theirs[1]}")


_RTREE_SHADOWS = ("node", "parent", "rowid")


def _copy_rtree(con, rtree: str) -> None:
    """Fill the just-created, empty R-tree ``main.rtree`` with ``src``'s: its
    three shadow tables copied as they are (the tree GDAL built; re-inserting
    entry by entry costs 10x more), else, should that fail, entry by entry."""
    con.execute("SAVEPOINT rtree")
    try:
        for shadow in _RTREE_SHADOWS:
            table = f"{rtree}_{shadow}"
            con.execute(f"DELETE FROM main.{_q(table)}")
            _copy_rows(con, table, "1")
        con.execute("RELEASE rtree")
    except sqlite3.Error:
        con.execute("ROLLBACK TO rtree")
        con.execute("RELEASE rtree")
        con.execute(f"INSERT INTO main.{_q(rtree)} SELECT * FROM src.{_q(rtree)}")


def _copy_layer(con, name: str) -> None:
    """Copy layer ``name`` from src into main (which does not have it)."""
    objects = con.execute("SELECT type, name, sql FROM src.sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL",
                          (name,)).fetchall()
    table = [sql for kind, _n, sql in objects if kind == "table"]
    if not table:
        raise StoreError(f"layer {name} is missing from the temporary file")
    con.execute(table[0])  # unqualified CREATE goes to main
    con.execute(f"INSERT INTO main.{_q(name)} SELECT * FROM src.{_q(name)}")
    _copy_srs(con, name)
    _copy_rows(con, "gpkg_contents", "table_name = ?", (name,))
    for (column,) in con.execute("SELECT column_name FROM src.gpkg_geometry_columns WHERE table_name = ?",
                                 (name,)).fetchall():
        _copy_rows(con, "gpkg_geometry_columns", "table_name = ? AND column_name = ?", (name, column))
        rtree = f"rtree_{name}_{column}"
        sql = con.execute("SELECT sql FROM src.sqlite_master WHERE name = ?", (rtree,)).fetchone()
        if sql is not None:
            con.execute(sql[0])
            _copy_rtree(con, rtree)
    if _has(con, "src", "gpkg_extensions") and _ensure_table(con, "gpkg_extensions"):
        _copy_rows(con, "gpkg_extensions", "table_name = ?", (name,))
    counted = _has(con, "main", "gpkg_ogr_contents")  # GDAL's feature counts; a file without them keeps without
    if counted and _has(con, "src", "gpkg_ogr_contents"):
        _copy_rows(con, "gpkg_ogr_contents", "table_name = ?", (name,))
    for kind, trigger, sql in objects:  # indexes and triggers once the rows are in (triggers call GDAL's ST_*)
        if kind == "index" or (kind == "trigger" and (counted or "feature_count" not in trigger)):
            con.execute(sql)
    if _has(con, "src", "gpkg_metadata_reference"):
        refs = con.execute("SELECT rowid, md_file_id, md_parent_id FROM src.gpkg_metadata_reference "
                           "WHERE table_name = ?", (name,)).fetchall()
        if refs:
            _ensure_table(con, "gpkg_metadata")
            _ensure_table(con, "gpkg_metadata_reference")
        new_ids: dict[int, int] = {}

        def copied(md_id):
            if md_id is None:
                return None
            if md_id not in new_ids:
                cols = [c for c in _columns(con, "src", "gpkg_metadata") if c != "id"]
                sel = ", ".join(_q(c) for c in cols)
                con.execute(f"INSERT INTO main.gpkg_metadata ({sel}) SELECT {sel} FROM src.gpkg_metadata "
                            "WHERE id = ?", (md_id,))
                new_ids[md_id] = con.execute("SELECT last_insert_rowid()").fetchone()[0]
            return new_ids[md_id]

        for rowid, md_file, md_parent in refs:
            con.execute("INSERT INTO main.gpkg_metadata_reference (reference_scope, table_name, column_name, "
                        "row_id_value, timestamp, md_file_id, md_parent_id) SELECT reference_scope, table_name, "
                        "column_name, row_id_value, timestamp, ?, ? FROM src.gpkg_metadata_reference WHERE rowid = ?",
                        (copied(md_file), copied(md_parent), rowid))


def _locked_message(target: Path) -> str:
    return (f"{target} is in use by another program that keeps it locked (in QGIS: a layer of this file in "
            "edit mode, or a save in progress). Save or stop editing the layers of this file, then run again; "
            "nothing was written.")


def _sqlite_has_rtree() -> bool:
    try:
        sqlite3.connect(":memory:").execute("CREATE VIRTUAL TABLE t USING rtree(id, a, b)")
    except sqlite3.Error:
        return False
    return True


def replace_layers(source, target, names, busy_timeout: float = BUSY_TIMEOUT) -> None:
    """In ONE transaction on the GeoPackage ``target``: drop its layers
    ``names`` (if present) and copy them from the GeoPackage ``source``.
    Every other object of ``target`` is left as it is. On any failure
    (:class:`StoreError`) ``target`` is as it was."""
    source, target = Path(source), Path(target)
    if not _sqlite_has_rtree():  # every QGIS build's Python has it; a bare Python might not
        raise StoreError(f"Could not write into {target}: this Python's SQLite lacks the R*Tree module needed to "
                         "update a GeoPackage's spatial indexes; nothing was written. Write to a new .gpkg file.")
    try:
        con = sqlite3.connect(str(target), timeout=busy_timeout, isolation_level=None)
    except sqlite3.Error as exc:
        raise StoreError(f"Could not open {target}: {exc}; nothing was written.") from None
    try:
        con.execute("ATTACH DATABASE ? AS src", (str(source),))
        con.execute("BEGIN IMMEDIATE")  # the write lock now (waits up to busy_timeout), not halfway through
        if not _has(con, "main", "gpkg_contents"):
            raise StoreError(f"{target} is not a GeoPackage (it has no gpkg_contents table); nothing was written.")
        for name in names:
            _drop_layer(con, name)
        for name in names:
            _copy_layer(con, name)
        con.execute("COMMIT")
    except BaseException as exc:
        with contextlib.suppress(sqlite3.Error):
            if con.in_transaction:
                con.execute("ROLLBACK")
        if isinstance(exc, StoreError):
            text = str(exc)
            if "nothing was written" not in text and "left as it was" not in text:
                exc = StoreError(f"Could not write into {target}: {text}; it was left as it was.")
            raise exc from None
        if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc).lower():
            raise StoreError(_locked_message(target)) from None
        if isinstance(exc, (sqlite3.Error, OSError)):
            raise failure(target, exc, "replacing the layers " + ", ".join(names), hide=source) from None
        raise
    finally:
        con.close()
