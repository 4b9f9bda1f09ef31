<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="sw">
  <context>
    <name>LoadDialog</name>
    <message>
      <source>Load tracker export</source>
      <translation>Pakia data ya njia</translation>
    </message>
    <message>
      <source>Route exports (*.csv *.tsv *.txt *.xlsx);;All files (*.*)</source>
      <translation>Data ya njia (*.csv *.tsv *.txt *.xlsx);;Faili zote (*.*)</translation>
    </message>
    <message>
      <source>The export file: one row per reported route (CSV or XLSX).</source>
      <translation>Faili ya data: safu moja kwa kila njia iliyoripotiwa (CSV au XLSX).</translation>
    </message>
    <message>
      <source>Export file</source>
      <translation>Faili ya data</translation>
    </message>
    <message>
      <source>XLSX only: the sheet to read. Empty: the sheet whose header best matches the export fields.</source>
      <translation>XLSX pekee: karatasi ya kusoma. Tupu: karatasi ambayo vichwa vyake vinalingana zaidi na sehemu za data.</translation>
    </message>
    <message>
      <source>Sheet</source>
      <translation>Karatasi</translation>
    </message>
    <message>
      <source>Detect from the file (default), or force one of the supported layouts.</source>
      <translation>Tambua kutoka kwenye faili (chaguo-msingi), au lazimisha mojawapo ya miundo inayokubalika.</translation>
    </message>
    <message>
      <source>File format</source>
      <translation>Muundo wa faili</translation>
    </message>
    <message>
      <source>Column profiles (*.json)</source>
      <translation>Wasifu wa safu (*.json)</translation>
    </message>
    <message>
      <source>Optional: maps your headers to fields. Empty = default (English and Swahili headers).</source>
      <translation>Si lazima: huoanisha vichwa vya safu zako na sehemu. Tupu = chaguo-msingi (vichwa vya Kiingereza na Kiswahili).</translation>
    </message>
    <message>
      <source>Column profile</source>
      <translation>Wasifu wa safu</translation>
    </message>
    <message>
      <source>A column whose header only probably names a field (a near miss).</source>
      <translation>Safu ambayo kichwa chake huenda tu kinataja sehemu (karibu kulingana).</translation>
    </message>
    <message>
      <source>Uncertain column matches</source>
      <translation>Safu zisizo na uhakika</translation>
    </message>
    <message>
      <source>CSV (*.csv)</source>
      <translation>CSV (*.csv)</translation>
    </message>
    <message>
      <source>Optional: your own places (name, country, lat, lon), which win over the gazetteer.</source>
      <translation>Si lazima: maeneo yako mwenyewe (jina, nchi, lat, lon), yanayotangulia orodha ya majina ya maeneo.</translation>
    </message>
    <message>
      <source>Place overrides</source>
      <translation>Marekebisho ya maeneo</translation>
    </message>
    <message>
      <source>What to do with a place that is unknown or matches several places.</source>
      <translation>Nini kifanyike kwa eneo lisilojulikana au linalolingana na maeneo kadhaa.</translation>
    </message>
    <message>
      <source>Unknown places</source>
      <translation>Maeneo yasiyojulikana</translation>
    </message>
    <message>
      <source>The country pack: its home country looks up transit points, its place overrides are used when you give none. Default: the plugin setting.</source>
      <translation>Kifurushi cha nchi: nchi yake ya nyumbani hutumika kutafuta maeneo ya kupitia, na marekebisho yake ya maeneo hutumika usipotoa yako. Chaguo-msingi: mpangilio wa programu-jalizi.</translation>
    </message>
    <message>
      <source>Country pack</source>
      <translation>Kifurushi cha nchi</translation>
    </message>
    <message>
      <source>from the country pack</source>
      <translation>kutoka kwenye kifurushi cha nchi</translation>
    </message>
    <message>
      <source>Transit points are looked up in the origin's country, then in this country (ISO code or name), then anywhere.</source>
      <translation>Maeneo ya kupitia hutafutwa katika nchi ya chanzo, kisha katika nchi hii (msimbo wa ISO au jina), kisha popote.</translation>
    </message>
    <message>
      <source>Home country (for transit points)</source>
      <translation>Nchi ya nyumbani (kwa maeneo ya kupitia)</translation>
    </message>
    <message>
      <source>Include reporting organisation and notes in the layers</source>
      <translation>Jumuisha shirika linaloripoti na maelezo kwenye tabaka</translation>
    </message>
    <message>
      <source>These columns can identify people and partners; off by default.</source>
      <translation>Safu hizi zinaweza kutambulisha watu na washirika; zimezimwa kwa chaguo-msingi.</translation>
    </message>
    <message>
      <source>GeoPackage (*.gpkg)</source>
      <translation>GeoPackage (*.gpkg)</translation>
    </message>
    <message>
      <source>GeoPackage that receives the five layers.</source>
      <translation>GeoPackage itakayopokea tabaka tano.</translation>
    </message>
    <message>
      <source>Output GeoPackage</source>
      <translation>GeoPackage ya matokeo</translation>
    </message>
    <message>
      <source>Preview</source>
      <translation>Hakiki</translation>
    </message>
    <message>
      <source>Choose an export file, then Preview.</source>
      <translation>Chagua faili ya data, kisha Hakiki.</translation>
    </message>
    <message>
      <source>Load…</source>
      <translation>Pakia…</translation>
    </message>
    <message>
      <source>Column mapping</source>
      <translation>Uoanishaji wa safu</translation>
    </message>
    <message>
      <source>Save as profile…</source>
      <translation>Hifadhi kama wasifu…</translation>
    </message>
    <message>
      <source>Preview again</source>
      <translation>Onyesha tena</translation>
    </message>
    <message>
      <source>Detect from the file</source>
      <translation>Tambua kutoka kwenye faili</translation>
    </message>
    <message>
      <source>Tracker export, CSV</source>
      <translation>Data ya tracker, CSV</translation>
    </message>
    <message>
      <source>Tracker export, XLSX</source>
      <translation>Data ya tracker, XLSX</translation>
    </message>
    <message>
      <source>IOM HTCDS historic trafficking events</source>
      <translation>Matukio ya usafirishaji haramu ya IOM HTCDS</translation>
    </message>
    <message>
      <source>CTDC case data (country level)</source>
      <translation>Data ya kesi za CTDC (ngazi ya nchi)</translation>
    </message>
    <message>
      <source>CTDC victim-perpetrator file (UN region level)</source>
      <translation>Faili ya mwathiriwa na mhalifu ya CTDC (ngazi ya kanda za UN)</translation>
    </message>
    <message>
      <source>Stop, naming the column and the field it probably is</source>
      <translation>Simama, ukitaja safu na sehemu inayowezekana</translation>
    </message>
    <message>
      <source>Map it to that field and warn</source>
      <translation>Iweke kwenye sehemu hiyo na uonye</translation>
    </message>
    <message>
      <source>Reject the row</source>
      <translation>Kataa safu</translation>
    </message>
    <message>
      <source>Keep the place at country level (flagged)</source>
      <translation>Weka eneo kwa kiwango cha nchi (limewekwa alama)</translation>
    </message>
    <message>
      <source>Choose an export file first.</source>
      <translation>Chagua faili ya data kwanza.</translation>
    </message>
    <message>
      <source>Column in the file</source>
      <translation>Safu kwenye faili</translation>
    </message>
    <message>
      <source>Field</source>
      <translation>Sehemu</translation>
    </message>
    <message>
      <source>How it matched</source>
      <translation>Ilivyolingana</translation>
    </message>
    <message>
      <source>(not written)</source>
      <translation>(haiandikwi)</translation>
    </message>
    <message>
      <source>Assign any column to a field, preview again, and save the mapping as a column profile to reuse it.</source>
      <translation>Weka safu yoyote kwenye sehemu, onyesha tena, na uhifadhi mpangilio kama wasifu wa safu ili kuutumia tena.</translation>
    </message>
    <message>
      <source>Save column profile</source>
      <translation>Hifadhi wasifu wa safu</translation>
    </message>
    <message>
      <source>The file could not be read: nothing would be loaded.</source>
      <translation>Faili haikuweza kusomwa: hakuna kitakachopakiwa.</translation>
    </message>
    <message>
      <source>{0} rows previewed ({1}): {2} would be mapped, {3} rejected. {4}</source>
      <translation>Safu {0} zimeonyeshwa ({1}): {2} zingewekwa kwenye ramani, {3} zingekataliwa. {4}</translation>
    </message>
    <message>
      <source>Row</source>
      <translation>Safu</translation>
    </message>
    <message>
      <source>Severity</source>
      <translation>Uzito</translation>
    </message>
    <message>
      <source>Column</source>
      <translation>Safu wima</translation>
    </message>
    <message>
      <source>Value</source>
      <translation>Thamani</translation>
    </message>
    <message>
      <source>Suggestions</source>
      <translation>Mapendekezo</translation>
    </message>
    <message>
      <source>Reason</source>
      <translation>Sababu</translation>
    </message>
    <message>
      <source>Unmatched places and problems ({0})</source>
      <translation>Maeneo yasiyolingana na matatizo ({0})</translation>
    </message>
    <message>
      <source>not matched</source>
      <translation>haijalingana</translation>
    </message>
    <message>
      <source>Save the column assignments as a profile first: the load uses it.</source>
      <translation>Hifadhi kwanza mpangilio wa safu kama wasifu: upakiaji unautumia.</translation>
    </message>
  </context>
  <context>
    <name>RoutesPlugin</name>
    <message>
      <source>Load tracker export…</source>
      <translation>Pakia data ya njia…</translation>
    </message>
    <message>
      <source>Settings…</source>
      <translation>Mipangilio…</translation>
    </message>
    <message>
      <source>Trafficking Routes needs Python packages that QGIS's Python lacks: {0}. Install them with: {1}</source>
      <translation>Trafficking Routes inahitaji vifurushi vya Python ambavyo Python ya QGIS haina: {0}. Visakinishe kwa: {1}</translation>
    </message>
    <message>
      <source>Install the missing packages first: {0}</source>
      <translation>Sakinisha kwanza vifurushi vinavyokosekana: {0}</translation>
    </message>
  </context>
  <context>
    <name>SettingsDialog</name>
    <message>
      <source>Trafficking Routes settings</source>
      <translation>Mipangilio ya Trafficking Routes</translation>
    </message>
    <message>
      <source>Counts below this number are never published (0 turns suppression off).</source>
      <translation>Idadi chini ya namba hii haichapishwi kamwe (0 huzima ufichaji).</translation>
    </message>
    <message>
      <source>Every algorithm that publishes counts (hotspots, flows, crossings, summaries, chapters, table exports) offers this as its default. Counts below it are blanked, dropped or merged, so that small groups of people cannot be singled out.</source>
      <translation>Kila algorithimu inayochapisha idadi (maeneo hatari, mitiririko, vivuko, muhtasari, sura, majedwali) hutumia hii kama chaguo-msingi. Idadi chini yake hufichwa, huondolewa au huunganishwa, ili vikundi vidogo vya watu visiweze kutambuliwa.</translation>
    </message>
    <message>
      <source>Chapter regions, their names in each language and the home country.</source>
      <translation>Maeneo ya sura, majina yake katika kila lugha na nchi ya nyumbani.</translation>
    </message>
    <message>
      <source>Suppress counts below</source>
      <translation>Ficha idadi chini ya</translation>
    </message>
    <message>
      <source>Country pack</source>
      <translation>Kifurushi cha nchi</translation>
    </message>
  </context>
</TS>
