"""Every output loads on the canvas of a real QGIS window (Xvfb) the way the toolbox loads it:
readable names that say what and at which level, legends right the first time (no refresh),
surfaces below lines below points, and one label per place. The probe (canvas_probe.py) runs
the algorithms, or the shipped model, and reports the layer tree and the canvas's labels."""
import json
import re
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "routes_plugin" / "data" / "sample" / "kenya_routes_synthetic.csv"
SHOTS = REPO / "build" / "screenshots"
#: drawing rank by geometry: points above lines above surfaces (polygons, rasters)
RANK = {"point": 2, "line": 1, "polygon": 0, None: 0}


def _probe(tmp_path, qgis_window, model: bool) -> dict:
    proc = qgis_window(REPO / "tests/qgis/canvas_probe.py", timeout=900, ROUTES_PROBE_SAMPLE=str(SAMPLE),
                       ROUTES_PROBE_ROUNDS=str(REPO / "tests/data/rounds"), ROUTES_PROBE_MODEL="1" if model else "0",
                       ROUTES_PROBE_TIMEOUT="800")
    report = tmp_path / "canvas.json"
    assert report.exists(), proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(report.read_text())
    assert "probe_error" not in result, result["probe_error"]
    assert [e for e in result["errors"] if "warning:" not in e] == []
    assert (tmp_path / "canvas.png").stat().st_size > 10_000
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(tmp_path / "canvas.png", SHOTS / ("canvas_model.png" if model else "canvas.png"))
    return result


def _spatial(tree):
    return [row for row in tree if row["type"] == "raster" or row.get("geometry") in ("point", "line", "polygon")]


def _check_common(tree, labels):
    """The outputs' layers (the chapter layouts' own layers sit in an unchecked group of their own)."""
    tree = [row for row in tree if not row["group"]]
    names = [row["name"] for row in tree]
    for name in names:  # readable: words, not snake_case layer or file names
        assert "_" not in name and name[:1].isupper(), name
    ranks = [RANK[row.get("geometry")] for row in _spatial(tree)]
    assert ranks == sorted(ranks, reverse=True), [(r["name"], r.get("geometry")) for r in _spatial(tree)]
    by_name = {row["name"]: row for row in tree}
    density = next(row for row in tree if row["name"].startswith("Hotspot density — relative"))
    assert density["legend"][0] == "relative density"
    ramp = density["legend"][1]
    assert ramp["ramp"] and (ramp["min_label"], ramp["max_label"]) == ("low", "high")
    assert density["range"][0] == 0 and abs(density["range"][1] - density["peak"]) < 1e-3 * density["peak"]
    assert density["peak"] > 1  # the ramp is stretched to the data, not left at 0..1
    crossings = by_name["Border crossings — land, and airports of flights"]
    assert crossings["legend"][:2] == ["Land-border crossing", "Airport or town reached by air (not a land crossing)"]
    texts = [text for text, _layer in labels]
    assert len(texts) >= 10 and len(set(texts)) == len(texts), sorted({t for t in texts if texts.count(t) > 1})
    assert not any(re.fullmatch(r"[A-Z]{3}–[A-Z]{3} \(\d+\)", t) and ("SAU" in t or "QAT" in t) for t in texts)
    return by_name


def test_algorithm_outputs_on_the_canvas(tmp_path, qgis_window):
    result = _probe(tmp_path, qgis_window, model=False)
    tree, labels = result["tree"], result["canvas_labels"]
    by_name = _check_common(tree, labels)
    for name in ("Route points — one per stop", "Route legs — stop to stop", "Route lines — one per route",
                 "Places — on the routes", "Rejected rows", "Hotspots — Getis-Ord Gi* significance",
                 "Flows — region level (journeys)", "Flow nodes — region level (journeys)",
                 "Flows — place level (journeys)", "Regional risk — chapter regions",
                 "Change since the last round — places", "Change since the last round — corridors"):
        assert name in by_name, (name, sorted(by_name))
    nodes = by_name["Flow nodes — region level (journeys)"]["legend"]
    assert nodes[0] == "routes" and len(nodes) >= 3 and all(re.fullmatch(r"[\d,]+", n) for n in nodes[1:]), nodes
    flows = by_name["Flows — region level (journeys)"]["legend"]
    assert flows and all(entry.endswith("routes") for entry in flows), flows
    assert by_name["Hotspots — Getis-Ord Gi* significance"]["legend"][0] == "Hot spot, 99 % confidence"
    # one label per place: the place "Nairobi" and the region-level node "Nairobi" are not both labelled
    layers_of = {}
    for text, layer in labels:
        layers_of.setdefault(text, set()).add(layer)
    assert all(len(v) == 1 for v in layers_of.values())
    places = {t for t, layer in labels if layer == "Places — on the routes"}
    assert {"Nakuru", "Kisumu", "Eldoret"} & places


def test_model_outputs_on_the_canvas(tmp_path, qgis_window):
    result = _probe(tmp_path, qgis_window, model=True)
    tree = result["tree"]
    _check_common(tree, result["canvas_labels"])
    names = [row["name"] for row in tree]
    assert any(n.startswith("Flows — ") and "level" in n for n in names), names
    assert any(n.startswith("Flow nodes — ") for n in names), names


# ------------------------------------------------- the rules themselves, without a window

def _memory(geometry, name, fields, rows):
    from qgis.core import QgsFeature, QgsGeometry, QgsPointXY, QgsVectorLayer

    layer = QgsVectorLayer(f"{geometry}?crs=EPSG:4326&" + "&".join(f"field={f}:string" for f in fields), name, "memory")
    features = []
    for i, values in enumerate(rows):
        f = QgsFeature(layer.fields())
        f.setAttributes(list(values))
        f.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(36.8 + i, -1.3)) if geometry == "Point" else
                      QgsGeometry.fromWkt("LINESTRING(36 -1, 37 -2)" if geometry == "LineString" else
                                          "POLYGON((30 -5, 42 -5, 42 5, 30 5, 30 -5))"))
        features.append(f)
    layer.dataProvider().addFeatures(features)
    return layer


def test_outputs_find_their_place_and_one_label_per_place(qgis_app):
    from qgis.core import QgsExpression, QgsExpressionContext, QgsExpressionContextUtils, QgsProject

    from trafficking_routes.routes_plugin.edge import styles

    assert styles.size_legend_values(101) == [20, 50, 100] and styles.size_legend_values(29) == [5, 10, 20]
    project = QgsProject.instance()
    basemap = _memory("Polygon", "My basemap", ["name"], [("x",)])
    places = _memory("Point", "Places", ["place", "precision"], [("Nairobi", "place"), ("Busia", "place")])
    flows = _memory("LineString", "Flows", ["routes"], [("7",)])
    nodes = _memory("Point", "Nodes", ["name", "level"], [("Nairobi", "region"), ("Kampala", "region")])
    risk = _memory("Polygon", "Risk", ["region"], [("Coast",)])
    for layer, qml in ((basemap, None), (places, "places"), (flows, "flows"), (nodes, "flow_nodes"),
                       (risk, "regional_risk")):
        if qml:
            styles.apply_style(layer, qml)
        project.addMapLayer(layer)  # each on top, as with no layer selected
        styles.place_in_tree(project, layer)
    order = [n.layer().name() for n in project.layerTreeRoot().findLayers()]
    # surfaces below lines below points; the user's own layer keeps its place at the bottom
    assert order == ["Places", "Nodes", "Flows", "Risk", "My basemap"], order
    styles.one_label_per_place(project)

    def label(layer, feature_index):
        feature = list(layer.getFeatures())[feature_index]
        context = QgsExpressionContext(QgsExpressionContextUtils.globalProjectLayerScopes(layer))
        context.setFeature(feature)
        return QgsExpression(layer.labeling().settings().fieldName).evaluate(context)

    assert label(nodes, 0) in (None, "") and label(nodes, 1) == "Kampala"  # Nairobi is the place's label
    assert label(places, 0) == "Nairobi"
    project.layerTreeRoot().findLayer(places.id()).setItemVisibilityChecked(False)
    assert label(nodes, 0) == "Nairobi"  # the places are hidden: the node names it again
