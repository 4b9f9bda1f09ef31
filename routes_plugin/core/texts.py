"""Texts printed on chapter layouts, in English and Swahili.

Category names are not here: they come from :func:`categories.label`.
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
    # disclosure control (core/publication.py, core/audit.py; the report's "About the data" page)
    "disclosure_none": ("No figure in these tables is below {threshold}, so none was withheld.",
                        "Hakuna idadi katika majedwali haya iliyo chini ya {threshold}, kwa hivyo hakuna "
                        "iliyofichwa."),
    "disclosure_withheld": ("To protect the people concerned, {primary} figures below {threshold} were withheld, "
                            "and {complementary} further figures were withheld so that the withheld ones cannot "
                            "be worked out from totals ({cells} cells in {tables} tables).",
                            "Ili kulinda watu wanaohusika, idadi {primary} zilizo chini ya {threshold} "
                            "zimefichwa, na idadi nyingine {complementary} zimefichwa ili zile zilizofichwa "
                            "zisiweze kukokotolewa kutoka kwa jumla (visanduku {cells} katika majedwali "
                            "{tables})."),
    "disclosure_off": ("Small counts are not suppressed in these tables: do not publish them.",
                       "Idadi ndogo hazijafichwa katika majedwali haya: usiyachapishe."),
    "disclosure_dedupe": ("A route reported by several organisations is counted once ({duplicates} duplicate "
                          "reports merged).",
                          "Njia iliyoripotiwa na mashirika kadhaa inahesabiwa mara moja (ripoti {duplicates} "
                          "zilizorudiwa zimeunganishwa)."),
    "disclosure_places": ("No route is shown more precisely than its town.",
                          "Hakuna njia inayoonyeshwa kwa usahihi zaidi ya mji wake."),
    "audit_ok": ("Disclosure audit: each of the {n} withheld cells keeps at least {values} possible values "
                 "given everything published (threshold {threshold}).",
                 "Ukaguzi wa ufichuzi: kila kisanduku kati ya {n} vilivyofichwa kina angalau thamani {values} "
                 "zinazowezekana kutokana na yote yaliyochapishwa (kizingiti {threshold})."),
    "audit_exposed": ("Disclosure audit: {exposed} of the {n} withheld cells can be narrowed to fewer than "
                      "{values} values from what is published (threshold {threshold}): do not publish.",
                      "Ukaguzi wa ufichuzi: visanduku {exposed} kati ya {n} vilivyofichwa vinaweza kukadiriwa "
                      "kwa thamani chini ya {values} kutokana na yaliyochapishwa (kizingiti {threshold}): "
                      "usichapishe."),
}

#: Swahili names of Kenya's former provinces (the default chapter regions)
REGION_NAMES_SW = {
    "Coast": "Pwani", "Rift Valley": "Bonde la Ufa", "Eastern": "Mashariki", "Western": "Magharibi",
    "Nairobi": "Nairobi", "Central": "Kati", "North-Eastern": "Kaskazini Mashariki", "Nyanza": "Nyanza",
}


def text(key: str, language: str = "en", **values) -> str:
    """The text ``key`` in ``language`` ("en" or "sw"), placeholders filled."""
    entry = TEXTS[key]
    return entry[LANGUAGES.index(language) if language in LANGUAGES else 0].format(**values)


def region_name(name: str, language: str = "en") -> str:
    """A region's name in ``language`` (names without a translation as given)."""
    return REGION_NAMES_SW.get(name, name) if language == "sw" else name
