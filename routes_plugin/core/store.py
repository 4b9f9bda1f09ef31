"""Write output layers to a GeoPackage (pyogrio).

All layers of one load go to one GeoPackage, each replacing any previous
layer of the same name. The file is written next to its final path and moved
into place only when every layer is written, so a failed or cancelled load
never leaves a half-written GeoPackage behind.
"""
from __future__ import annotations

import importlib.util
import os
import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from .errors import RoutesError


#: pyogrio writes through Arrow (several times faster) when pyarrow is importable and GDAL >= 3.8
_ARROW = importlib.util.find_spec("pyarrow") is not None and pyogrio.__gdal_version__ >= (3, 8, 0)


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


class GeoPackageWriter:
    """Writes layers chunk by chunk into a temporary GeoPackage beside
    ``path`` and moves it into place on :meth:`commit`; closing without a
    commit (an error, a cancel) removes it and leaves ``path`` as it was."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        if self.path.suffix.lower() != ".gpkg":
            raise StoreError(f"{self.path}: output must be a .gpkg file")
        folder = self.path.parent if str(self.path.parent) else Path(".")
        if not folder.is_dir():
            raise StoreError(f"{self.path}: folder {folder} does not exist")
        if not os.access(folder, os.W_OK):
            raise StoreError(f"{self.path}: folder {folder} is not writable")
        fd, tmp = tempfile.mkstemp(suffix=".gpkg", dir=folder, prefix=f".{self.path.stem}-")
        os.close(fd)
        os.unlink(tmp)
        self.tmp = Path(tmp)
        self.written: set[str] = set()
        self.spatial: set[str] = set()

    def write(self, name: str, df: pd.DataFrame) -> None:
        """Create layer ``name`` or append ``df`` to it."""
        append = name in self.written
        plain = _plain(df)
        # spatial indexes are built once at commit: kept up to date row by row over
        # many appended chunks they cost more than the rest of the write
        opts = {} if append else {"layer_options": {"OVERWRITE": "YES", "SPATIAL_INDEX": "NO"}}
        if isinstance(df, gpd.GeoDataFrame):
            self.spatial.add(name)
            types = set(df.geometry.geom_type.dropna().unique())
            gtype = types.pop() if len(types) == 1 else _default_type(name)
            pyogrio.write_dataframe(plain, self.tmp, layer=name, driver="GPKG", append=append, use_arrow=_ARROW,
                                    geometry_type=gtype, promote_to_multi=False, **opts)
        else:
            pyogrio.write_dataframe(plain, self.tmp, layer=name, driver="GPKG", append=append, use_arrow=_ARROW,
                                    **opts)
        self.written.add(name)

    def commit(self) -> Path:
        if self.spatial:
            from osgeo import ogr  # GDAL's own bindings: the SQL function that builds a GeoPackage R-tree

            ds = ogr.Open(str(self.tmp), update=1)
            for name in sorted(self.spatial):
                ds.ReleaseResultSet(ds.ExecuteSQL(f"SELECT CreateSpatialIndex('{name}', 'geom')"))
            ds = None
        os.replace(self.tmp, self.path)
        return self.path

    def close(self) -> None:
        if self.tmp.exists():
            self.tmp.unlink()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def write_geopackage(layers: dict[str, pd.DataFrame], path: str | os.PathLike) -> Path:
    """Write ``layers`` (name -> GeoDataFrame or DataFrame) to ``path``, replacing the file."""
    with GeoPackageWriter(path) as writer:
        for name, df in layers.items():
            writer.write(name, df)
        return writer.commit()


def _default_type(name: str) -> str:
    return "Point" if name in ("route_points", "places") else "LineString"
