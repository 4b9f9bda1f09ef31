"""The shared network store: the output layers in a PostGIS schema ``routes``.

One analyst keeps a GeoPackage (:mod:`.store`); a network of organisations
shares one PostgreSQL/PostGIS database whose tables, roles and views are
created by the ``sql/NNN_*.sql`` migrations (see ``docs/postgis.md``).

An import of one export's layers is ONE transaction:

1. every layer is COPYed into a temporary staging table (chunk by chunk);
2. ``pg_advisory_xact_lock`` on the organisation serialises that
   organisation's imports (imports of different organisations touch
   different rows and run side by side);
3. the import is recorded in ``routes.imports`` (file name and SHA-256, rows
   in / mapped / rejected, routes written / replaced, ``imported_by`` = the
   database role, organisation);
4. the organisation's routes with the same ``route_id`` are deleted (their
   points and legs go with them, ``ON DELETE CASCADE``), as are its rejected
   rows of those routes or of earlier imports of the same file (same SHA-256);
5. the staged rows are inserted, tagged with ``import_id`` and organisation.

So re-importing an export, or importing overlapping exports, never
duplicates a route, and any error rolls the whole import back.
:class:`PostgisWriter` imports chunk by chunk (the loader's interface),
:func:`write_postgis` a dict of whole layers.

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
import numpy as np
import pandas as pd
import shapely

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
NULL = r"\N"
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


def _columns(cur, tables) -> dict[str, dict[str, str]]:
    """table -> {column: kind} (kind: int, float, bool, geometry, text) for tables/views of the schema."""
    cur.execute("SELECT table_name, column_name, udt_name FROM information_schema.columns "
                "WHERE table_schema = %s AND table_name = ANY(%s) ORDER BY table_name, ordinal_position",
                (SCHEMA, list(tables)))
    out: dict[str, dict[str, str]] = {t: {} for t in tables}
    for table, column, udt in cur.fetchall():
        out[table][column] = _KINDS.get(udt, "text")
    missing = [t for t, cols in out.items() if not cols]
    if missing:
        raise PostgisError(f"the database has no {', '.join(f'{SCHEMA}.{t}' for t in missing)} (or this role may not "
                           "read it): apply the sql/ migrations, see docs/postgis.md")
    return out


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_FORMAT = {"int": lambda v: str(int(v)), "float": lambda v: repr(float(v)), "bool": lambda v: "t" if v else "f",
           "text": lambda v: str(v).translate(_ESCAPES)}


def _text(values: pd.Series, kind: str, name: str) -> np.ndarray:
    """One column as COPY text-format values (``\\N`` for NULL). Each distinct
    value is formatted once (columns repeat a few place names and codes)."""
    try:
        if kind == "geometry":
            geoms = shapely.set_srid(np.asarray(values, dtype=object), SRID)
            out = shapely.to_wkb(geoms, hex=True, include_srid=True)
            out[pd.isna(out)] = NULL
            return out
        if kind == "int":
            values = pd.array(pd.to_numeric(values), dtype="Int64")
        elif kind == "float":
            values = pd.to_numeric(values).astype("float64")
        elif kind == "bool":
            values = values.astype("boolean")
    except (TypeError, ValueError) as exc:
        raise PostgisError(f"column {name}: values do not fit its {kind} type ({exc})") from None
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    formatted = np.array([*map(_FORMAT.get(kind, _FORMAT["text"]), uniques), NULL], dtype=object)
    return formatted[codes]  # code -1 (missing) takes the last: NULL


def _create_stage(cur, table: str, kinds: dict[str, str]) -> None:
    """The temporary staging table of ``table``: its data columns, no constraints."""
    from psycopg2 import sql

    data = [c for c in kinds if c not in BOOKKEEPING]
    cur.execute(sql.SQL("CREATE TEMP TABLE {} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA").format(
        sql.Identifier(f"_stage_{table}"), sql.SQL(", ").join(map(sql.Identifier, data)),
        sql.Identifier(SCHEMA, table)))


def _copy(cur, table: str, df: pd.DataFrame, kinds: dict[str, str]) -> None:
    """COPY ``df`` into the staging table of ``table``."""
    from psycopg2 import sql

    if df.empty:
        return
    data = {c: k for c, k in kinds.items() if c not in BOOKKEEPING}
    geometry = df.geometry.name if isinstance(df, gpd.GeoDataFrame) else None
    extra = set(df.columns) - set(data) - set(BOOKKEEPING) - set(IDENTIFYING) - {geometry}
    if extra:
        raise PostgisError(f"{table}: columns {', '.join(sorted(extra))} are not in {SCHEMA}.{table}; "
                           "apply the newer sql/ migrations (docs/postgis.md)")
    columns, parts = [], []
    for column, kind in data.items():
        if kind == "geometry" and geometry is not None:
            values = df.geometry if df.crs is None or df.crs.to_epsg() == SRID else df.geometry.to_crs(SRID)
        elif column in df.columns:
            values = df[column]
        else:
            continue
        columns.append(column)
        parts.append(_text(values, kind, f"{table}.{column}"))
    lines = "\n".join(map("\t".join, zip(*parts))) + "\n"
    copy = sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(f"_stage_{table}"),
                                                     sql.SQL(", ").join(map(sql.Identifier, columns)))
    cur.copy_expert(copy.as_string(cur), io.StringIO(lines))


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


class PostgisWriter:
    """One import into the store at ``uri``, layer by layer and chunk by chunk
    (the interface of :class:`.store.GeoPackageWriter`).

    :meth:`write` stages rows; :meth:`commit` records the import, replaces
    routes by ``route_id`` and commits, all in the one transaction opened
    here. Closing without a commit (an error, a cancel) rolls back: the
    database is as it was. ``organisation``: see :func:`write_postgis`.
    """

    def __init__(self, uri: str, *, file_name: str, file_sha256: str, organisation: str | None = None):
        self.uri, self.file_name, self.file_sha256 = uri, file_name, file_sha256
        self.conn = connect(uri)
        self.staged: set[str] = set()
        with self._rollback_on_error():
            self.cur = self.conn.cursor()
            self.organisation = _organisation(self.cur, organisation)
            self.kinds = _columns(self.cur, TABLES)

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

    def write(self, name: str, df: pd.DataFrame) -> None:
        """Stage ``df`` (a chunk of layer ``name``); derived layers (``places``) are not stored."""
        if name in DERIVED:
            return
        if name not in TABLES:
            raise PostgisError(f"unknown layer {name}: the store holds {', '.join(TABLES)}")
        with self._rollback_on_error():
            if name not in self.staged:
                _create_stage(self.cur, name, self.kinds[name])
                self.staged.add(name)
            _copy(self.cur, name, df, self.kinds[name])

    def commit(self, rows_in: int, rows_mapped: int, rows_rejected: int) -> int:
        """Record the import (with the export's row accounting), replace its
        routes, commit; returns the new ``import_id``."""
        from psycopg2 import sql

        params = {"org": self.organisation, "file": self.file_name, "sha": self.file_sha256, "rows_in": int(rows_in),
                  "mapped": int(rows_mapped), "rejected": int(rows_rejected)}
        cur = self.cur
        with self._rollback_on_error():
            for table in set(TABLES) - self.staged:
                _create_stage(cur, table, self.kinds[table])
            cur.execute("SELECT pg_advisory_xact_lock(hashtextextended('routes.import/' || %(org)s, 0))", params)
            cur.execute("INSERT INTO routes.imports (organisation, file_name, file_sha256, rows_in, rows_mapped, "
                        "rows_rejected, routes_written, routes_replaced) SELECT %(org)s, %(file)s, %(sha)s, "
                        "%(rows_in)s, %(mapped)s, %(rejected)s, (SELECT count(*) FROM _stage_route_lines), "
                        "(SELECT count(*) FROM routes.route_lines l JOIN _stage_route_lines s USING (route_id) "
                        "WHERE l.organisation = %(org)s) RETURNING import_id", params)
            params["import_id"] = import_id = cur.fetchone()[0]
            cur.execute("DELETE FROM routes.route_lines WHERE organisation = %(org)s "
                        "AND route_id IN (SELECT route_id FROM _stage_route_lines)", params)
            cur.execute("DELETE FROM routes.rejected_rows WHERE organisation = %(org)s "
                        "AND (route_id IN (SELECT route_id FROM _stage_route_lines) OR import_id IN (SELECT import_id "
                        "FROM routes.imports WHERE organisation = %(org)s AND file_sha256 = %(sha)s))", params)
            for table in TABLES:
                cols = sql.SQL(", ").join(sql.Identifier(c) for c in self.kinds[table] if c not in BOOKKEEPING)
                cur.execute(sql.SQL("INSERT INTO {} ({}, import_id, organisation) SELECT {}, %(import_id)s, %(org)s "
                                    "FROM {}").format(sql.Identifier(SCHEMA, table), cols, cols,
                                                      sql.Identifier(f"_stage_{table}")), params)
            self.conn.commit()
        return import_id

    def close(self) -> None:
        """Close the connection (an uncommitted import is rolled back)."""
        self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def write_postgis(layers: dict[str, pd.DataFrame], uri: str, *, file_name: str, file_sha256: str, rows_in: int,
                  rows_mapped: int, rows_rejected: int, organisation: str | None = None) -> int:
    """Import ``layers`` (name -> GeoDataFrame / DataFrame, docs/layers.md) into
    the store at ``uri`` in one transaction; returns the new ``import_id``.

    ``organisation``: the organisation to record for a non-contributor role
    (default: ``settings.default_organisation``); a contributor always imports
    for its registered organisation. Raises :class:`PostgisError` (nothing
    written) on any failure.
    """
    with PostgisWriter(uri, file_name=file_name, file_sha256=file_sha256, organisation=organisation) as writer:
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
