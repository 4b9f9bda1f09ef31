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


#: pyogrio writes through Arrow when pyarrow is importable (several times faster)
_ARROW = importlib.util.find_spec("pyarrow") is not None


class StoreError(Exception):
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


def write_geopackage(layers: dict[str, pd.DataFrame], path: str | os.PathLike, append: bool = False) -> Path:
    """Write ``layers`` (name -> GeoDataFrame or DataFrame) to ``path``.

    With ``append=False`` the file is replaced as a whole; with ``append=True``
    layers are added to / replaced in an existing GeoPackage.
    """
    path = Path(path)
    if path.suffix.lower() != ".gpkg":
        raise StoreError(f"{path}: output must be a .gpkg file")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise StoreError(f"{path}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise StoreError(f"{path}: folder {folder} is not writable")
    fd, tmp = tempfile.mkstemp(suffix=".gpkg", dir=folder, prefix=f".{path.stem}-")
    os.close(fd)
    os.unlink(tmp)
    try:
        if append and path.exists():
            import shutil

            shutil.copyfile(path, tmp)
        for name, df in layers.items():
            plain = _plain(df)
            kwargs = {"layer": name, "driver": "GPKG"}
            if Path(tmp).exists():
                kwargs["append"] = False
            if isinstance(df, gpd.GeoDataFrame):
                geom_types = {t for t in df.geometry.geom_type.dropna().unique()}
                gtype = geom_types.pop() if len(geom_types) == 1 else None
                pyogrio.write_dataframe(plain, tmp, geometry_type=gtype or _default_type(name), promote_to_multi=False,
                                        use_arrow=_ARROW,
                                        layer_options={"OVERWRITE": "YES"}, **kwargs)
            else:
                pyogrio.write_dataframe(plain, tmp, use_arrow=_ARROW, layer_options={"OVERWRITE": "YES"}, **kwargs)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def _default_type(name: str) -> str:
    return "Point" if name in ("route_points", "places") else "LineString"
