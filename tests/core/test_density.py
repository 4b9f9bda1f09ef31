"""Kernel density core against a literal transcription of QGIS's per-point loop."""
from __future__ import annotations

import math

import numpy as np
import pytest

from trafficking_routes.routes_plugin.core import density as D


def qgis_loop(x, y, w, radius, pixel, kernel, output_value, decay=0.0):
    """QgsKernelDensityEstimation::addFeature transcribed statement by statement
    (one point at a time; block origin by truncation; pixel centre Y measured
    from the bottom while rows are written from the top)."""
    x0, y0, x1, y1 = x.min() - radius, y.min() - radius, x.max() + radius, y.max() + radius
    rows = max(math.ceil((y1 - y0) / pixel) + 1, 1)
    cols = max(math.ceil((x1 - x0) / pixel) + 1, 1)
    buffer = int(radius / pixel)
    if radius - pixel * buffer > 0.5:
        buffer += 1
    out = np.zeros((rows, cols))
    for px, py, pw in zip(x, y, w):
        xpos = int((px - x0) / pixel - buffer)
        ypos = int((py - y0) / pixel - buffer)
        ypos_io = int((y1 - py) / pixel - buffer)
        for xp in range(2 * buffer + 1):
            for yp in range(2 * buffer + 1):
                cx = (xpos + xp + 0.5) * pixel + x0
                cy = (ypos + yp + 0.5) * pixel + y0
                d = math.sqrt((cx - px) ** 2 + (cy - py) ** 2)
                if d > radius:
                    continue
                out[ypos_io + yp, xpos + xp] += pw * float(D.kernel_value(d, radius, kernel, output_value, decay))
    return out, (x0, pixel, 0.0, y1, 0.0, -pixel)


@pytest.fixture(scope="module")
def points():
    rng = np.random.default_rng(7)
    n = 60
    x = np.concatenate([rng.normal(1000, 150, n), rng.uniform(0, 2000, n // 2)])
    y = np.concatenate([rng.normal(5000, 100, n), rng.uniform(4500, 5600, n // 2)])
    w = rng.integers(1, 9, x.size).astype(float)
    return x, y, w


@pytest.mark.parametrize("kernel", D.KERNELS)
@pytest.mark.parametrize("radius,pixel", [(300.0, 25.0), (257.3, 31.7)])
def test_matches_qgis_loop(points, kernel, radius, pixel):
    x, y, w = points
    expected, transform = qgis_loop(x, y, w, radius, pixel, kernel, "raw")
    got, grid = D.kernel_density(x, y, w, radius, pixel, kernel, "raw")
    assert got.shape == expected.shape
    assert np.allclose(grid.geotransform, transform)
    assert np.abs(got - expected).max() <= 1e-4 * expected.max()


@pytest.mark.parametrize("kernel", ["quartic", "triangular", "epanechnikov"])
def test_scaled_and_decay(points, kernel):
    x, y, w = points
    expected, _ = qgis_loop(x, y, w, 300.0, 25.0, kernel, "scaled", decay=0.4)
    got, _ = D.kernel_density(x, y, w, 300.0, 25.0, kernel, "scaled", decay=0.4)
    assert np.abs(got - expected).max() <= 1e-4 * expected.max()


def test_quartic_constant_follows_qgis_version(points):
    """QGIS fixed its scaled quartic constant (116 -> 16) in 3.40.4 / 3.42.0."""
    assert D.quartic_constant((3, 22, 16)) == D.quartic_constant((3, 40, 3)) == 116.0
    assert D.quartic_constant((3, 41, 9)) == 116.0
    assert D.quartic_constant((3, 40, 4)) == D.quartic_constant((3, 40, 6)) == 16.0
    assert D.quartic_constant((3, 42, 0)) == D.quartic_constant((4, 0)) == D.quartic_constant() == 16.0
    # the corrected scaled quartic integrates to 1 over the plane
    r = np.linspace(0, 1000.0, 200001)
    assert np.trapz(D.kernel_value(r, 1000.0, "quartic", "scaled") * 2 * np.pi * r, r) == pytest.approx(1, rel=1e-6)
    x, y, w = points
    new, _ = D.kernel_density(x, y, w, 300.0, 25.0, "quartic", "scaled", qgis_version=(3, 40, 6))
    old, _ = D.kernel_density(x, y, w, 300.0, 25.0, "quartic", "scaled", qgis_version=(3, 22, 16))
    expected, _ = qgis_loop(x, y, w, 300.0, 25.0, "quartic", "scaled")
    assert np.abs(new - expected).max() <= 1e-4 * expected.max()
    assert np.allclose(old, new * 116 / 16)
    raw_old, _ = D.kernel_density(x, y, w, 300.0, 25.0, "quartic", "raw", qgis_version=(3, 22, 16))
    assert np.array_equal(raw_old, D.kernel_density(x, y, w, 300.0, 25.0, "quartic", "raw")[0])


def test_uniform_raw_counts_weight_within_radius():
    """Independent of QGIS: a raw uniform density is the weight within the radius
    of each pixel centre (points on pixel corners, so no sub-pixel subtleties)."""
    rng = np.random.default_rng(3)
    x = 1000 + 40.0 * rng.integers(0, 30, 80)
    y = 5000 + 40.0 * rng.integers(0, 20, 80)
    w = rng.integers(1, 5, 80).astype(float)
    got, grid = D.kernel_density(x, y, w, 200.0, 40.0, "uniform", "raw")
    cx = grid.x_min + (np.arange(grid.cols) + 0.5) * 40.0
    cy = grid.y_max - (np.arange(grid.rows) + 0.5) * 40.0
    gx, gy = np.meshgrid(cx, cy)
    inside = np.hypot(gx[..., None] - x, gy[..., None] - y) <= 200.0
    assert np.array_equal(got, (inside * w).sum(axis=-1))


def test_grid_and_zero_outside(points):
    x, y, w = points
    got, grid = D.kernel_density(x, y, w, 100.0, 10.0)
    assert (grid.cols, grid.rows) == (math.ceil((np.ptp(x) + 200) / 10) + 1, math.ceil((np.ptp(y) + 200) / 10) + 1)
    assert grid.extent[0] == x.min() - 100 and grid.extent[3] == y.max() + 100
    assert got.min() == 0.0 and got[0, 0] == 0.0


@pytest.mark.parametrize("args,message", [
    (([], [], []), "no points"),
    (([1.0, 2.0], [1.0, 2.0], [0.0, np.nan]), "zero"),
    (([1.0, 2.0], [1.0, 2.0], [1.0, -1.0]), "negative"),
])
def test_errors(args, message):
    x, y, w = (np.asarray(a, dtype=float) for a in args)
    with pytest.raises(D.DensityError, match=message):
        D.kernel_density(x, y, w, 100.0, 10.0)


def test_radius_below_pixel_and_bad_kernel():
    with pytest.raises(D.DensityError, match="smaller than one pixel"):
        D.kernel_density([0.0], [0.0], None, 5.0, 10.0)
    with pytest.raises(D.DensityError, match="unknown kernel"):
        D.kernel_density([0.0], [0.0], None, 50.0, 10.0, kernel="cosine")


def test_write_geotiff(tmp_path, points):
    from osgeo import gdal

    x, y, w = points
    arr, grid = D.kernel_density(x, y, w, 300.0, 25.0)
    path = D.write_geotiff(tmp_path / "d.tif", arr, grid, "")
    ds = gdal.Open(path)
    band = ds.GetRasterBand(1)
    assert ds.GetGeoTransform() == pytest.approx(grid.geotransform)
    assert band.GetNoDataValue() == 0
    assert np.allclose(band.ReadAsArray(), arr, rtol=1e-6)


def test_study_area_defaults_and_mask(points):
    import shapely

    assert D.default_pixel_and_radius((-445000, -537000, 444000, 536000)) == (1000.0, 50000.0)  # Kenya
    assert D.default_pixel_and_radius((0, 0, 60000, 50000)) == (60.0, 3000.0)
    x, y, w = points
    arr, grid = D.kernel_density(x, y, w, 300.0, 25.0, extent=(0, 4500, 2000, 5600))
    before = arr.copy()
    half = shapely.box(-1000, 0, 1000, 10000)  # the western half only
    hidden = D.mask_outside(arr, grid, half)
    cx = grid.x_min + (np.arange(grid.cols) + 0.5) * 25.0
    east = np.broadcast_to(cx > 1000, arr.shape)
    assert (arr[east] == 0).all() and np.array_equal(arr[~east], before[~east])
    assert hidden == int((before[east] != 0).sum()) > 0


def test_convolution_agrees_with_scipy_fft(points):
    """numpy's FFT on rows + pad (the convolution's own size) gives scipy's FFT on rows + 2 pad,
    the convolution this module used before, to round-off."""
    from scipy import fft as sp_fft

    x, y, w = points
    radius, pixel = 300.0, 25.0
    buffer = D.radius_in_pixels(radius, pixel)
    grid = D.qgis_grid((x.min(), y.min(), x.max(), y.max()), radius, pixel)
    col, row = D._pixel_positions(x, y, D._buffered((x.min(), y.min(), x.max(), y.max()), radius), pixel, buffer)
    i, j = np.floor(col), np.floor(row)
    fx, fy, i, j = col - i, row - j, i.astype(np.int64), j.astype(np.int64)
    terms, coefs, _ = D._plan(radius, pixel, buffer, "quartic", "raw", 0.0)
    got = D._convolve_terms(i, j, fx, fy, w, terms, coefs, (grid.rows, grid.cols), lambda f: None)
    rows, cols, pad = grid.rows, grid.cols, coefs.shape[1] // 2
    size = (sp_fft.next_fast_len(rows + 2 * pad, real=True), sp_fft.next_fast_len(cols + 2 * pad, real=True))
    acc = sum(sp_fft.rfft2(np.bincount(j * cols + i, w * (fx - .5) ** m * (fy - .5) ** n, minlength=rows * cols)
                           .reshape(rows, cols), size) * sp_fft.rfft2(coefs[t], size)
              for t, (m, n) in enumerate(terms))
    expected = sp_fft.irfft2(acc, size)[pad:pad + rows, pad:pad + cols]
    assert np.abs(got - expected).max() <= 1e-12 * np.abs(expected).max()
    assert [D._fast_len(n) for n in range(1, 3000)] == [sp_fft.next_fast_len(n, real=True) for n in range(1, 3000)]


@pytest.mark.parametrize("pixel", [25.0, 10.0, 7.3])
def test_inside_pixels_is_contains_xy_of_every_centre(pixel):
    """GDAL's burn plus shapely at the outline gives exactly shapely's answer for every
    pixel centre, including centres lying on the outline (outside) and in a hole."""
    import shapely

    grid = D.GridSpec(0.0, 1000.0, pixel, int(1000 / pixel) + 3, int(1000 / pixel) + 2)
    star = shapely.Polygon([(500 + r * np.cos(a), 500 + r * np.sin(a))
                            for a, r in zip(np.linspace(0, 2 * np.pi, 23, endpoint=False), [430, 170] * 11 + [300])])
    on_centres = shapely.box(3.5 * pixel, 1000.0 - 30.5 * pixel, 20.5 * pixel, 1000.0 - 2.5 * pixel)  # edges through centres
    holed = shapely.Polygon(shapely.box(600, 600, 950, 950).exterior.coords, [shapely.box(700, 700, 800, 800).exterior.coords])
    geometry = shapely.union_all([star.difference(shapely.box(480, 480, 520, 520)), on_centres, holed])
    cx = grid.x_min + (np.arange(grid.cols) + 0.5) * pixel
    cy = grid.y_max - (np.arange(grid.rows) + 0.5) * pixel
    gx, gy = np.meshgrid(cx, cy)
    expected = shapely.contains_xy(geometry, gx, gy)
    got = D.inside_pixels(grid, geometry)
    assert got.shape == (grid.rows, grid.cols) and np.array_equal(got, expected)
    assert expected.any() and not expected.all()
    on_outline = shapely.intersects_xy(on_centres.boundary, gx, gy)
    assert on_outline.sum() > 40 and not got[on_outline & ~shapely.intersects_xy(star, gx, gy)].any()


def test_write_geotiff_is_whole_or_nothing(tmp_path, points, monkeypatch):
    """A failed write leaves no partial raster and the previous file as it was."""
    from osgeo import gdal

    from trafficking_routes.routes_plugin.core.files import FileWriteError

    x, y, w = points
    arr, grid = D.kernel_density(x, y, w, 300.0, 25.0)
    path = tmp_path / "d.tif"
    D.write_geotiff(path, arr, grid, "")
    before = path.read_bytes()
    with pytest.raises(ValueError, match="does not fit"):
        D.write_geotiff(path, arr[:, :-3], grid, "")

    def disk_full(band, array, *args, **kwargs):
        raise RuntimeError("No space left on device")

    monkeypatch.setattr(gdal.Band, "WriteArray", disk_full)
    with pytest.raises(FileWriteError, match="d.tif.*the existing d.tif was left as it was"):
        D.write_geotiff(path, arr * 2, grid, "")
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.tif"]  # no temporary file left behind
    with pytest.raises(FileWriteError, match="does not exist"):
        D.write_geotiff(tmp_path / "missing" / "d.tif", arr, grid, "")
    assert not (tmp_path / "missing").exists()


def test_uniform_points_at_one_spot_add_up_exactly():
    """Stops at the same town are summed into one point of their weight (whole weights add up
    exactly in any order): the grid is QGIS's point by point, to the last bit."""
    rng = np.random.default_rng(11)
    towns = rng.uniform([0, 4000], [2000, 6000], (4, 2))
    pick = rng.integers(0, 4, 300)
    x, y = towns[pick, 0], towns[pick, 1]
    w = rng.integers(1, 40, 300).astype(float)
    expected, _ = qgis_loop(x, y, w, 257.3, 31.7, "uniform", "raw")
    got, _ = D.kernel_density(x, y, w, 257.3, 31.7, "uniform", "raw")
    assert np.array_equal(got, expected)
    halves = D.kernel_density(x, y, w + 0.5, 257.3, 31.7, "uniform", "raw")[0]  # fractional: point by point
    assert np.allclose(halves, qgis_loop(x, y, w + 0.5, 257.3, 31.7, "uniform", "raw")[0], rtol=1e-12)
