"""Texts printed on chapter layouts, in English and Swahili.

Category names are not here: they come from :func:`categories.label`; region names come from the
country packs (:func:`countries.region_label`).
"""
from __future__ import annotations

from .categories import LANGUAGES

LANGUAGE_NAMES = {"en": "English", "sw": "Kiswahili"}

#: key -> (English, Swahili); ``{placeholders}`` are filled by :func:`text`
TEXTS: dict[str, tuple[str, str]] = {
    "title": ("Trafficking routes: {region}", "Njia za usafirishaji haramu wa binadamu: {region}"),
    "layout_name": ("Chapter – {region} ({lang_name})", "Sura – {region} ({lang_name})"),
    "no_data": ("No routes were reported in {region} in this data set, so this chapter has no map.",
                "Hakuna njia zilizoripotiwa katika {region} kwenye data hii, kwa hivyo sura hii haina ramani."),
    "source": ("Source: {source}. Routes reported {years}. Map produced {date} with Trafficking Routes (QGIS). "
               "Boundaries: Natural Earth.",
               "Chanzo: {source}. Njia zilizoripotiwa {years}. Ramani imetengenezwa {date} kwa Trafficking Routes "
               "(QGIS). Mipaka: Natural Earth."),
    "default_source": ("route reports of the anti-trafficking network", "ripoti za njia za mtandao wa kupambana na "
                       "usafirishaji haramu"),
    "years_unknown": ("(years not given)", "(miaka haijatolewa)"),
    "suppressed_note": ("Counts below {n} are suppressed (shown as <{n}) to protect the people concerned; "
                        "lists name only items with at least {n} routes.",
                        "Idadi chini ya {n} zimefichwa (zinaonyeshwa kama <{n}) ili kulinda watu wanaohusika; "
                        "orodha zinataja vitu vyenye njia {n} au zaidi pekee."),
    "not_suppressed_note": ("Counts are not suppressed in this chapter: do not publish it.",
                            "Idadi hazijafichwa katika sura hii: usiichapishe."),
    # table
    "col_measure": ("Measure", "Kipimo"),
    "col_value": ("Value", "Thamani"),
    "routes_cases": ("{routes} routes, {cases} cases", "njia {routes}, visa {cases}"),
    "routes_only": ("{routes} routes", "njia {routes}"),
    "row_origin": ("Routes starting here", "Njia zinazoanzia hapa"),
    "row_transit": ("Routes passing through", "Njia zinazopita hapa"),
    "row_end": ("Routes ending here", "Njia zinazoishia hapa"),
    "row_share": ("Share of national routes", "Sehemu ya njia za kitaifa"),
    "row_risk": ("Risk index (0–100)", "Kielezo cha hatari (0–100)"),
    "row_destination_country": ("Top destination countries", "Nchi kuu za mwisho"),
    "row_transit_point": ("Top transit points", "Maeneo makuu ya kupitia"),
    "row_transport_modes": ("Modes of transport", "Njia za usafiri"),
    "row_airlines": ("Airlines", "Mashirika ya ndege"),
    "row_recruitment_methods": ("Recruitment methods", "Mbinu za kuajiri"),
    "row_exploitation_types": ("Types of exploitation", "Aina za unyonyaji"),
    "none": ("–", "–"),
    # legend (layer names)
    "layer_density": ("Hotspot density", "Msongamano wa maeneo hatari"),
    "layer_flows": ("Flows (routes)", "Mitiririko (njia)"),
    "layer_flow_nodes": ("Flow ends", "Ncha za mitiririko"),
    "layer_crossings": ("Border crossings", "Vivuko vya mpaka"),
    "layer_points": ("Route stops", "Vituo vya njia"),
    "layer_region": ("Chapter region", "Eneo la sura"),
    "layer_regions": ("Regions", "Mikoa"),
    "layer_countries": ("Countries", "Nchi"),
    "unit_routes": ("routes", "njia"),
    "density_legend": ("Relative density (low – high)", "Msongamano linganishi (chini – juu)"),
    "legend_title": ("Legend", "Ufunguo"),
    # regional chapter map (layouts/map_region.py)
    "layer_places": ("Places on the routes (colour: main role)", "Maeneo ya njia (rangi: jukumu kuu)"),
    "layer_land_flows": ("Legs over land (width: routes)", "Safari za nchi kavu (upana: njia)"),
    "layer_flights": ("Flights (dashed; width: routes)", "Safari za ndege (mistari ya vipande; upana: njia)"),
    "layer_sea": ("Sea legs (dotted; width: routes)", "Safari za baharini (nukta; upana: njia)"),
    "layer_crossings_place": ("Land-border crossings (routes)", "Vivuko vya mpaka wa nchi kavu (njia)"),
    "layer_towns": ("Main towns", "Miji mikuu"),
    "layer_edge_labels": ("Routes leaving the map", "Njia zinazotoka nje ya ramani"),
    "layer_density_region": ("Density of reported route stops", "Msongamano wa vituo vya njia vilivyoripotiwa"),
    "role_origin": ("Mostly origin", "Hasa mwanzo"),
    "role_transit": ("Mostly transit (routes through it)", "Hasa kupitia (njia zinazopita)"),
    "role_destination": ("Mostly destination", "Hasa mwisho"),
    "size_routes_title": ("Size: routes touching the place", "Ukubwa: njia zinazogusa eneo"),
    "or_more": ("or more", "au zaidi"),
    "low": ("low", "chini"),
    "high": ("high", "juu"),
    "edge_out": ("to {place} ({n})", "kwenda {place} ({n})"),
    "edge_in": ("from {place} ({n})", "kutoka {place} ({n})"),
    "edge_out_air": ("by air to {place} ({n})", "kwa ndege kwenda {place} ({n})"),
    "edge_in_air": ("by air from {place} ({n})", "kwa ndege kutoka {place} ({n})"),
    "edge_out_sea": ("by sea to {place} ({n})", "kwa bahari kwenda {place} ({n})"),
    "edge_in_sea": ("by sea from {place} ({n})", "kwa bahari kutoka {place} ({n})"),
    "edge_out_head": ("to", "kwenda"),
    "edge_in_head": ("from", "kutoka"),
    "edge_out_air_head": ("by air to", "kwa ndege kwenda"),
    "edge_in_air_head": ("by air from", "kwa ndege kutoka"),
    "edge_out_sea_head": ("by sea to", "kwa bahari kwenda"),
    "edge_in_sea_head": ("by sea from", "kwa bahari kutoka"),
    "map_counts_note": ("Routes with a stop in {region}; numbers in brackets: routes.",
                        "Njia zenye kituo katika {region}; namba kwenye mabano: njia."),
    "density_left_out": ("No density surface: {n} route stops at {places} places are too few to estimate one.",
                         "Hakuna ramani ya msongamano: vituo {n} vya njia katika maeneo {places} ni vichache mno "
                         "kuikadiria."),
    "suppressed_items": ("{n} map items (legs, places or crossings) with fewer than {t} routes are not drawn, "
                         "to protect the people concerned.",
                         "Vipengele {n} vya ramani (safari, maeneo au vivuko) vyenye njia chini ya {t} "
                         "havijachorwa, ili kulinda watu wanaohusika."),
    "disclaimer": ("Boundaries and names shown and the designations used on this map do not imply official "
                   "endorsement or acceptance.",
                   "Mipaka na majina yaliyoonyeshwa na istilahi zilizotumika kwenye ramani hii haimaanishi "
                   "kuidhinishwa au kukubaliwa rasmi."),
}

def text(key: str, language: str = "en", **values) -> str:
    """The text ``key`` in ``language`` ("en" or "sw"), placeholders filled."""
    entry = TEXTS[key]
    return entry[LANGUAGES.index(language) if language in LANGUAGES else 0].format(**values)


def region_name(name: str, language: str = "en") -> str:
    """A chapter region's name in ``language``, from the country packs (names without one as given)."""
    from .countries import region_label

    return region_label(name, language)
