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
    # round-to-round comparison (core/rounds.py)
    "rounds_title": ("What changed since {before}", "Kilichobadilika tangu {before}"),
    "rounds_sizes": ("{before}: {n1} routes reported; {after}: {n2} routes reported.",
                     "{before}: njia {n1} ziliripotiwa; {after}: njia {n2} ziliripotiwa."),
    "rounds_rule": ("Up or down means more (fewer) routes by at least {step} and a larger (smaller) share of the "
                    "round's routes than chance would give in rounds of these sizes (exact Poisson test, false "
                    "discovery rate {alpha}%); smaller movements count as unchanged.",
                    "Kuongezeka au kupungua kunamaanisha njia zaidi (chache) kwa angalau {step} na sehemu kubwa "
                    "(ndogo) ya njia za awamu kuliko ambavyo bahati ingeleta kwa awamu za ukubwa huu (kipimo "
                    "kamili cha Poisson, kiwango cha ugunduzi wa uongo {alpha}%); mabadiliko madogo zaidi "
                    "yanahesabiwa kuwa hayajabadilika."),
    "rounds_new": ("New {role} {units} in {after}: {items}.", "{units} mpya {role} katika {after}: {items}."),
    "rounds_gone": ("{role_cap} {units} not reported in {after} (routes in {before}): {items}.",
                    "{units} {role} ambazo hazikuripotiwa katika {after} (njia katika {before}): {items}."),
    "rounds_up": ("{role_cap} {units} with more routes: {items}.", "{units} {role} zenye njia zaidi: {items}."),
    "rounds_down": ("{role_cap} {units} with fewer routes: {items}.", "{units} {role} zenye njia chache: {items}."),
    "rounds_more": (" and {k} more", " na nyingine {k}"),
    "rounds_nothing": ("No place named here is new, no longer reported, or clearly up or down since {before}.",
                       "Hakuna eneo linalotajwa hapa lililo jipya, lisiloripotiwa tena, au lililoongezeka au "
                       "kupungua waziwazi tangu {before}."),
    "rounds_new_corridors": ("New corridors (origin → final place): {items}.",
                             "Njia kuu mpya (chanzo → mahali pa mwisho): {items}."),
    "rounds_withheld_new": ("{k} new {role} {units} with fewer than {n} routes each are not named.",
                            "{units} {k} mpya {role} zenye njia chini ya {n} kila moja hazitajwi."),
    "rounds_withheld_gone": ("{k} {role} {units} no longer reported, with fewer than {n} routes each before, are "
                             "not named.",
                             "{units} {k} {role} ambazo haziripotiwi tena, zenye njia chini ya {n} kila moja "
                             "hapo awali, hazitajwi."),
    "rounds_withheld_small": ("{k} further {role} {units} with fewer than {n} routes in both rounds are not named.",
                              "{units} {k} nyingine {role} zenye njia chini ya {n} katika awamu zote mbili "
                              "hazitajwi."),
    "rounds_withheld_corridors": ("{k} corridors with fewer than {n} routes in each round ({new} new, {gone} no "
                                  "longer reported) are not named.",
                                  "Njia kuu {k} zenye njia chini ya {n} katika kila awamu ({new} mpya, {gone} "
                                  "haziripotiwi tena) hazitajwi."),
    "rounds_withheld_new_one": ("1 new {role} {unit} with fewer than {n} routes is not named.",
                                "{unit} 1 mpya {role} yenye njia chini ya {n} haitajwi."),
    "rounds_withheld_gone_one": ("1 {role} {unit} no longer reported, with fewer than {n} routes before, is not "
                                 "named.",
                                 "{unit} 1 {role} ambayo hairipotiwi tena, yenye njia chini ya {n} hapo awali, "
                                 "haitajwi."),
    "rounds_withheld_small_one": ("1 further {role} {unit} with fewer than {n} routes in both rounds is not named.",
                                  "{unit} 1 nyingine {role} yenye njia chini ya {n} katika awamu zote mbili "
                                  "haitajwi."),
    "rounds_unit_places": ("place", "Eneo"),
    "rounds_unit_counties": ("county", "Kaunti"),
    "rounds_unit_regions": ("region", "Mkoa"),
    "rounds_unit_countries": ("country", "Nchi"),
    "rounds_role_origin": ("origin", "za chanzo"),
    "rounds_role_transit": ("transit", "za kupitia"),
    "rounds_role_destination": ("destination", "za mwisho uliokusudiwa"),
    "rounds_role_exploitation": ("exploitation", "za unyonyaji"),
    "rounds_noun_places": ("places", "Maeneo"),
    "rounds_noun_counties": ("counties", "Kaunti"),
    "rounds_noun_regions": ("regions", "Mikoa"),
    "rounds_noun_countries": ("countries", "Nchi"),
    "rounds_col_unit": ("Place", "Eneo"),
    "rounds_col_role": ("Role", "Jukumu"),
    "rounds_col_change": ("Change", "Mabadiliko"),
    "rounds_change_new": ("new", "mpya"),
    "rounds_change_gone": ("not reported", "haikuripotiwa"),
    "rounds_change_up": ("up", "imeongezeka"),
    "rounds_change_down": ("down", "imepungua"),
    "rounds_change_same": ("unchanged", "haijabadilika"),
    "layer_round_changes": ("Change since the last round", "Mabadiliko tangu awamu iliyopita"),
    "layer_round_corridors": ("Corridors: change since the last round", "Njia kuu: mabadiliko tangu awamu iliyopita"),
}

def text(key: str, language: str = "en", **values) -> str:
    """The text ``key`` in ``language`` ("en" or "sw"), placeholders filled."""
    entry = TEXTS[key]
    return entry[LANGUAGES.index(language) if language in LANGUAGES else 0].format(**values)


def region_name(name: str, language: str = "en") -> str:
    """A chapter region's name in ``language``, from the country packs (names without one as given)."""
    from .countries import region_label

    return region_label(name, language)
