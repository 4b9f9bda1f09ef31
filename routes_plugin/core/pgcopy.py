"""PostgreSQL's binary COPY format, built from whole columns (QGIS-free).

:func:`binary_copy` turns columns (a PostgreSQL type name and the values)
into the bytes of ``COPY ... FROM STDIN (FORMAT binary)``: a header, then per
row a field count and per field its length (-1 for NULL) and its bytes, all
big-endian (https://www.postgresql.org/docs/current/sql-copy.html). The
server then parses nothing (no text numbers, no hex WKB).

The layers repeat a few values many times (a place's names, country and
point on every stop there; a route's attributes on each of its stops), so a
field's bytes are made once per distinct value: each column is factorised,
neighbouring columns with few distinct combinations are made into one block
per combination, and a row is the join of its blocks (one ``bytes.join``
over the whole table). No Python code runs per row and field.

Geometry columns are sent as EWKB with their SRID (PostGIS's binary input).
"""
from __future__ import annotations

import struct

import numpy as np
import pandas as pd
import shapely

HEADER = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
TRAILER = (-1).to_bytes(2, "big", signed=True)
NULL_FIELD = (-1).to_bytes(4, "big", signed=True)
#: fixed-width types: PostgreSQL type name -> (struct format, kind of values)
FIXED = {"int2": (">h", "int"), "int4": (">i", "int"), "int8": (">q", "int"), "float4": (">f", "float"),
         "float8": (">d", "float"), "bool": (">?", "bool")}
TEXT = ("text", "varchar", "bpchar", "name")
#: the types this module writes
SUPPORTED = frozenset(FIXED) | frozenset(TEXT) | {"geometry"}
#: neighbouring columns are made into one block while their distinct combinations are at most
#: this share of the rows
GROUP_SHARE = 0.25


class CopyValueError(ValueError):
    """A column's values do not fit its type (the message names the type)."""


def _field(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


def _fixed(values, udt: str) -> tuple[np.ndarray, list[bytes]]:
    """(codes, field bytes of each distinct value) of a fixed-width column (code -1: NULL)."""
    fmt, kind = FIXED[udt]
    try:
        if kind == "int":
            arr = pd.array(pd.to_numeric(values), dtype="Int64")
        elif kind == "float":
            arr = pd.array(pd.to_numeric(values).astype("float64"), dtype="Float64")
            arr[np.isnan(arr.to_numpy(dtype="float64", na_value=np.nan))] = pd.NA  # NaN is NULL, as in text COPY
        else:
            arr = pd.array(values, dtype="boolean")
    except (TypeError, ValueError) as exc:
        raise CopyValueError(f"values do not fit its {kind} type ({exc})") from None
    codes, uniques = pd.factorize(arr, use_na_sentinel=True)
    pack = struct.Struct(fmt).pack
    try:
        fields = [_field(pack(v)) for v in uniques.tolist()]
    except (struct.error, OverflowError) as exc:
        raise CopyValueError(f"values out of the range of {udt} ({exc})") from None
    return codes, fields


def _text(values) -> tuple[np.ndarray, list[bytes]]:
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes, [_field(str(u).encode("utf-8")) for u in uniques.tolist()]


def _geometry(values, srid: int) -> tuple[np.ndarray, list[bytes]]:
    """Geometries factorised by their coordinates where they are all points, or all
    lines of the same number of points (stops at places, legs between them)."""
    geoms = np.asarray(values, dtype=object)
    missing = shapely.is_missing(geoms)
    codes = np.full(len(geoms), -1, dtype=np.int64)
    present = geoms[~missing]
    if not len(present):
        return codes, []
    types = shapely.get_type_id(present)
    counts = shapely.get_num_coordinates(present)
    same_shape = (types.min() == types.max() and types[0] in (0, 1) and counts.min() == counts.max()
                  and counts[0] > 0 and not shapely.has_z(present).any())
    if same_shape:
        bits = np.ascontiguousarray(shapely.get_coordinates(present)).view(np.int64)  # -0.0 is not 0.0 in WKB
        bits = bits.reshape(len(present), -1)
        inner = np.zeros(len(present), dtype=np.int64)
        for column in bits.T:  # the coordinates' combination, one factorisation per coordinate
            codes_c, uniques_c = pd.factorize(column)
            inner = pd.factorize(inner * len(uniques_c) + codes_c)[0]
        distinct = present[_first_rows(inner)]
    else:
        inner, distinct = np.arange(len(present)), present
    wkb = shapely.to_wkb(shapely.set_srid(distinct, srid), include_srid=True)
    codes[~missing] = inner
    return codes, [_field(w) for w in wkb.tolist()]


def _column(udt: str, values, srid: int) -> tuple[np.ndarray, list[bytes]]:
    if udt in FIXED:
        return _fixed(values, udt)
    if udt in TEXT:
        return _text(values)
    if udt == "geometry":
        return _geometry(values, srid)
    raise KeyError(udt)


def _blocks(columns: list[tuple[np.ndarray, list[bytes]]], n: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Neighbouring columns with few distinct combinations made into blocks: a list of
    (codes, bytes of each distinct block) whose join, row by row, is the row's fields."""
    limit = max(1, int(n * GROUP_SHARE))
    out, group, combined, card = [], [], None, 0
    for codes, fields in columns:
        values = np.array(fields + [NULL_FIELD], dtype=object)  # code -1 takes NULL_FIELD
        if group and len(fields) + 1 <= limit and card * (len(fields) + 1) < 2 ** 62:
            trial, uniques = pd.factorize(combined * (len(fields) + 1) + (codes + 1))
            if len(uniques) <= limit:
                group.append((codes, values))
                combined, card = trial.astype(np.int64), len(uniques)
                continue
        if group:
            out.append(_join_group(group, combined, card))
        group, combined, card = [(codes, values)], codes + 1, len(fields) + 1
    if group:
        out.append(_join_group(group, combined, card))
    return out


def _first_rows(codes: np.ndarray) -> np.ndarray:
    """The first row of each code 0..max (codes numbered in order of appearance)."""
    return np.flatnonzero(np.r_[True, codes[1:] > np.maximum.accumulate(codes)[:-1]]) if len(codes) else codes


def _join_group(group, combined: np.ndarray, card: int) -> tuple[np.ndarray, np.ndarray]:
    if len(group) == 1:
        codes, values = group[0]
        return codes, values
    codes, _ = pd.factorize(combined)
    first = _first_rows(codes)
    parts = [values[c[first]] for c, values in group]
    blocks = np.array([b"".join(t) for t in zip(*(p.tolist() for p in parts))], dtype=object)
    return codes, blocks


def binary_copy(columns: list[tuple[str, object]], srid: int = 4326) -> bytes:
    """The binary COPY data of ``columns``: ``(PostgreSQL type name, values)`` pairs of
    equal length (``values``: a Series or array; missing values are NULL).
    Raises :class:`CopyValueError` (naming the column's position) for values that do
    not fit, and ``KeyError`` for a type not in :data:`SUPPORTED`."""
    n = len(columns[0][1]) if columns else 0
    parsed = []
    for k, (udt, values) in enumerate(columns):
        if len(values) != n:
            raise ValueError("columns of different lengths")
        try:
            parsed.append(_column(udt, values, srid))
        except CopyValueError as exc:
            raise CopyValueError(f"column {k}: {exc}") from None
    rows = np.empty((n, 1), dtype=object)
    rows[:, 0] = len(columns).to_bytes(2, "big")
    if n and columns:
        blocks = _blocks(parsed, n)
        rows = np.empty((n, len(blocks) + 1), dtype=object)
        rows[:, 0] = len(columns).to_bytes(2, "big")
        for j, (codes, values) in enumerate(blocks, start=1):
            rows[:, j] = values[codes]
    return HEADER + b"".join(rows.ravel().tolist()) + TRAILER
