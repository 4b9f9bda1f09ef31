"""Bulk-load a GeoPackage spatial index (an SQLite R*Tree) from arrays (QGIS-free).

GDAL 3.6 (Debian 12) fills a layer's ``rtree_<table>_<column>`` one entry
at a time (``CreateSpatialIndex``), which cost more than writing the rows.
Here the tree is packed in one go (Sort-Tile-Recursive, as GDAL >= 3.7's own
bulk loader does) with numpy and its nodes are written straight into the
three shadow tables of the virtual table SQLite created, in SQLite's own
format (``ext/rtree/rtree.c``):

* ``<rtree>_node(nodeno, data)``: node 1 is the root; a node is a blob of
  the root's length: 2 bytes tree depth (root only), 2 bytes cell count,
  then cells of an 8-byte id (a feature id in a leaf, a child node number
  above) and minx, maxx, miny, maxy as 4-byte floats, all big-endian;
* ``<rtree>_rowid(rowid, nodeno)``: the leaf of each feature id;
* ``<rtree>_parent(nodeno, parentnode)``: the parent of each non-root node.

Coordinates are rounded outwards to float32 exactly as SQLite rounds
values inserted through SQL, so the index holds the same boxes as one
built entry by entry; ``SELECT rtreecheck(...)`` accepts the tree (tested).
"""
from __future__ import annotations

import math

import numpy as np

#: SQLite's rounding factors (rtree.c RNDTOWARDS / RNDAWAY)
_TOWARDS = 1.0 - 1.0 / 8388608.0
_AWAY = 1.0 + 1.0 / 8388608.0
#: bytes of one 2-D cell: id + 4 float32
CELL_BYTES = 24
_CELL = np.dtype([("id", ">i8"), ("box", ">f4", (4,))])


def round_down(d: np.ndarray) -> np.ndarray:
    """float64 -> float32 not above the value (SQLite's rtreeValueDown)."""
    d = np.asarray(d, dtype=np.float64)
    f = d.astype(np.float32)
    fix = f > d
    f[fix] = (d[fix] * np.where(d[fix] < 0, _AWAY, _TOWARDS)).astype(np.float32)
    return f


def round_up(d: np.ndarray) -> np.ndarray:
    """float64 -> float32 not below the value (SQLite's rtreeValueUp)."""
    d = np.asarray(d, dtype=np.float64)
    f = d.astype(np.float32)
    fix = f < d
    f[fix] = (d[fix] * np.where(d[fix] < 0, _TOWARDS, _AWAY)).astype(np.float32)
    return f


def boxes(bounds: np.ndarray) -> np.ndarray:
    """shapely bounds (n x [minx, miny, maxx, maxy], float64) -> R-tree boxes
    (n x [minx, maxx, miny, maxy], float32, rounded outwards)."""
    return np.column_stack([round_down(bounds[:, 0]), round_up(bounds[:, 2]),
                            round_down(bounds[:, 1]), round_up(bounds[:, 3])]).astype(np.float32)


def _even(n: int, capacity: int) -> np.ndarray:
    """Sizes of ceil(n / capacity) groups as even as possible (all at least half full)."""
    k = -(-n // capacity)
    sizes = np.full(k, n // k, dtype=np.int64)
    sizes[: n % k] += 1
    return sizes


def _str_order(box: np.ndarray, capacity: int) -> np.ndarray:
    """Sort-Tile-Recursive order: vertical slices by centre x, each by centre y."""
    n = len(box)
    cx = (box[:, 0].astype(np.float64) + box[:, 1]) / 2
    cy = (box[:, 2].astype(np.float64) + box[:, 3]) / 2
    nodes = -(-n // capacity)
    slices = max(1, math.ceil(math.sqrt(nodes)))
    per_slice = capacity * -(-nodes // slices)
    by_x = np.argsort(cx, kind="stable")
    slice_of = np.empty(n, dtype=np.int64)
    slice_of[by_x] = np.arange(n) // per_slice
    return np.lexsort((cy, slice_of))


def _node_boxes(box: np.ndarray, starts: np.ndarray) -> np.ndarray:
    return np.column_stack([np.minimum.reduceat(box[:, 0], starts), np.maximum.reduceat(box[:, 1], starts),
                            np.minimum.reduceat(box[:, 2], starts), np.maximum.reduceat(box[:, 3], starts)])


def _blobs(ids: np.ndarray, box: np.ndarray, sizes: np.ndarray, node_size: int, depth: int = 0) -> list[bytes]:
    """Node blobs of consecutive groups of cells (``sizes``)."""
    capacity = (node_size - 4) // CELL_BYTES
    k = len(sizes)
    cells = np.zeros((k, capacity), dtype=_CELL)
    node = np.repeat(np.arange(k), sizes)
    slot = np.arange(len(ids)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    cells["id"][node, slot] = ids
    cells["box"][node, slot] = box
    buf = np.zeros((k, node_size), dtype=np.uint8)
    buf[:, 0:2] = np.frombuffer(np.array([depth], dtype=">u2").tobytes(), dtype=np.uint8)
    buf[:, 2:4] = np.asarray(sizes, dtype=">u2").view(np.uint8).reshape(k, 2)
    buf[:, 4:4 + capacity * CELL_BYTES] = cells.view(np.uint8).reshape(k, capacity * CELL_BYTES)
    return [row.tobytes() for row in buf]


def pack(ids: np.ndarray, box: np.ndarray, node_size: int):
    """The R-tree of entries ``ids`` (int64) with ``box`` (n x 4 float32, see
    :func:`boxes`) in nodes of ``node_size`` bytes -> (nodes, parents, rowids):
    lists of (nodeno, blob) and (nodeno, parentnode) rows and an iterator of (rowid, nodeno)."""
    capacity = (node_size - 4) // CELL_BYTES
    if capacity < 4:
        raise ValueError(f"R-tree node size {node_size} is too small")
    ids = np.asarray(ids, dtype=np.int64)
    box = np.asarray(box, dtype=np.float32)
    levels = []  # bottom up: (order, sizes) grouping the level below
    cur = box
    while len(cur) > capacity:
        order = _str_order(cur, capacity)
        sizes = _even(len(cur), capacity)
        starts = np.cumsum(sizes) - sizes
        levels.append((order, sizes))
        cur = _node_boxes(cur[order], starts)
    # node numbers: the root 1, then each level from the top down
    numbers, next_no = [], 2
    for order, sizes in reversed(levels):
        numbers.append(np.arange(next_no, next_no + len(sizes), dtype=np.int64))
        next_no += len(sizes)
    numbers.reverse()  # numbers[j]: node numbers of the nodes levels[j] makes
    nodes: list[tuple[int, bytes]] = []
    parents: list[np.ndarray] = []
    child_ids, child_box = ids, box
    leaf_of = np.ones(len(ids), dtype=np.int64)  # the root, while it is the only node
    for j, (order, sizes) in enumerate(levels):
        nos = numbers[j]
        sorted_ids, sorted_box = child_ids[order], child_box[order]
        nodes += zip(nos.tolist(), _blobs(sorted_ids, sorted_box, sizes, node_size))
        owner = np.repeat(nos, sizes)
        if j == 0:
            leaf_of = np.empty(len(ids), dtype=np.int64)
            leaf_of[order] = owner
        else:
            parents.append(np.column_stack([sorted_ids, owner]))
        child_ids = nos
        child_box = _node_boxes(sorted_box, np.cumsum(sizes) - sizes)
    depth = len(levels)
    root = _blobs(child_ids, child_box, np.array([len(child_ids)], dtype=np.int64), node_size, depth)[0]
    nodes.insert(0, (1, root))
    if levels:
        parents.append(np.column_stack([child_ids, np.ones(len(child_ids), dtype=np.int64)]))
    parent_rows = np.concatenate(parents).tolist() if parents else []
    return nodes, parent_rows, zip(ids.tolist(), leaf_of.tolist())  # an iterator: no list of pairs in memory


def fill(con, rtree: str, ids: np.ndarray, box: np.ndarray) -> None:
    """Replace the contents of the (just created) R*Tree ``rtree`` on the
    sqlite3 connection ``con`` with the entries ``ids`` / ``box``."""
    q = '"' + rtree.replace('"', '""')
    node_size = con.execute(f'SELECT length(data) FROM {q}_node" WHERE nodeno = 1').fetchone()[0]
    nodes, parents, rowids = pack(ids, box, node_size)
    con.execute(f'DELETE FROM {q}_node"')
    con.execute(f'DELETE FROM {q}_parent"')
    con.execute(f'DELETE FROM {q}_rowid"')
    con.executemany(f'INSERT INTO {q}_node" (nodeno, data) VALUES (?, ?)', nodes)
    con.executemany(f'INSERT INTO {q}_parent" (nodeno, parentnode) VALUES (?, ?)', parents)
    con.executemany(f'INSERT INTO {q}_rowid" (rowid, nodeno) VALUES (?, ?)', rowids)
