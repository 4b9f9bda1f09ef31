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
    "suppressed_note": ("Counts below {n} are suppressed (shown as <{n}, as are a few larger ones that totals would "
                        "give away) to protect the people concerned; lists name only items with at least {n} routes.",
                        "Idadi chini ya {n} zimefichwa (zinaonyeshwa kama <{n}, pamoja na chache kubwa zaidi ambazo "
                        "jumla zingezifichua) ili kulinda watu wanaohusika; orodha zinataja vitu vyenye njia {n} au "
                        "zaidi pekee."),
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
    "inset_destinations": ("Destinations abroad (routes)", "Mwisho wa njia nje ya nchi (njia)"),
    "layer_destinations_abroad": ("Destinations abroad", "Mwisho wa njia nje ya nchi"),
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


# ---------------------------------------------------------------- the report ---
#: texts of the whole report (routes:report): page titles, key figures, chart
#: axes, the generated regional sentences and the "About the data" page
REPORT_TEXTS: dict[str, tuple[str, str]] = {
    "report_title": ("Trafficking routes in {country}", "Njia za usafirishaji haramu wa binadamu nchini {country}"),
    "report_subtitle": ("Routes reported by the members of {network}",
                        "Njia zilizoripotiwa na wanachama wa {network}"),
    "report_default_network": ("the anti-trafficking network", "mtandao wa kupambana na usafirishaji haramu"),
    "report_made": ("Report produced {date} with Trafficking Routes (QGIS)",
                    "Ripoti imetengenezwa {date} kwa Trafficking Routes (QGIS)"),
    "report_cover_note": ("Counts below {n} are not printed, to protect the people behind the data. "
                          "A count is of reported routes and estimated cases, not a measure of prevalence.",
                          "Idadi chini ya {n} hazichapishwi, ili kulinda watu walio nyuma ya data hii. "
                          "Idadi ni ya njia zilizoripotiwa na visa vinavyokadiriwa, si kipimo cha kiwango cha tatizo."),
    "report_cover_note_off": ("Counts are not suppressed in this report: do not publish it.",
                              "Idadi hazijafichwa katika ripoti hii: usiichapishe."),
    "period": ("{first}–{last}", "{first}–{last}"),
    "period_one": ("{first}", "{first}"),
    "page_footer": ("{title} · page {page}", "{title} · ukurasa {page}"),
    "contents": ("Contents", "Yaliyomo"),
    "col_chapter": ("Chapter", "Sura"),
    "col_page": ("Page", "Ukurasa"),
    # chapters
    "ch_overview": ("National overview", "Muhtasari wa kitaifa"),
    "ch_overview_map": ("National overview: routes in and out of {country}",
                        "Muhtasari wa kitaifa: njia ndani na nje ya {country}"),
    "ch_overview_dest": ("National overview: where the routes lead", "Muhtasari wa kitaifa: njia zinakoelekea"),
    "ch_regions": ("Regional chapters", "Sura za mikoa"),
    "ch_region_charts": ("{region}: what the reports show", "{region}: ripoti zinaonyesha nini"),
    "ch_transit": ("Transit points and border crossings", "Maeneo ya kupitia na vivuko vya mpaka"),
    "ch_transit_map": ("Land border crossings", "Vivuko vya mpaka wa nchi kavu"),
    "ch_air": ("Airlines and airports", "Mashirika ya ndege na viwanja vya ndege"),
    "ch_air_map": ("Air corridors", "Njia za anga"),
    "ch_recruitment": ("Recruitment and coercion", "Kuajiri na kulazimisha"),
    "ch_changes": ("What changed since {year}", "Kilichobadilika tangu {year}"),
    "ch_about": ("About the data", "Kuhusu data"),
    # key figures
    "kf_title": ("Key figures", "Takwimu muhimu"),
    "kf_routes": ("Reported routes touching {country}", "Njia zilizoripotiwa zinazogusa {country}"),
    "kf_cases": ("Estimated cases (range of the estimates)", "Visa vinavyokadiriwa (kiwango cha makadirio)"),
    "kf_cases_open": ("{low} or more (some reports gave no upper estimate)",
                      "{low} au zaidi (baadhi ya ripoti hazikutoa makadirio ya juu)"),
    "kf_abroad": ("Routes ending outside {country}", "Njia zinazoishia nje ya {country}"),
    "kf_origins": ("Places of origin", "Maeneo ya chanzo"),
    "kf_destinations": ("Destinations (places)", "Maeneo ya mwisho"),
    "kf_dest_countries": ("Destination countries", "Nchi za mwisho"),
    "kf_transit": ("Transit points", "Maeneo ya kupitia"),
    "kf_orgs": ("Organisations that contributed reports", "Mashirika yaliyochangia ripoti"),
    "kf_orgs_unknown": ("not recorded in the route layers", "haijarekodiwa katika tabaka za njia"),
    "kf_withheld": ("fewer than {n}", "chini ya {n}"),
    "density_low": ("low", "chini"),
    "density_high": ("high", "juu"),
    "kf_cases_more": ("{low} or more", "{low} au zaidi"),
    "kf_cases_open_note": ("Cases: \"or more\" because some reports gave no upper estimate.",
                           "Visa: \"au zaidi\" kwa sababu baadhi ya ripoti hazikutoa makadirio ya juu."),
    "top_corridors": ("Top corridors (origin → final destination)", "Njia kuu (chanzo → mwisho)"),
    "col_corridor": ("Corridor", "Njia"),
    "col_routes": ("Routes", "Njia"),
    "col_cases": ("Estimated cases", "Visa vinavyokadiriwa"),
    "col_country": ("Country", "Nchi"),
    "col_transit_point": ("Transit point", "Eneo la kupitia"),
    "col_border": ("Border", "Mpaka"),
    "col_airline": ("Airline", "Shirika la ndege"),
    "col_airport": ("Airport (city)", "Uwanja wa ndege (mji)"),
    "col_method": ("Recruitment method", "Mbinu ya kuajiri"),
    "col_total": ("All", "Jumla"),
    "overview_map_note": ("Lines: reported route legs between counties, wider for more routes; "
                          "points: land border crossings. Legs with fewer than {n} routes are not drawn.",
                          "Mistari: sehemu za njia kati ya kaunti, pana zaidi kwa njia nyingi; "
                          "alama: vivuko vya mpaka wa nchi kavu. Sehemu zenye njia chini ya {n} hazichorwi."),
    "dest_map_note": ("Circle size: reported routes whose intended destination or place of exploitation is in "
                      "the country. Countries with fewer than {n} routes are not shown.",
                      "Ukubwa wa duara: njia zilizoripotiwa ambazo mwisho uliokusudiwa au mahali pa unyonyaji "
                      "ni katika nchi hiyo. Nchi zenye njia chini ya {n} hazionyeshwi."),
    "layer_destinations": ("Destination countries (routes)", "Nchi za mwisho (njia)"),
    "layer_corridors": ("Route legs (routes)", "Sehemu za njia (njia)"),
    "layer_air": ("Air corridors (routes)", "Njia za anga (njia)"),
    "layer_land_crossings": ("Land border crossings (routes)", "Vivuko vya mpaka wa nchi kavu (njia)"),
    "map_source": ("Boundaries: Natural Earth. Routes: {source}, {period}.",
                   "Mipaka: Natural Earth. Njia: {source}, {period}."),
    # charts
    "chart_destination_country": ("Top destination countries", "Nchi kuu za mwisho"),
    "chart_transit_point": ("Transit points", "Maeneo ya kupitia"),
    "chart_transport_modes": ("Modes of transport", "Njia za usafiri"),
    "chart_recruitment_methods": ("Recruitment methods", "Mbinu za kuajiri"),
    "chart_exploitation_types": ("Types of exploitation", "Aina za unyonyaji"),
    "chart_airlines": ("Airlines named in the reports", "Mashirika ya ndege yaliyotajwa"),
    "chart_axis_routes": ("reported routes", "njia zilizoripotiwa"),
    "chart_empty": ("No item with {n} or more routes", "Hakuna kipengele chenye njia {n} au zaidi"),
    "chart_empty_off": ("No item reported", "Hakuna kipengele kilichoripotiwa"),
    "other_fewer": ("other (fewer than {n} each)", "nyingine (chini ya {n} kila moja)"),
    "chart_note": ("A route can be counted under several items (several modes, methods or types).",
                   "Njia moja inaweza kuhesabiwa chini ya vipengele kadhaa (njia, mbinu au aina kadhaa)."),
    # generated regional text
    "rt_none": ("No routes touching {region} were reported in this data set.",
                "Hakuna njia zinazogusa {region} zilizoripotiwa katika data hii."),
    "rt_few": ("Fewer than {n} reported routes touch {region}, so no figures are given for it.",
               "Njia chini ya {n} zilizoripotiwa zinagusa {region}, kwa hivyo hakuna takwimu zinazotolewa."),
    "rt_touch": ("{routes} reported routes touch {region}: {origin} begin there, {transit} pass through it and "
                 "{end} end there.",
                 "Njia {routes} zilizoripotiwa zinagusa {region}: {origin} zinaanzia huko, {transit} zinapita "
                 "huko na {end} zinaishia huko."),
    "rt_cases": ("Together they concern an estimated {cases} cases.",
                 "Kwa jumla zinahusu visa vinavyokadiriwa kuwa {cases}."),
    "rt_origin_most": ("Most routes reported in {region} begin in {place} ({k} of the {n} that begin in the region).",
                       "Njia nyingi zilizoripotiwa katika {region} zinaanzia {place} ({k} kati ya {n} zinazoanzia "
                       "katika mkoa huu)."),
    "rt_origin_top": ("Routes that begin in {region} most often begin in {place} ({k} of {n}).",
                      "Kati ya njia zinazoanzia katika {region}, nyingi zaidi zinaanzia {place} ({k} kati ya {n})."),
    "rt_dest": ("The destination countries reported most often are {items}.",
                "Nchi za mwisho zilizoripotiwa mara nyingi zaidi ni {items}."),
    "rt_dest_one": ("The destination country reported most often is {items}.",
                    "Nchi ya mwisho iliyoripotiwa mara nyingi zaidi ni {items}."),
    "rt_transit": ("The main transit points are {items}.", "Maeneo makuu ya kupitia ni {items}."),
    "rt_transit_one": ("The main transit point is {items}.", "Eneo kuu la kupitia ni {items}."),
    "rt_mode_most": ("Most of these routes use {item} ({k} of {n}).",
                     "Njia nyingi kati ya hizi zinatumia {item} ({k} kati ya {n})."),
    "rt_mode_top": ("The mode of transport reported most often is {item} ({k} of {n}).",
                    "Njia ya usafiri iliyoripotiwa mara nyingi zaidi ni {item} ({k} kati ya {n})."),
    "rt_exploit": ("The type of exploitation reported most often is {item} ({k} routes).",
                   "Aina ya unyonyaji iliyoripotiwa mara nyingi zaidi ni {item} (njia {k})."),
    "rt_recruit": ("The recruitment method reported most often is {item} ({k} routes).",
                   "Mbinu ya kuajiri iliyoripotiwa mara nyingi zaidi ni {item} (njia {k})."),
    "rt_withheld": ("fewer than {n}", "chini ya {n}"),
    "and": ("and", "na"),
    # thematic chapters
    "transit_intro": ("Every transit point with at least {n} reported routes through it, grouped by the border "
                      "it leads to. Points with fewer routes are counted together in each group.",
                      "Kila eneo la kupitia lenye njia {n} au zaidi zilizoripotiwa, likiwa limepangwa kwa mpaka "
                      "linaloelekea. Maeneo yenye njia chache zaidi yanahesabiwa pamoja katika kila kundi."),
    "transit_intro_off": ("Every transit point with reported routes through it, grouped by the border it leads to.",
                          "Kila eneo la kupitia lenye njia zilizoripotiwa, likiwa limepangwa kwa mpaka linaloelekea."),
    "border_uganda": ("Uganda border", "Mpaka wa Uganda"),
    "border_tanzania": ("Tanzania border and the coast", "Mpaka wa Tanzania na pwani"),
    "border_somalia_ethiopia": ("Somalia and Ethiopia borders", "Mipaka ya Somalia na Ethiopia"),
    "border_north": ("The north", "Kaskazini"),
    "border_south_sudan": ("South Sudan border", "Mpaka wa Sudan Kusini"),
    "border_inland": ("Inland {country}", "Ndani ya {country}"),
    "border_abroad": ("In {country}", "Nchini {country}"),
    "crossings_note": ("Land crossings where reported routes leave or enter the country, sized by routes; "
                       "flights are not counted as land crossings.",
                       "Vivuko vya nchi kavu ambapo njia zilizoripotiwa zinatoka au kuingia nchini, kwa ukubwa wa "
                       "idadi ya njia; safari za ndege hazihesabiwi kama vivuko vya nchi kavu."),
    "air_intro": ("Flights on the reported routes: where they depart and arrive, the airlines named, and the "
                  "destination countries of the routes on which each airline was named.",
                  "Safari za ndege katika njia zilizoripotiwa: zinakoondokea na kufikia, mashirika ya ndege "
                  "yaliyotajwa, na nchi za mwisho za njia ambazo kila shirika lilitajwa."),
    "air_inferred": ("Flights are the cross-border legs of at least {km} km of routes that name an airline or air "
                     "travel (the export gives no mode per leg).",
                     "Safari za ndege ni sehemu za njia zinazovuka mpaka za angalau km {km} za njia zinazotaja "
                     "shirika la ndege au usafiri wa anga (data haitoi njia ya usafiri kwa kila sehemu)."),
    "departures": ("Departure airports", "Viwanja vya kuondokea"),
    "arrivals": ("Arrival airports", "Viwanja vya kuwasili"),
    "airline_countries": ("Airlines × destination countries (routes)", "Mashirika ya ndege × nchi za mwisho (njia)"),
    "air_map_note": ("Flights from the home country, wider for more routes. Corridors with fewer than {n} routes "
                     "are not drawn.",
                     "Safari za ndege kutoka nchini, pana zaidi kwa njia nyingi. Njia zenye safari chini ya {n} "
                     "hazichorwi."),
    "recruit_intro": ("How the people on the reported routes were recruited, by region and by the type of "
                      "exploitation reported. A route can name several methods and types.",
                      "Jinsi watu katika njia zilizoripotiwa walivyoajiriwa, kwa mkoa na kwa aina ya unyonyaji "
                      "iliyoripotiwa. Njia moja inaweza kutaja mbinu na aina kadhaa."),
    "recruit_by_region": ("Recruitment methods by region (routes)", "Mbinu za kuajiri kwa mkoa (njia)"),
    "recruit_by_type": ("Recruitment methods by type of exploitation (routes)",
                        "Mbinu za kuajiri kwa aina ya unyonyaji (njia)"),
    "cell_withheld": ("<{n}", "<{n}"),
    "table_more": ("Table shows the {k} most frequent of {total} rows.", "Jedwali linaonyesha safu {k} za mara nyingi "
                   "zaidi kati ya {total}."),
    # about the data
    "about_sources_h": ("Sources and period", "Vyanzo na kipindi"),
    "about_sources": ("This report is built from {source}: {routes} reported routes touching {country}, reported "
                      "{period}{orgs}. It was produced on {date} from the route layers, without sending any data "
                      "off the computer.",
                      "Ripoti hii imetengenezwa kutoka {source}: njia {routes} zilizoripotiwa zinazogusa {country}, "
                      "zilizoripotiwa {period}{orgs}. Imetengenezwa tarehe {date} kutoka tabaka za njia, bila data "
                      "yoyote kutumwa nje ya kompyuta."),
    "about_orgs": (", by {k} contributing organisations (counted, never named)",
                   ", na mashirika {k} yaliyochangia (yamehesabiwa, hayatajwi)"),
    "about_collected_h": ("How routes were collected", "Jinsi njia zilivyokusanywa"),
    "about_collected": ("Member organisations record each journey they learn of in their work with survivors: "
                        "the place of origin, the transit points, the intended destination and the place of "
                        "exploitation, an estimate of how many people travelled it, the modes of transport, airlines, "
                        "recruitment methods and type of exploitation. Place names are matched to a gazetteer on "
                        "the computer; rows that could not be read are listed in a rejected-rows report, never "
                        "silently dropped.",
                        "Mashirika wanachama hurekodi kila safari wanayoifahamu katika kazi yao na manusura: mahali "
                        "pa chanzo, maeneo ya kupitia, mwisho uliokusudiwa na mahali pa unyonyaji, makadirio ya watu "
                        "walioisafiri, njia za usafiri, mashirika ya ndege, mbinu za kuajiri na aina ya unyonyaji. "
                        "Majina ya maeneo yanalinganishwa na orodha ya maeneo kwenye kompyuta; safu zisizosomeka "
                        "zinaorodheshwa katika ripoti ya safu zilizokataliwa, haziachwi kimya."),
    "about_count_h": ("What a count means", "Idadi inamaanisha nini"),
    "about_count": ("A count is of reported routes: distinct journeys, each counted once however many of its stops "
                    "lie in a place. Estimated cases are the organisations' estimates of the people on those routes, "
                    "summed as a range (lowest to highest estimate; \"or more\" where a report gave no upper figure). "
                    "Neither is a measure of prevalence: they show what was reported, where organisations work, not "
                    "how common trafficking is.",
                    "Idadi ni ya njia zilizoripotiwa: safari tofauti, kila moja ikihesabiwa mara moja hata kama "
                    "vituo vyake vingi viko mahali pamoja. Visa vinavyokadiriwa ni makadirio ya mashirika ya watu "
                    "katika njia hizo, yakijumlishwa kama kiwango (makadirio ya chini hadi ya juu; \"au zaidi\" "
                    "pale ripoti haikutoa idadi ya juu). Hakuna kati ya hizi ni kipimo cha kiwango cha tatizo: "
                    "zinaonyesha kilichoripotiwa, mahali mashirika yanapofanya kazi, si jinsi usafirishaji haramu "
                    "ulivyoenea."),
    "about_suppression_h": ("Small counts", "Idadi ndogo"),
    "about_suppression": ("To protect the people behind the data, no count below {n} is printed. Items with fewer "
                          "than {n} routes are left out of lists and maps or counted together as \"other (fewer "
                          "than {n} each)\"; table cells below {n} show as \"<{n}\", and so do a few larger counts that totals "
                          "would otherwise give away. In this report {k} list entries "
                          "and table cells were withheld in this way.",
                          "Ili kulinda watu walio nyuma ya data, hakuna idadi chini ya {n} inayochapishwa. "
                          "Vipengele vyenye njia chini ya {n} vinaachwa nje ya orodha na ramani au vinahesabiwa "
                          "pamoja kama \"nyingine (chini ya {n} kila moja)\"; visanduku vya jedwali chini ya {n} "
                          "vinaonyeshwa kama \"<{n}\", pamoja na idadi chache kubwa zaidi ambazo jumla zingezifichua. "
                          "Katika ripoti hii vipengele na visanduku {k} vilifichwa "
                          "kwa njia hii."),
    "about_suppression_off": ("Counts are not suppressed in this report (threshold 0): it must not be published.",
                              "Idadi hazijafichwa katika ripoti hii (kiwango 0): haipaswi kuchapishwa."),
    "about_boundaries_h": ("Boundaries", "Mipaka"),
    "about_boundaries": ("Boundaries and names shown on the maps do not imply official endorsement or acceptance. "
                         "Country and region boundaries are from Natural Earth; country names from the Unicode "
                         "CLDR.",
                         "Mipaka na majina yaliyoonyeshwa kwenye ramani hayamaanishi kuidhinishwa au kukubaliwa "
                         "rasmi. Mipaka ya nchi na mikoa ni kutoka Natural Earth; majina ya nchi kutoka Unicode CLDR."),
    "changes_intro": ("Compared with the previous round of data ({before}): what the routes reported now show "
                      "that the earlier ones did not.",
                      "Ikilinganishwa na awamu iliyopita ya data ({before}): kile njia zilizoripotiwa sasa "
                      "zinaonyesha ambacho za awali hazikuonyesha."),
    "changes_routes": ("Reported routes: {before} in the previous round, {after} now.",
                       "Njia zilizoripotiwa: {before} katika awamu iliyopita, {after} sasa."),
    "changes_new_countries": ("New destination countries: {items}.", "Nchi mpya za mwisho: {items}."),
    "changes_new_few": ("{k} new destination countries with fewer than {n} routes each.",
                        "Nchi mpya za mwisho {k} zenye njia chini ya {n} kila moja."),
    "changes_gone_countries": ("Destination countries no longer reported: {items}.",
                               "Nchi za mwisho ambazo hazijaripotiwa tena: {items}."),
    "changes_none": ("No destination country is new in this round.", "Hakuna nchi mpya ya mwisho katika awamu hii."),
}
TEXTS.update(REPORT_TEXTS)


def join_items(items, language: str = "en") -> str:
    """``A, B and C`` / ``A, B na C``."""
    items = [str(i) for i in items if str(i)]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {text('and', language)} {items[-1]}"
