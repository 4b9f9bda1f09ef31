"""Kernel density of weighted points on QGIS's heatmap grid, computed fast.

:func:`kernel_density` gives, pixel for pixel, what QGIS's
``qgis:heatmapkerneldensityestimation`` (``QgsKernelDensityEstimation``,
src/analysis/raster/qgskde.cpp) gives for the same points, radius, pixel size,
kernel and output scaling, without a loop over points: each point is binned
to its pixel with a few weights (polynomials in its position inside the
pixel), each binned grid is convolved by FFT with a matching footprint, and
the few footprint pixels where that is not accurate enough (the disc's edge
for the uniform kernel or small radii, the triangular kernel's cusp) are
computed exactly per point. The uniform kernel is summed exactly as runs of
pixels per row. See :func:`_plan`.

What is copied from QGIS on purpose:

- the grid: the points' extent buffered by the radius; ``ceil(size / pixel) + 1``
  rows and columns, anchored at the top-left corner (so the grid reaches below
  the bottom of the buffered extent);
- the kernel formulas and the "scaled" normalising constants (some of which are
  not unit-area: they are QGIS's, kept so results compare). QGIS's scaled
  quartic constant changed: up to QGIS 3.40.3 it is ``116 / (5 pi r^2)`` (a typo,
  7.25 times too large: QGIS issue #60616), from 3.40.4 and 3.42 on the
  unit-area ``16 / (5 pi r^2)`` (QGIS pull request #60631). The edge passes the
  QGIS version in use (``qgis_version``); without one the corrected constant
  is used (see :func:`quartic_constant`);
- the pixel radius rule (``radius // pixel``, plus one when the remainder is
  more than 0.5 map units) and the cut-off ``distance <= radius``;
- QGIS measures the vertical distance of a pixel from the point upwards from
  the bottom of the grid while writing rows downwards from the top, which
  mirrors the point's position inside its pixel row. The effective row
  position is reproduced here (see :func:`_pixel_positions`).

This module does not import QGIS. :func:`write_geotiff` uses GDAL's bindings.
"""
from __future__ import annotations

import errno
import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from .errors import RoutesError
from .files import FileWriteError, atomic_file, explain

#: Kernel names in QGIS's heatmap order (its ``KERNEL`` enum), then ours.
KERNELS = ("quartic", "triangular", "uniform", "triweight", "epanechnikov", "gaussian")
#: QGIS's ``OUTPUT_VALUE`` enum.
OUTPUT_VALUES = ("raw", "scaled")
#: The Gaussian kernel's standard deviation is the radius divided by this; it is cut off at the radius.
GAUSSIAN_SIGMAS = 3.0

Progress = Callable[[float], None]


class DensityError(RoutesError, ValueError):
    """Input that no density can honestly be computed from (message is for the user)."""


@dataclass(frozen=True)
class GridSpec:
    """A north-up raster grid: top-left corner, square pixel size, shape."""

    x_min: float
    y_max: float
    pixel_size: float
    cols: int
    rows: int

    @property
    def geotransform(self) -> tuple[float, float, float, float, float, float]:
        """GDAL geotransform of the grid."""
        return (self.x_min, self.pixel_size, 0.0, self.y_max, 0.0, -self.pixel_size)

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """``(x_min, y_min, x_max, y_max)`` of the whole grid."""
        return (self.x_min, self.y_max - self.rows * self.pixel_size,
                self.x_min + self.cols * self.pixel_size, self.y_max)


def radius_in_pixels(radius: float, pixel_size: float) -> int:
    """QGIS's half-width of a point's pixel block (``radiusSizeInPixels``)."""
    buffer = int(radius / pixel_size)
    return buffer + 1 if radius - pixel_size * buffer > 0.5 else buffer


#: First QGIS versions whose scaled quartic kernel uses ``16 / (5 pi r^2)`` (per
#: release series; every later series too). Earlier ones use ``116 / (5 pi r^2)``.
QUARTIC_FIXED_IN = ((3, 40, 4), (3, 42, 0))


def quartic_constant(qgis_version: Sequence[int] | None = None) -> float:
    """Numerator ``a`` of QGIS's scaled quartic constant ``a / (5 pi r^2)`` (times 15/16)
    in QGIS ``qgis_version`` (``(major, minor, patch)``): 116 before the fix
    (3.40.3 and older, 3.41 development builds), 16 after it and when no version is given."""
    if qgis_version is None:
        return 16.0
    version = tuple(int(v) for v in tuple(qgis_version)[:3])
    version += (0,) * (3 - len(version))
    fixed = version >= QUARTIC_FIXED_IN[-1] or QUARTIC_FIXED_IN[0] <= version < (3, 41, 0)
    return 16.0 if fixed else 116.0


def kernel_value(distance, radius: float, kernel: str = "quartic", output_value: str = "raw",
                 decay: float = 0.0, qgis_version: Sequence[int] | None = None) -> np.ndarray:
    """Value of one unit-weight point's kernel at ``distance`` (0 beyond ``radius``).

    Formulas and "scaled" constants are QGIS's (Wand & Jones 1995, p. 175, as
    coded in qgskde.cpp of QGIS ``qgis_version``, see :func:`quartic_constant`);
    ``decay`` only affects the triangular kernel. The Gaussian has sigma
    ``radius / 3`` and its scaled form integrates to 1 over the disc.
    """
    if kernel not in KERNELS:
        raise DensityError(f"unknown kernel {kernel!r}; choose one of {', '.join(KERNELS)}")
    if output_value not in OUTPUT_VALUES:
        raise DensityError(f"output value must be one of {OUTPUT_VALUES}, not {output_value!r}")
    d = np.asarray(distance, dtype=float)
    scaled = output_value == "scaled"
    r2 = radius * radius
    s = 1 - d * d / r2
    if kernel == "quartic":
        v = s * s * ((quartic_constant(qgis_version) / (5 * math.pi * r2)) * 15 / 16 if scaled else 1)
    elif kernel == "triweight":
        v = s * s * s * ((128 / (35 * math.pi * r2)) * 35 / 32 if scaled else 1)
    elif kernel == "epanechnikov":
        v = s * ((8 / (3 * math.pi * r2)) * 3 / 4 if scaled else 1)
    elif kernel == "uniform":
        v = np.full_like(d, 1 / (math.pi * r2) if scaled else 1.0)
    elif kernel == "triangular":
        k = 3 / ((1 + 2 * decay) * math.pi * r2) if scaled and decay >= 0 else 1.0
        v = k * (1 - (1 - decay) * d / radius)
    else:  # gaussian
        s2 = (radius / GAUSSIAN_SIGMAS) ** 2
        k = 1 / (2 * math.pi * s2 * (1 - math.exp(-r2 / (2 * s2)))) if scaled else 1.0
        v = k * np.exp(-(d * d) / (2 * s2))
    return np.where(d <= radius, v, 0.0)


def _buffered(extent, radius):
    """``extent`` grown by ``radius`` on every side (QGIS's ``calculateBounds``)."""
    x0, y0, x1, y1 = (float(v) for v in extent)
    return x0 - radius, y0 - radius, x1 + radius, y1 + radius


def qgis_grid(extent: Sequence[float], radius: float, pixel_size: float) -> GridSpec:
    """QGIS's heatmap grid for points whose extent is ``(x_min, y_min, x_max, y_max)``."""
    x0, y0, x1, y1 = _buffered(extent, radius)
    rows = max(math.ceil((y1 - y0) / pixel_size) + 1, 1)
    cols = max(math.ceil((x1 - x0) / pixel_size) + 1, 1)
    return GridSpec(x0, y1, float(pixel_size), cols, rows)


def _pixel_positions(x, y, bounds, pixel_size, buffer):
    """Point positions in pixel units (column, row; pixel ``i`` has its centre at
    ``i + 0.5``), with QGIS's mirrored position inside the row (see module doc)."""
    x_min, y_min, _, y_max = bounds
    col = (x - x_min) / pixel_size
    up = (y - y_min) / pixel_size
    down = (y_max - y) / pixel_size
    row = np.trunc(down - buffer) + up - np.trunc(up - buffer)
    return col, row


#: Highest degree of the polynomial in a point's position inside its pixel that
#: stands in for each kernel value (enough to be exact for the polynomial kernels).
_MAX_DEGREE = {"quartic": 4, "triangular": 6, "uniform": 0, "triweight": 6, "epanechnikov": 2, "gaussian": 6}
#: Largest share of a point's kernel mass the polynomial may get wrong inside the disc,
#: and on the disc's edge before edge pixels are computed exactly per point.
_FIT_TOLERANCE, _EDGE_TOLERANCE = 1e-6, 1e-4
#: For the triangular kernel (a cusp at the point), offsets this close (pixels) are computed exactly.
_CUSP_PIXELS = 3.0


def _monomials(degree):
    return [(m, n) for m in range(degree + 1) for n in range(degree + 1 - m)]


def _plan(radius, pixel_size, buffer, kernel, output_value, decay):
    """Split the kernel footprint of a point at ``(i + fx, j + fy)`` (pixel
    ``(i, j)``, ``0 <= f < 1``) into a few smooth terms and a set of offsets
    computed exactly per point.

    Each footprint value, as a function of ``f``, is fitted by a polynomial in
    ``(fx - 1/2, fy - 1/2)`` (least squares on Chebyshev nodes; exact for the
    polynomial kernels), of the lowest degree whose error, checked on a finer
    set of positions, stays below :data:`_FIT_TOLERANCE` of the kernel's mass.
    Offsets the disc's edge crosses are computed exactly when the fit there
    would be off by more than :data:`_EDGE_TOLERANCE` (the uniform kernel, or
    small radii), as are offsets next to the triangular kernel's cusp.

    Returns ``(terms, coefs, exact)``: the monomials ``(m, n)``, one footprint of
    coefficients per monomial, and the ``(kx, ky)`` offsets computed exactly.
    """
    pad = buffer + 1
    k = np.arange(-pad, pad + 1)
    kx, ky = (a.ravel() for a in np.meshgrid(k, k))
    near = np.hypot(np.clip(np.abs(kx) - 0.5, 0, None), np.clip(np.abs(ky) - 0.5, 0, None)) * pixel_size
    far = np.hypot(np.abs(kx) + 0.5, np.abs(ky) + 0.5) * pixel_size
    reach = near <= radius
    edge = reach & (far > radius)
    cusp = reach & (near < _CUSP_PIXELS * pixel_size) if kernel == "triangular" else np.zeros_like(reach)
    fitted = reach & ~cusp
    ox, oy = kx[fitted, None], ky[fitted, None]

    def values(fx, fy):
        return kernel_value(np.hypot((ox + 0.5 - fx) * pixel_size, (oy + 0.5 - fy) * pixel_size),
                            radius, kernel, output_value, decay)

    check = np.linspace(0, 1, 6)
    cx, cy = (a.ravel() for a in np.meshgrid(check, check))
    truth = values(cx, cy)
    mass = np.abs(truth).mean(axis=1).sum()
    for degree in range(_MAX_DEGREE[kernel] + 1):
        terms = _monomials(degree)
        q = degree + 1
        nodes = 0.5 - 0.5 * np.cos(np.pi * (np.arange(q) + 0.5) / q)
        fx, fy = (a.ravel() for a in np.meshgrid(nodes, nodes))
        fit = np.linalg.lstsq(np.stack([(fx - .5) ** m * (fy - .5) ** n for m, n in terms], axis=1),
                              values(fx, fy).T, rcond=None)[0]
        resid = np.abs(np.stack([(cx - .5) ** m * (cy - .5) ** n for m, n in terms], axis=1) @ fit - truth.T).max(axis=0)
        on_edge = edge[fitted]
        if resid[~on_edge].sum() <= _FIT_TOLERANCE * mass:
            break
    exact = cusp.copy()
    if resid[on_edge].sum() > _EDGE_TOLERANCE * mass:
        fit[:, on_edge] = 0.0
        exact |= edge
    coefs = np.zeros((len(terms), kx.size))
    coefs[:, fitted] = fit
    return terms, coefs.reshape(len(terms), 2 * pad + 1, 2 * pad + 1), (kx[exact], ky[exact])


#: Values handled per vectorised step (keeps the work in the processor's cache).
_CHUNK = 400_000


def _chunks(n, per_item):
    step = max(1, _CHUNK // max(per_item, 1))
    return [slice(start, start + step) for start in range(0, n, step)]


class _ScatterSum:
    """A flat array that scattered values are added to, a few million at a time."""

    def __init__(self, size):
        self.total = np.zeros(size)
        self._idx, self._val, self._n = [], [], 0

    def add(self, idx, val):
        self._idx.append(idx)
        self._val.append(val)
        self._n += idx.size
        if self._n >= 20 * _CHUNK:
            self.flush()

    def flush(self):
        if self._idx:
            self.total += np.bincount(np.concatenate(self._idx), np.concatenate(self._val), minlength=self.total.size)
        self._idx, self._val, self._n = [], [], 0
        return self.total


def _uniform_runs(col, row, w, shape, radius, pixel_size, buffer, value, report):
    """Exact uniform kernel: every point adds ``value * w`` to the run of pixels
    of each row whose centre is within ``radius`` (difference array per row).

    Most rows of most points need no checks: a point whose whole block lies
    inside the grid, on a row at least two pixels inside its circle, has a run
    of at least two pixels that needs no clipping; only the other rows (the
    circle's top and bottom, points near the grid's edge) are checked one by
    one. (Computed in place, a few passes over each chunk: this is the kernel's
    whole cost.)"""
    rows, cols = shape
    wide = cols + 1
    reach = radius / pixel_size  # the radius in pixels
    # whole weights add up exactly in any order: points at the same spot (stops at one town) are
    # one point of their summed weight (the same sums, fewer runs)
    whole = bool(np.all(w == np.round(w))) and float(np.abs(w).sum()) * (2 * buffer + 3) < 2.0 ** 52
    if whole and len(w) > 1:
        spots, where = np.unique(np.stack([col, row], axis=1), axis=0, return_inverse=True)
        if len(spots) < len(w):
            col, row, w = spots[:, 0], spots[:, 1], np.bincount(where.ravel(), w, minlength=len(spots))
    order = np.lexsort((col, np.floor(row)))  # row by row: the scattered sums stay near each other in memory
    col, row, w = col[order], row[order], w[order]
    base = np.floor(row).astype(np.int64)
    left = col - 0.5
    inner = int(math.floor(reach)) - 2  # rows base - inner .. base + inner: well inside every circle
    full = np.arange(-buffer - 1, buffer + 2)
    safe = ((inner >= 0) & (base - buffer - 1 >= 0) & (base + buffer + 1 < rows) & (left - reach - 2 >= 0)
            & (left + reach + 2 <= cols - 1))
    edge = full[np.abs(full) > inner]
    jobs = [(np.flatnonzero(~safe), full, True)]
    if safe.any():
        which = np.flatnonzero(safe)
        jobs += [(which, np.arange(-inner, inner + 1), False), (which, edge, True)]
    parts = [(which[sl], ky, checked) for which, ky, checked in jobs for sl in _chunks(which.size, ky.size)]
    r2 = radius * radius
    total = _run_parts(parts, base, row, left, w, reach, radius, pixel_size, rows, cols, r2, report)
    return value * np.cumsum(total.reshape(rows, wide), axis=1)[:, :cols]


def _run_parts(parts, base, row, left, w, reach, radius, pixel_size, rows, cols, r2, report):
    """The difference array (rows x cols + 1, flat) of the uniform kernel's runs of ``parts``."""
    wide = cols + 1
    diff = _ScatterSum(rows * wide)
    for n, (which, ky, checked) in enumerate(parts):
        r = base[which, None] + ky
        dy2 = r + 0.5
        dy2 -= row[which, None]
        dy2 *= pixel_size
        dy2 *= dy2  # the squared vertical distance from the point to the row's centres
        if checked:
            ok = dy2 <= r2
        half = np.subtract(r2, dy2, out=dy2)
        np.maximum(half, 0, out=half)
        np.sqrt(half, out=half)
        half /= pixel_size
        c = left[which, None]
        start = np.subtract(c, half)
        np.ceil(start, out=start)
        stop = np.add(c, half, out=half)  # the last pixel of the run
        np.floor(stop, out=stop)
        r *= wide
        if checked:
            np.maximum(start, 0, out=start)
            np.minimum(stop, cols - 1, out=stop)
            ok &= r >= 0
            ok &= r < rows * wide
            ok &= stop >= start
            r, start, stop = r[ok], start[ok], stop[ok]
            weight = np.broadcast_to(w[which, None], ok.shape)[ok]
        else:
            r, start, stop = r.ravel(), start.ravel(), stop.ravel()
            weight = np.repeat(w[which], ky.size)
        diff.add(r + start.astype(np.int64), weight)
        diff.add(r + stop.astype(np.int64) + 1, -weight)
        report(0.1 + 0.85 * (n + 1) / len(parts))
    return diff.flush()


def _fast_len(n: int) -> int:
    """The smallest 2-3-5-smooth number ``>= n`` (``scipy.fft.next_fast_len(n, real=True)``)."""
    best = 1 << max(int(n) - 1, 0).bit_length()
    f5 = 1
    while f5 < best:
        f35 = f5
        while f35 < best:
            f = f35
            while f < n:
                f *= 2
            best = min(best, f)
            f35 *= 3
        f5 *= 5
    return best


def _convolve_terms(i, j, fx, fy, w, terms, coefs, shape, report):
    """Sum over terms of (points binned to their pixel, weighted by the term's
    monomial) convolved with the term's footprint, in one inverse FFT.

    numpy's FFT, not scipy's: importing scipy.fft costs more than the whole
    convolution (the two agree to a few units in the 16th digit)."""
    rows, cols = shape
    pad = coefs.shape[1] // 2
    # the output is the linear convolution cropped to [pad, pad + rows): a circular one of
    # rows + pad (not rows + 2 pad) already keeps the wrapped-around part out of it
    size = (_fast_len(rows + pad), _fast_len(cols + pad))
    flat = j * cols + i
    acc = None
    with ThreadPoolExecutor(max_workers=2) as pool:  # numpy's FFT lets go of the GIL: a term's two transforms at once
        for t, (m, n) in enumerate(terms):
            binned = np.bincount(flat, w * (fx - 0.5) ** m * (fy - 0.5) ** n, minlength=rows * cols)
            data, footprint = pool.map(lambda a: np.fft.rfft2(a, size), (binned.reshape(rows, cols), coefs[t]))
            product = data * footprint
            acc = product if acc is None else acc + product
            report(0.1 + 0.5 * (t + 1) / len(terms))
    return np.fft.irfft2(acc, size)[pad:pad + rows, pad:pad + cols]


def _add_exact(out, i, j, fx, fy, w, offsets, pixel_size, radius, kernel, output_value, decay, report):
    """Add the exactly computed kernel values at ``offsets`` of every point."""
    kx, ky = offsets
    if not kx.size:
        return
    rows, cols = out.shape
    total = _ScatterSum(rows * cols)
    parts = _chunks(len(i), kx.size)
    for n, sl in enumerate(parts):
        c = i[sl, None] + kx
        r = j[sl, None] + ky
        dist = np.hypot((kx + 0.5 - fx[sl, None]) * pixel_size, (ky + 0.5 - fy[sl, None]) * pixel_size)
        val = w[sl, None] * kernel_value(dist, radius, kernel, output_value, decay)
        ok = (c >= 0) & (c < cols) & (r >= 0) & (r < rows) & (val != 0)
        total.add((r * cols + c)[ok], val[ok])
        report(0.6 + 0.35 * (n + 1) / len(parts))
    out += total.flush().reshape(rows, cols)


def check_points(x, y, weights) -> None:
    """Raise :class:`DensityError` for input no density can be made of."""
    if len(x) == 0:
        raise DensityError("there are no points to compute a density from (empty input or everything filtered out)")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise DensityError("some points have no valid coordinates")
    if (weights < 0).any():
        raise DensityError("weights must not be negative")
    if not (weights > 0).any():
        raise DensityError("every point has a zero (or missing) weight: the density would be zero everywhere")


def kernel_density(x, y, weights=None, radius: float = 100.0, pixel_size: float = 10.0,
                   kernel: str = "quartic", output_value: str = "raw", extent=None,
                   decay: float = 0.0, progress: Progress | None = None,
                   qgis_version: Sequence[int] | None = None) -> tuple[np.ndarray, GridSpec]:
    """Kernel density of points ``x, y`` (projected map units) on QGIS's heatmap grid.

    ``weights`` default to 1; missing weights count as 0 (as in QGIS).
    ``radius`` and ``pixel_size`` are in map units. ``extent`` is the
    ``(x_min, y_min, x_max, y_max)`` the grid is built from (default: the
    points' own extent, as QGIS does); it is buffered by the radius. Points
    outside the buffered extent are ignored. ``kernel`` is one of
    :data:`KERNELS`, ``output_value`` one of :data:`OUTPUT_VALUES`.
    ``progress(fraction)`` is called between steps and may raise to cancel.
    ``qgis_version`` (``(major, minor, patch)`` of the QGIS whose heatmap to
    match) only matters for the scaled quartic kernel (:func:`quartic_constant`).

    Returns ``(array, grid)``: a float64 array of ``grid.rows x grid.cols``
    (row 0 is the top), 0 where no point reaches, and the :class:`GridSpec`.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    w = np.ones_like(x) if weights is None else np.nan_to_num(np.asarray(weights, dtype=float), nan=0.0)
    check_points(x, y, w)
    if not (radius > 0 and pixel_size > 0):
        raise DensityError("radius and pixel size must both be positive")
    if radius < pixel_size:
        raise DensityError(f"the radius ({radius:g}) is smaller than one pixel ({pixel_size:g}): "
                           "use a larger radius or smaller pixels")
    kernel_value(0.0, radius, kernel, output_value, decay)  # validates the names
    report = progress or (lambda fraction: None)

    ext = extent if extent is not None else (x.min(), y.min(), x.max(), y.max())
    bounds = _buffered(ext, radius)
    grid = qgis_grid(ext, radius, pixel_size)
    inside = (x >= bounds[0]) & (x <= bounds[2]) & (y >= bounds[1]) & (y <= bounds[3]) & (w != 0)
    buffer = radius_in_pixels(radius, pixel_size)
    col, row = _pixel_positions(x[inside], y[inside], bounds, pixel_size, buffer)
    if kernel == "uniform":
        dens = _uniform_runs(col, row, w[inside], (grid.rows, grid.cols), radius, pixel_size, buffer,
                             float(kernel_value(0.0, radius, kernel, output_value)), report)
    else:
        i, j = np.floor(col), np.floor(row)
        fx, fy, i, j = col - i, row - j, i.astype(np.int64), j.astype(np.int64)
        terms, coefs, exact = _plan(radius, pixel_size, buffer, kernel, output_value, decay)
        report(0.1)
        dens = _convolve_terms(i, j, fx, fy, w[inside], terms, coefs, (grid.rows, grid.cols), report)
        dens[np.abs(dens) <= 1e-10 * np.abs(dens).max()] = 0.0  # FFT round-off where no point reaches
        _add_exact(dens, i, j, fx, fy, w[inside], exact, pixel_size, radius, kernel, output_value, decay, report)
    if kernel == "quartic" and output_value == "scaled":
        dens *= quartic_constant(qgis_version) / quartic_constant()
    report(1.0)
    return dens, grid


def default_pixel_and_radius(bounds) -> tuple[float, float]:
    """Pixel size and radius (map units, round numbers) for a study area with box
    ``bounds``: about 1000 pixels across its longer side, and a radius of a
    twentieth of it (Kenya: 1 km pixels, a 50 km radius)."""
    from .study_area import nice_number

    x0, y0, x1, y1 = bounds
    side = max(x1 - x0, y1 - y0)
    if not side > 0:
        raise DensityError("the study area has no extent: give the pixel size and radius")
    return nice_number(side / 1000), nice_number(side / 20)


def mask_outside(array: np.ndarray, grid: GridSpec, geometry) -> int:
    """Set to 0 (nodata) the pixels whose centre is outside ``geometry`` (a
    shapely polygon in the grid's CRS); returns how many had a density."""
    out = ~inside_pixels(grid, geometry)
    outside_with_density = int((out & (array != 0)).sum())
    array[out] = 0.0
    return outside_with_density


def inside_pixels(grid: GridSpec, geometry) -> np.ndarray:
    """Boolean ``rows x cols``: whether each pixel's centre lies inside ``geometry``
    (``shapely.contains_xy``: a centre on the outline is outside).

    GDAL burns the polygon (a pixel counts when its centre is inside) and, with
    ALL_TOUCHED, its outline; only the pixels the outline touches, and their
    neighbours, are tested point by point with shapely. Every other pixel lies
    wholly inside or wholly outside, so the burnt value is the answer there."""
    import shapely

    try:
        from osgeo import gdal, ogr
    except ImportError:  # no GDAL bindings: every pixel centre with shapely
        return _contains_centres(grid, geometry, np.ones((grid.rows, grid.cols), dtype=bool))
    raster = gdal.GetDriverByName("MEM").Create("", grid.cols, grid.rows, 2, gdal.GDT_Byte)
    raster.SetGeoTransform(grid.geotransform)
    source = ogr.GetDriverByName("Memory").CreateDataSource("")
    polygons = source.CreateLayer("area", geom_type=ogr.wkbUnknown)
    outline = source.CreateLayer("outline", geom_type=ogr.wkbUnknown)
    for layer, geom in ((polygons, geometry), (outline, shapely.boundary(geometry))):
        feature = ogr.Feature(layer.GetLayerDefn())
        feature.SetGeometryDirectly(ogr.CreateGeometryFromWkb(shapely.to_wkb(geom)))
        layer.CreateFeature(feature)
    gdal.PushErrorHandler("CPLQuietErrorHandler")  # "no spatial reference": none is needed, both share the grid's
    try:
        failed = gdal.RasterizeLayer(raster, [1], polygons, burn_values=[1]) != gdal.CE_None
        failed |= gdal.RasterizeLayer(raster, [2], outline, burn_values=[1],
                                      options=["ALL_TOUCHED=TRUE"]) != gdal.CE_None
    finally:
        gdal.PopErrorHandler()
    burnt = raster.GetRasterBand(1).ReadAsArray().astype(bool)
    near = raster.GetRasterBand(2).ReadAsArray().astype(bool)
    raster = source = None
    if failed:
        return _contains_centres(grid, geometry, np.ones_like(burnt))
    grown = near.copy()  # and the 8 neighbours: no pixel GDAL may have missed by a rounding
    grown[1:] |= near[:-1]
    grown[:-1] |= near[1:]
    wide = grown.copy()
    wide[:, 1:] |= grown[:, :-1]
    wide[:, :-1] |= grown[:, 1:]
    exact = _contains_centres(grid, geometry, wide)
    return np.where(wide, exact, burnt)


def _contains_centres(grid: GridSpec, geometry, which: np.ndarray) -> np.ndarray:
    """``shapely.contains_xy`` of the centres of the pixels ``which`` (False elsewhere)."""
    import shapely

    shapely.prepare(geometry)
    result = np.zeros(which.shape, dtype=bool)
    r, c = np.nonzero(which)
    for part in range(0, len(r), 1 << 18):
        rr, cc = r[part:part + (1 << 18)], c[part:part + (1 << 18)]
        result[rr, cc] = shapely.contains_xy(geometry, grid.x_min + (cc + 0.5) * grid.pixel_size,
                                             grid.y_max - (rr + 0.5) * grid.pixel_size)
    return result


#: GeoTIFF creation options of the density rasters (fast lossless compression, tiles for display)
GEOTIFF_OPTIONS = ("COMPRESS=DEFLATE", "ZLEVEL=1", "TILED=YES", "NUM_THREADS=ALL_CPUS")


def write_geotiff(path: str, array: np.ndarray, grid: GridSpec, crs_wkt: str, nodata: float | None = 0.0,
                  description: str = "relative density") -> str:
    """Write ``array`` as a single-band Float32 GeoTIFF on ``grid`` (``nodata`` marks
    pixels shown transparent; 0 by default, i.e. transparent where no density);
    the band is named ``description`` (what a legend shows above the ramp).

    Whole or not at all (:func:`.files.atomic_file`): the file is completed under a
    temporary name beside ``path`` and then moved into place, so a failure (a full
    disk, a cancel, a killed process) leaves no partial raster and any previous
    ``path`` as it was; a failure raises :class:`~.files.FileWriteError` naming ``path``."""
    from osgeo import gdal

    def failure(what):
        return FileWriteError(errno.EIO, explain(path, OSError(errno.EIO, gdal.GetLastErrorMsg() or what)))

    path = str(path)
    if np.shape(array) != (grid.rows, grid.cols):
        raise ValueError(f"the array ({np.shape(array)}) does not fit the grid ({grid.rows} x {grid.cols})")
    with atomic_file(path) as tmp:
        gdal.ErrorReset()
        try:
            ds = gdal.GetDriverByName("GTiff").Create(str(tmp), grid.cols, grid.rows, 1, gdal.GDT_Float32,
                                                      options=list(GEOTIFF_OPTIONS))
            if ds is None:
                raise failure("GDAL could not create it")
            ds.SetGeoTransform(grid.geotransform)
            ds.SetProjection(crs_wkt or "")
            band = ds.GetRasterBand(1)
            band.SetDescription(description)
            if nodata is not None:
                band.SetNoDataValue(nodata)
            failed = band.WriteArray(np.asarray(array, dtype=np.float32)) != gdal.CE_None
            failed |= band.FlushCache() not in (None, gdal.CE_None)
            band = ds = None  # closing writes the rest
        except RuntimeError as err:  # GDAL with exceptions enabled
            raise FileWriteError(errno.EIO, explain(path, err)) from None
        if failed or gdal.GetLastErrorType() >= gdal.CE_Failure:
            raise failure("GDAL could not write it")
    return path
