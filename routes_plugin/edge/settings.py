"""The plugin's settings (QgsSettings), read in one place."""
from __future__ import annotations

from qgis.core import QgsSettings

from ..core.suppression import DEFAULT_THRESHOLD

#: the plugin setting holding the default of every SUPPRESS_BELOW parameter
SUPPRESS_SETTING = "trafficking_routes/suppress_below"
#: the plugin setting holding the default country pack (ISO3) of every COUNTRY parameter
COUNTRY_SETTING = "trafficking_routes/country"


def suppress_default() -> int:
    """The small-count threshold to offer as SUPPRESS_BELOW's default: the plugin
    setting ``trafficking_routes/suppress_below``, else the shared default (5)."""
    try:
        return max(0, int(QgsSettings().value(SUPPRESS_SETTING, DEFAULT_THRESHOLD)))
    except (TypeError, ValueError):
        return DEFAULT_THRESHOLD


def set_suppress_default(value: int) -> None:
    QgsSettings().setValue(SUPPRESS_SETTING, int(value))


def country_default() -> str:
    """The country pack to offer as every COUNTRY parameter's default: the plugin setting
    ``trafficking_routes/country`` when it names a shipped pack, else the default pack (Kenya)."""
    from ..core.countries import default_pack_id, packs

    value = str(QgsSettings().value(COUNTRY_SETTING, "") or "").strip().upper()
    return value if value in packs() else default_pack_id()


def set_country_default(pack_id: str) -> None:
    QgsSettings().setValue(COUNTRY_SETTING, pack_id)
