"""Rounded count classes for legends (flows, places): mapclassify's Fisher–Jenks
breaks rounded to 1, 2, 2.5, 5 × 10^n, no overlapping and no empty class, the
last one open ("50 or more routes"). QGIS-free; used by the chapter maps and the
flow styles so every map reads the same."""
from __future__ import annotations

import math

import numpy as np


def _nice(value: float) -> int:
    """Round up to 1, 2, 2.5 or 5 × 10^n (an integer ≥ 1)."""
    if value <= 1:
        return 1
    exp = 10 ** math.floor(math.log10(value))
    for m in (1, 2, 2.5, 5, 10):
        if value <= m * exp:
            return int(math.ceil(m * exp))
    return int(value)


def count_classes(values, k: int = 4, minimum: int = 1) -> list[tuple[int, int | None]]:
    """Rounded, non-overlapping, non-empty integer classes ``(low, high)`` of
    ``values`` (counts), from mapclassify's Fisher–Jenks breaks; the last class
    is open (``high`` None: "50 or more"). ``minimum`` is the lowest count that
    can be shown (the suppression threshold)."""
    import mapclassify

    v = np.asarray([x for x in values if x is not None and np.isfinite(x) and x >= minimum], float)
    low0 = max(int(minimum), 1)
    if len(v) == 0:
        return [(low0, None)]
    uniq = np.unique(v)
    k = max(1, min(k, len(uniq)))
    import warnings

    with warnings.catch_warnings():  # "Numba not installed": the pure-Python path is fast enough here
        warnings.simplefilter("ignore")
        breaks = mapclassify.FisherJenks(v, k=k).bins if k > 1 else np.array([v.max()])
    # a class is [low, next_low - 1]; its start is the rounded break of the class below + 1
    starts = [low0]
    for b in breaks[:-1]:
        s = _nice(b + 1)
        if s > starts[-1]:
            starts.append(s)
    # no empty class: drop starts whose class holds no value
    keep = []
    for i, s in enumerate(starts):
        nxt = starts[i + 1] if i + 1 < len(starts) else np.inf
        if ((v >= s) & (v < nxt)).any() or i == 0:
            keep.append(s)
    starts = keep
    out = [(s, starts[i + 1] - 1) for i, s in enumerate(starts[:-1])]
    out.append((starts[-1], None))
    return out


def class_of(value, classes) -> int:
    """Index of the class holding ``value`` (-1 for none)."""
    if value is None or not np.isfinite(value):
        return -1
    for i, (lo, hi) in enumerate(classes):
        if value >= lo and (hi is None or value <= hi):
            return i
    return -1


def class_label(lo: int, hi: int | None, unit: str, or_more: str = "or more") -> str:
    if hi is None:
        return f"{lo} {or_more} {unit}".strip()
    return f"{lo} {unit}" if lo == hi else f"{lo}–{hi} {unit}"


