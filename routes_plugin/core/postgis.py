"""The shared network store: the output layers in a PostGIS schema ``routes``.

One analyst keeps a GeoPackage (:mod:`.store`); a network of organisations
shares one PostgreSQL/PostGIS database whose tables, roles and views are
created by the ``sql/NNN_*.sql`` migrations (see ``docs/postgis.md``).

An import of one export's layers is ONE transaction (sql/005_streamed_import.sql):

1. ``pg_advisory_xact_lock`` on the organisation serialises that
   organisation's imports (imports of different organisations touch
   different rows and run side by side); the four tables are locked in one
   order, so imports never deadlock;
2. the import is recorded in ``routes.imports`` (file name and SHA-256,
   ``imported_by`` = the database role, organisation); its counts (rows in /
   mapped / rejected, routes written / replaced) are filled in at the end;
3. chunk by chunk, while the loader parses the next chunk: the rows are
   formatted as binary COPY data and, in a thread of their own, COPYed into
   temporary staging tables; the organisation's routes with the same
   ``route_id`` are deleted (their points and legs go with them), as are its
   rejected rows of those routes; the staged rows are inserted, tagged with
   ``import_id`` and organisation;
4. rejected rows of earlier imports of the same file (same SHA-256) are
   deleted, the counts recorded, the transaction committed.

A large import (:data:`BULK_MIN_ROWS`, and at least half the store's routes)
runs in bulk mode: the tables are taken for the transaction, their indexes
other than keys (spatial indexes, lookups) dropped and rebuilt once at the
end, their triggers' work done once, set-based (``routes.begin_bulk_import`` /
``end_bulk_import``).

So re-importing an export, or importing overlapping exports, never
duplicates a route, and any error rolls the whole import back (the dropped
indexes too). :class:`PostgisWriter` imports chunk by chunk (the loader's
interface), :func:`write_postgis` a dict of whole layers.

``places`` is not stored: it is the view ``routes.places``, derived from
``route_points``. Identifying columns (``reporting_org``, ``notes``) are never
stored in the shared database: the organisation comes from the database role
(``routes.contributors``).

QGIS-free. Needs psycopg2 (Debian ``python3-psycopg2``; QGIS ships it too),
imported only when a database is used.
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import re
from urllib.parse import urlsplit

import geopandas as gpd
import pandas as pd
import shapely

from . import pgcopy
from .routes import IDENTIFYING
from .store import StoreError

SCHEMA = "routes"
#: stored tables, in insert order (points and legs reference route_lines)
TABLES = ("route_lines", "route_points", "route_legs", "rejected_rows")
#: layers the database derives itself (views); given ones are not written
DERIVED = ("places",)
#: columns the store fills in; ignored in the given layers
BOOKKEEPING = ("fid", "import_id", "organisation")
SRID = 4326
_KINDS = {"int2": "int", "int4": "int", "int8": "int", "float4": "float", "float8": "float", "numeric": "float",
          "bool": "bool", "geometry": "geometry"}


class PostgisError(StoreError):
    pass


def is_postgres_uri(text) -> bool:
    """True for a ``postgresql://`` (or ``postgres://``) connection URI."""
    return isinstance(text, str) and re.match(r"^\s*postgres(?:ql)?://", text, re.I) is not None


def redact(uri: str) -> str:
    """``uri`` with its password replaced by ``***`` (for messages and logs)."""
    parts = urlsplit(uri)
    if parts.password is not None:
        user, _, host = parts.netloc.rpartition("@")
        uri = parts._replace(netloc=f"{user.split(':')[0]}:***@{host}").geturl()
    return re.sub(r"(password=)[^&]*", r"\1***", uri)


def file_sha256(path) -> str:
    """Hex SHA-256 of a file (recorded with each import)."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def connect(uri: str):
    """A psycopg2 connection to ``uri``; :class:`PostgisError` when it fails."""
    import psycopg2

    try:
        return psycopg2.connect(uri, application_name="trafficking_routes", connect_timeout=15)
    except psycopg2.Error as exc:
        raise PostgisError(f"cannot connect to {redact(uri)}: {str(exc).strip()}") from None


def _columns(cur, tables, udt: bool = False) -> dict[str, dict[str, str]]:
    """table -> {column: kind} (kind: int, float, bool, geometry, text; with ``udt`` the
    PostgreSQL type name) for tables/views of the schema."""
    cur.execute("SELECT table_name, column_name, udt_name FROM information_schema.columns "
                "WHERE table_schema = %s AND table_name = ANY(%s) ORDER BY table_name, ordinal_position",
                (SCHEMA, list(tables)))
    out: dict[str, dict[str, str]] = {t: {} for t in tables}
    for table, column, udt_name in cur.fetchall():
        out[table][column] = udt_name if udt else _KINDS.get(udt_name, "text")
    missing = [t for t, cols in out.items() if not cols]
    if missing:
        raise PostgisError(f"the database has no {', '.join(f'{SCHEMA}.{t}' for t in missing)} (or this role may not "
                           "read it): apply the sql/ migrations, see docs/postgis.md")
    return out


def _create_stage(cur, table: str, kinds: dict[str, str]) -> None:
    """The temporary staging table of ``table``: its data columns, no constraints."""
    from psycopg2 import sql

    data = [c for c in kinds if c not in BOOKKEEPING]
    cur.execute(sql.SQL("CREATE TEMP TABLE {} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA").format(
        sql.Identifier(f"_stage_{table}"), sql.SQL(", ").join(map(sql.Identifier, data)),
        sql.Identifier(SCHEMA, table)))


def copy_data(table: str, df: pd.DataFrame, udts: dict[str, str]) -> tuple[list[str], bytes]:
    """``df`` (rows of layer ``table``) as (columns, binary COPY data) for the staging table
    of ``table``, whose columns have the PostgreSQL types ``udts``. Raises
    :class:`PostgisError` naming the column whose values do not fit."""
    data = {c: u for c, u in udts.items() if c not in BOOKKEEPING}
    geometry = df.geometry.name if isinstance(df, gpd.GeoDataFrame) else None
    extra = set(df.columns) - set(data) - set(BOOKKEEPING) - set(IDENTIFYING) - {geometry}
    if extra:
        raise PostgisError(f"{table}: columns {', '.join(sorted(extra))} are not in {SCHEMA}.{table}; "
                           "apply the newer sql/ migrations (docs/postgis.md)")
    columns, parts = [], []
    for column, udt in data.items():
        if udt == "geometry" and geometry is not None:
            values = df.geometry if df.crs is None or df.crs.to_epsg() == SRID else df.geometry.to_crs(SRID)
        elif column in df.columns:
            values = df[column]
        else:
            continue
        if udt not in pgcopy.SUPPORTED:
            raise PostgisError(f"column {table}.{column}: its type {udt} is not one the import writes")
        columns.append(column)
        parts.append((udt, values.to_numpy(dtype=object) if udt == "geometry" else values))
    try:
        return columns, pgcopy.binary_copy(parts, srid=SRID)
    except pgcopy.CopyValueError as exc:
        position, _, why = str(exc).partition(": ")
        column = columns[int(position.split()[-1])]
        raise PostgisError(f"column {table}.{column}: {why}") from None


def _organisation(cur, organisation: str | None) -> str:
    """The organisation this import is recorded under (see routes.current_organisation())."""
    cur.execute("SELECT set_config('routes.organisation', %s, true)", (organisation or "",))
    cur.execute("SELECT routes.current_organisation(), current_user")
    org, role = cur.fetchone()
    if org is None:
        raise PostgisError(f"role {role} is a routes_contributor but is not registered in routes.contributors: "
                           "ask the network's administrator to map it to its organisation")
    if organisation and organisation != org:
        raise PostgisError(f"role {role} imports for organisation {org!r}; it cannot import for {organisation!r}")
    return org


#: an import runs in bulk mode (indexes built once at the end, see sql/005) when the export has at least
#: this many rows and at least half as many as the store holds routes
BULK_MIN_ROWS = 20_000
#: jobs queued ahead of the server (each chunk is five: four layers' formatted COPY data, waiting in
#: memory, and the move into the tables): two chunks, so the parser does not wait on every chunk's move
PIPELINE_DEPTH = 10
#: bytes psycopg2 reads at a time from a COPY buffer (large: few GIL hand-overs while sending)
COPY_READ_SIZE = 16 << 20


class _Pipeline:
    """One thread that runs the writer's database work, in order, while the caller goes on
    parsing. The first error stops it; :meth:`check` raises it in the caller's thread."""

    def __init__(self, depth: int = PIPELINE_DEPTH):
        import queue
        import threading

        self.jobs: queue.Queue = queue.Queue(maxsize=depth)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="routes-postgis-import", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            job = self.jobs.get()
            try:
                if job is None:
                    return
                if self.error is None:
                    job()
            except BaseException as exc:  # any error, cancellation included: handed to the caller's thread
                self.error = exc
            finally:
                self.jobs.task_done()

    def check(self) -> None:
        if self.error is not None:
            raise self.error

    def submit(self, job) -> None:
        """Queue ``job`` (waits while ``depth`` jobs are queued: memory stays bounded)."""
        self.check()
        self.jobs.put(job)

    def drain(self) -> None:
        """Wait until every queued job has run; raise the first error."""
        self.jobs.join()
        self.check()

    def stop(self, conn=None) -> None:
        """End the thread; with ``conn``, a statement still running on it is cancelled first."""
        if not self.thread.is_alive():
            return
        if conn is not None and self.jobs.unfinished_tasks:
            self.error = self.error or InterruptedError("import stopped")
            with contextlib.suppress(Exception):
                conn.cancel()
        while True:  # queued jobs are skipped (the error is set) or run; then the sentinel
            try:
                self.jobs.put(None, timeout=1)
                break
            except Exception:  # queue full: a job is still running
                if conn is not None:
                    with contextlib.suppress(Exception):
                        conn.cancel()
        self.thread.join()


class PostgisWriter:
    """One import into the store at ``uri``, layer by layer and chunk by chunk
    (the interface of :class:`.store.GeoPackageWriter`, plus :meth:`end_chunk`).

    The import is recorded and its transaction opened here; :meth:`write`
    formats rows (binary COPY) and hands them to a thread that stages them and,
    at each :meth:`end_chunk`, moves them into the tables (replacing the
    organisation's routes of the same ids), while the caller parses the next
    chunk. :meth:`commit` finishes and commits. Closing without a commit (an
    error, a cancel) rolls back: the database is as it was.

    ``organisation``: see :func:`write_postgis`. ``bulk``: True or False forces
    bulk mode on or off (see sql/005_streamed_import.sql); None (default) turns
    it on when ``expected_rows`` (the export's rows) is at least
    :data:`BULK_MIN_ROWS` and at least half the routes the store holds.
    """

    def __init__(self, uri: str, *, file_name: str, file_sha256: str, organisation: str | None = None,
                 expected_rows: int | None = None, bulk: bool | None = None):
        self.uri, self.file_name, self.file_sha256 = uri, file_name, file_sha256
        self.conn = connect(uri)
        self.pipeline: _Pipeline | None = None
        self.staged: set[str] = set()  # staging tables holding rows not yet moved (the pipeline's thread only)
        self.written = self.replaced = 0
        with self._rollback_on_error():
            self.cur = self.conn.cursor()
            self.organisation = _organisation(self.cur, organisation)
            self.udts = _columns(self.cur, TABLES, udt=True)
            self.cur.execute("SELECT to_regproc('routes.finish_import') IS NOT NULL")
            if not self.cur.fetchone()[0]:
                raise PostgisError(f"the database at {redact(uri)} lacks sql/005_streamed_import.sql: apply the "
                                   "sql/ migrations (docs/postgis.md)")
            params = {"org": self.organisation, "file": file_name, "sha": file_sha256}
            # one organisation's imports one after the other; the tables always locked in the same order
            self.cur.execute("SELECT pg_advisory_xact_lock(hashtextextended('routes.import/' || %(org)s, 0))", params)
            self.bulk = self._bulk_mode(bulk, expected_rows)
            if self.bulk:
                self.cur.execute("SELECT routes.begin_bulk_import()")
            else:
                self.cur.execute("LOCK TABLE routes.route_lines, routes.route_points, routes.route_legs, "
                                 "routes.rejected_rows IN ROW EXCLUSIVE MODE")
            self.cur.execute("INSERT INTO routes.imports (organisation, file_name, file_sha256, rows_in, rows_mapped, "
                             "rows_rejected, routes_written, routes_replaced) VALUES (%(org)s, %(file)s, %(sha)s, "
                             "0, 0, 0, 0, 0) RETURNING import_id", params)
            self.import_id = self.cur.fetchone()[0]
            for table in TABLES:
                _create_stage(self.cur, table, self.udts[table])
            self.pipeline = _Pipeline()

    def _bulk_mode(self, bulk: bool | None, expected_rows: int | None) -> bool:
        if bulk is not None:
            return bool(bulk)
        if expected_rows is None or expected_rows < BULK_MIN_ROWS:
            return False
        self.cur.execute("SELECT greatest(c.reltuples, 0, coalesce(s.n_live_tup, 0))::bigint FROM pg_class c "
                         "LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid WHERE c.oid = 'routes.route_lines'::regclass")
        return expected_rows >= self.cur.fetchone()[0] / 2

    @contextlib.contextmanager
    def _rollback_on_error(self):
        import psycopg2

        try:
            yield
        except psycopg2.Error as exc:
            self.close()
            raise PostgisError(f"import into {redact(self.uri)} rolled back, nothing was written: "
                               f"{str(exc).strip()}") from None
        except BaseException:
            self.close()
            raise

    # --------------------------------------------------- the pipeline's thread ---
    def _copy(self, table: str, columns: list[str], data: bytes) -> None:
        from psycopg2 import sql

        copy = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT binary)").format(
            sql.Identifier(f"_stage_{table}"), sql.SQL(", ").join(map(sql.Identifier, columns)))
        self.cur.copy_expert(copy.as_string(self.cur), io.BytesIO(data), size=COPY_READ_SIZE)
        self.staged.add(table)

    def _move(self) -> None:
        """The staged rows into the tables: the organisation's routes of the same ids
        replaced (their points and legs go with them: the cascade trigger, or in bulk
        mode routes.end_bulk_import), lines first (points and legs name them)."""
        from psycopg2 import sql

        if not self.staged:
            return
        cur = self.cur
        params = {"org": self.organisation, "import_id": self.import_id}
        if "route_lines" in self.staged:
            cur.execute("DELETE FROM routes.route_lines WHERE organisation = %(org)s AND import_id <> %(import_id)s "
                        "AND route_id IN (SELECT route_id FROM _stage_route_lines)", params)
            self.replaced += cur.rowcount
            if not self.bulk:  # in bulk mode rejected_rows has no index yet: routes.end_bulk_import does it
                cur.execute("DELETE FROM routes.rejected_rows WHERE organisation = %(org)s AND import_id <> "
                            "%(import_id)s AND route_id IN (SELECT route_id FROM _stage_route_lines)", params)
        for table in TABLES:
            if table not in self.staged:
                continue
            cols = sql.SQL(", ").join(sql.Identifier(c) for c in self.udts[table] if c not in BOOKKEEPING)
            cur.execute(sql.SQL("INSERT INTO {} ({}, import_id, organisation) SELECT {}, %(import_id)s, %(org)s "
                                "FROM {}").format(sql.Identifier(SCHEMA, table), cols, cols,
                                                  sql.Identifier(f"_stage_{table}")), params)
        cur.execute(sql.SQL("TRUNCATE {}").format(
            sql.SQL(", ").join(sql.Identifier(f"_stage_{t}") for t in TABLES if t in self.staged)))
        self.staged.clear()

    # ------------------------------------------------------------- the caller ---
    def write(self, name: str, df: pd.DataFrame) -> None:
        """Stage ``df`` (a chunk of layer ``name``); derived layers (``places``) are not stored."""
        if name in DERIVED:
            return
        if name not in TABLES:
            raise PostgisError(f"unknown layer {name}: the store holds {', '.join(TABLES)}")
        with self._rollback_on_error():
            if df.empty:
                return
            columns, data = copy_data(name, df, self.udts[name])
            self.pipeline.submit(lambda: self._copy(name, columns, data))

    def end_chunk(self) -> None:
        """The rows written since the last call go into the tables (in the pipeline's thread)."""
        with self._rollback_on_error():
            self.pipeline.submit(self._move)

    def commit(self, rows_in: int, rows_mapped: int, rows_rejected: int) -> int:
        """Record the import's counts (with the export's row accounting) and commit;
        returns the ``import_id``."""
        params = {"org": self.organisation, "sha": self.file_sha256, "import_id": self.import_id}
        with self._rollback_on_error():
            self.pipeline.submit(self._move)
            self.pipeline.drain()
            self.pipeline.stop()
            cur = self.cur
            if self.bulk:
                cur.execute("SELECT routes.end_bulk_import(%(import_id)s)", params)
            else:
                cur.execute("DELETE FROM routes.rejected_rows WHERE organisation = %(org)s AND import_id <> "
                            "%(import_id)s AND import_id IN (SELECT import_id FROM routes.imports WHERE "
                            "organisation = %(org)s AND file_sha256 = %(sha)s)", params)
            cur.execute("SELECT routes.finish_import(%s, %s, %s, %s, %s)",
                        (self.import_id, int(rows_in), int(rows_mapped), int(rows_rejected), self.replaced))
            self.conn.commit()
        return self.import_id

    def close(self) -> None:
        """Close the connection (an uncommitted import is rolled back)."""
        if self.pipeline is not None:
            self.pipeline.stop(self.conn)
        self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def write_postgis(layers: dict[str, pd.DataFrame], uri: str, *, file_name: str, file_sha256: str, rows_in: int,
                  rows_mapped: int, rows_rejected: int, organisation: str | None = None,
                  bulk: bool | None = None) -> int:
    """Import ``layers`` (name -> GeoDataFrame / DataFrame, docs/layers.md) into
    the store at ``uri`` in one transaction; returns the new ``import_id``.

    ``organisation``: the organisation to record for a non-contributor role
    (default: ``settings.default_organisation``); a contributor always imports
    for its registered organisation. ``bulk``: see :class:`PostgisWriter`.
    Raises :class:`PostgisError` (nothing written) on any failure.
    """
    rows = max((len(df) for name, df in layers.items() if name == "route_lines"), default=0)
    with PostgisWriter(uri, file_name=file_name, file_sha256=file_sha256, organisation=organisation,
                       expected_rows=rows, bulk=bulk) as writer:
        for name, df in layers.items():
            writer.write(name, df)
        return writer.commit(rows_in, rows_mapped, rows_rejected)


def read_layer(uri: str, table: str, where: str | None = None, params=None, columns=None) -> pd.DataFrame:
    """Read ``routes.<table>`` (a table or view) as a GeoDataFrame (EPSG:4326,
    when it has ``geom``) or DataFrame, with what the role may see.

    ``where``: an optional SQL condition with ``%s`` placeholders for ``params``;
    ``columns``: the attribute columns to read (default all; the geometry always).
    """
    from psycopg2 import sql

    with contextlib.closing(connect(uri)) as conn, conn, conn.cursor() as cur:
        kinds = _columns(cur, [table])[table]
        if columns is not None:
            kinds = {c: k for c, k in kinds.items() if c in columns or k == "geometry"}
        select = [sql.SQL("ST_AsBinary({0}) AS {0}").format(sql.Identifier(c)) if k == "geometry" else sql.Identifier(c)
                  for c, k in kinds.items()]
        query = sql.SQL("SELECT {} FROM {}").format(sql.SQL(", ").join(select), sql.Identifier(SCHEMA, table))
        if where:
            query += sql.SQL(" WHERE ") + sql.SQL(where)
        if "fid" in kinds:
            query += sql.SQL(" ORDER BY fid")
        cur.execute(query, params)
        df = pd.DataFrame(cur.fetchall(), columns=list(kinds), dtype=object)
    for column, kind in kinds.items():
        if kind == "int":
            df[column] = pd.array(df[column], dtype="Int64")
        elif kind == "float":
            df[column] = pd.to_numeric(df[column]).astype("float64")
        elif kind == "bool":
            df[column] = df[column].astype("boolean")
    geom = [c for c, k in kinds.items() if k == "geometry"]
    if not geom:
        return df
    wkb = [None if v is None else bytes(v) for v in df.pop(geom[0])]
    return gpd.GeoDataFrame(df, geometry=shapely.from_wkb(wkb), crs=f"EPSG:{SRID}")
