<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis readOnly="0" autoRefreshTime="0" styleCategories="AllStyleCategories" symbologyReferenceScale="-1" simplifyDrawingTol="1" simplifyMaxScale="1" version="3.40.6-Bratislava" simplifyAlgorithm="0" autoRefreshMode="Disabled" labelsEnabled="0" simplifyLocal="1" hasScaleBasedVisibilityFlag="0" maxScale="0" minScale="100000000" simplifyDrawingHints="1">
  <flags>
    <Identifiable>1</Identifiable>
    <Removable>1</Removable>
    <Searchable>1</Searchable>
    <Private>0</Private>
  </flags>
  <temporal accumulate="0" enabled="0" endField="" endExpression="" startField="" startExpression="" limitMode="0" mode="0" durationUnit="min" durationField="" fixedDuration="0">
    <fixedRange>
      <start></start>
      <end></end>
    </fixedRange>
  </temporal>
  <elevation symbology="Line" extrusionEnabled="0" zscale="1" binding="Centroid" showMarkerSymbolInSurfacePlots="0" zoffset="0" type="IndividualFeatures" extrusion="0" clamping="Terrain" respectLayerSymbol="1">
    <data-defined-properties>
      <Option type="Map">
        <Option name="name" type="QString" value=""/>
        <Option name="properties"/>
        <Option name="type" type="QString" value="collection"/>
      </Option>
    </data-defined-properties>
    <profileLineSymbol>
      <symbol is_animated="0" alpha="1" name="" clip_to_extent="1" type="line" frame_rate="10" force_rhr="0">
        <data_defined_properties>
          <Option type="Map">
            <Option name="name" type="QString" value=""/>
            <Option name="properties"/>
            <Option name="type" type="QString" value="collection"/>
          </Option>
        </data_defined_properties>
        <layer enabled="1" pass="0" locked="0" class="SimpleLine" id="{68bca49e-96e8-4336-a5d7-1a181a9b95c6}">
          <Option type="Map">
            <Option name="align_dash_pattern" type="QString" value="0"/>
            <Option name="capstyle" type="QString" value="square"/>
            <Option name="customdash" type="QString" value="5;2"/>
            <Option name="customdash_map_unit_scale" type="QString" value="3x:0,0,0,0,0,0"/>
            <Option name="customdash_unit" type="QString" value="MM"/>
            <Option name="dash_pattern_offset" type="QString" value="0"/>
            <Option name="dash_pattern_offset_map_unit_scale" type="QString" value="3x:0,0,0,0,0,0"/>
            <Option name="dash_pattern_offset_unit" type="QString" value="MM"/>
            <Option name="draw_inside_polygon" type="QString" value="0"/>
            <Option name="joinstyle" type="QString" value="bevel"/>
            <Option name="line_color" type="QString" value="164,113,88,255,rgb:0.64313725490196083,0.44313725490196076,0.34509803921568627,1"/>
            <Option name="line_style" type="QString" value="solid"/>
            <Option name="line_width" type="QString" value="0.6"/>
            <Option name="line_width_unit" type="QString" value="MM"/>
            <Option name="offset" type="QString" value="0"/>
            <Option name="offset_map_unit_scale" type="QString" value="3x:0,0,0,0,0,0"/>
            <Option name="offset_unit" type="QString" value="MM"/>
            <Option name="ring_filter" type="QString" value="0"/>
            <Option name="trim_distance_end" type="QString" value="0"/>
            <Option name="trim_distance_end_map_unit_scale" type="QString" value="3x:0,0,0,0,0,0"/>
            <Option name="trim_distance_end_unit" type="QString" value="MM"/>
            <Option name="trim_distance_start" type="QString" value="0"/>
            <Option name="trim_distance_start_map_unit_scale" type="QString" value="3x:0,0,0,0,0,0"/>
            <Option name="trim_distance_start_unit" type="QString" value="MM"/>
            <Option name="tweak_dash_pattern_on_corners" type="QString" value="0"/>
            <Option name="use_custom_dash" type="QString" value="0"/>
            <Option name="width_map_unit_scale" type="QString" value="3x:0,0,0,0,0,0"/>
          </Option>
          <data_defined_properties>
            <Option type="Map">
              <Option name="name" type="QString" value=""/>
              <Option name="properties"/>
              <Option name="type" type="QString" value="collection"/>
            </Option>
          </data_defined_properties>
        </layer>
      </symbol>
    </profileLineSymbol>
    <profileFillSymbol>
      <symbol is_animated="0" alpha="1" name="" clip_to_extent="1" type="fill" frame_rate="10" force_rhr="0">
        <data_defined_properties>
          <Option type="Map">
            <Option name="name" type="QString" value=""/>
            <Option name="properties"/>
            <Option name="type" type="QString" value="collection"/>
          </Option>
        </data_defined_properties>
        <layer enabled="1" pass="0" locked="0" class="SimpleFill" id="{d968e8f6-4578-40c1-a875-0f8e0b5c8062}">
          <Option type="Map">
            <Option name="border_width_map_unit_scale" type="QString" value="3x:0,0,0,0,0,0"/>
            <Option name="color" type="QString" value="164,113,88,255,rgb:0.64313725490196083,0.44313725490196076,0.34509803921568627,1"/>
            <Option name="joinstyle" type="QString" value="bevel"/>
            <Option name="offset" type="QString" value="0,0"/>
            <Option name="offset_map_unit_scale" type="QString" value="3x:0,0,0,0,0,0"/>
            <Option name="offset_unit" type="QString" value="MM"/>
            <Option name="outline_color" type="QString" value="117,81,63,255,rgb:0.45937285420004575,0.31653315022507056,0.24649423971923401,1"/>
            <Option name="outline_style" type="QString" value="solid"/>
            <Option name="outline_width" type="QString" value="0.2"/>
            <Option name="outline_width_unit" type="QString" value="MM"/>
            <Option name="style" type="QString" value="solid"/>
          </Option>
          <data_defined_properties>
            <Option type="Map">
              <Option name="name" type="QString" value=""/>
              <Option name="properties"/>
              <Option name="type" type="QString" value="collection"/>
            </Option>
          </data_defined_properties>
        </layer>
      </symbol>
    </profileFillSymbol>
    <profileMarkerSymbol>
      <symbol is_animated="0" alpha="1" name="" clip_to_extent="1" type="marker" frame_rate="10" force_rhr="0">
        <data_defined_properties>
          <Option type="Map">
            <Option name="name" type="QString" value=""/>
            <Option name="properties"/>
            <Option name="type" type="QString" value="collection"/>
          </Option>
        </data_defined_properties>
        <layer enabled="1" pass="0" locked="0" class="SimpleMarker" id="{85985b05-aa9d-4949-8724-9149dfc47a58}">
          <Option type="Map">
            <Option name="angle" type="QString" value="0"/>
            <Option name="cap_style" type="QString" value="square"/>
            <Option name="color" type="QString" value="164,113,88,255,rgb:0.64313725490196083,0.44313725490196076,0.34509803921568627,1"/>
            <Option name="horizontal_anchor_point" type="QString" value="1"/>
            <Option name="joinstyle" type="QString" value="bevel"/>
            <Option name="name" type="QString" value="diamond"/>
            <Option name="offset" type="QString" value="0,0"/>
            <Option name="offset_map_unit_scale" type="QString" value="3x:0,0,0,0,0,0"/>
            <Option name="offset_unit" type="QString" value="MM"/>
            <Option name="outline_color" type="QString" value="117,81,63,255,rgb:0.45937285420004575,0.31653315022507056,0.24649423971923401,1"/>
            <Option name="outline_style" type="QString" value="solid"/>
            <Option name="outline_width" type="QString" value="0.2"/>
            <Option name="outline_width_map_unit_scale" type="QString" value="3x:0,0,0,0,0,0"/>
            <Option name="outline_width_unit" type="QString" value="MM"/>
            <Option name="scale_method" type="QString" value="diameter"/>
            <Option name="size" type="QString" value="3"/>
            <Option name="size_map_unit_scale" type="QString" value="3x:0,0,0,0,0,0"/>
            <Option name="size_unit" type="QString" value="MM"/>
            <Option name="vertical_anchor_point" type="QString" value="1"/>
          </Option>
          <data_defined_properties>
            <Option type="Map">
              <Option name="name" type="QString" value=""/>
              <Option name="properties"/>
              <Option name="type" type="QString" value="collection"/>
            </Option>
          </data_defined_properties>
        </layer>
      </symbol>
    </profileMarkerSymbol>
  </elevation>
  <renderer-v2 forceraster="0" referencescale="-1" symbollevels="0" type="categorizedSymbol" attr="change" enableorderby="0">
    <categories>
      <category uuid="{a04d9cbf-a0d6-4046-9bd8-aca0912c24e6}" type="string" label="New corridor" symbol="0" render="true" value="new"/>
      <category uuid="{2185a3d2-a4bc-43a7-8fff-66b77373ca57}" type="string" label="No longer reported" symbol="1" render="true" value="gone"/>
      <category uuid="{0e64b45a-d6d0-4f5b-9a5b-50d21759768f}" type="string" label="More routes (beyond chance)" symbol="2" render="true" value="up"/>
      <category uuid="{9f7bf38b-cc81-46f3-b03f-130f8bdd226b}" type="string" label="Fewer routes (beyond chance)" symbol="3" render="true" value="down"/>
      <category uuid="{ad30760c-9333-4b6c-818f-7223e43b2ae2}" type="string" label="About the same" symbol="4" render="true" value="same"/>
    </categories>
    <symbols>
      <symbol is_animated="0" alpha="1" name="0" clip_to_extent="1" type="line" frame_rate="10" force_rhr="0">
        <data_defined_properties>
          <Option type="Map">
            <Option name="name" type="QString" value=""/>
            <Option name="properties"/>
            <Option name="type" type="QString" value="collection"/>
          </Option>
        </data_defined_properties>
        <layer enabled="1" pass="0" locked="0" class="ArrowLine" id="{8d23c6a2-993b-4e6f-9225-d6967727ccb1}">
          <Option type="Map">
            <Option name="arrow_start_width" type="QString" value="1"/>
            <Option name="arrow_start_width_unit" type="QString" value="MM"/>
            <Option name="arrow_start_width_unit_scale" type="QString" value="3x:0,0,0,0,0,0"/>
            <Option name="arrow_type" type="QString" value="0"/>
            <Option name="arrow_width" type="QString" value="1"/>
            <Option name="arrow_width_unit" type="QString" value="MM"/>
            <Option name="arrow_width_unit_scale" type="QString" value="3x:0,0,0,0,0,0"/>
            <Option name="head_length" type="QString" value="2.5"/>
            <Option name="head_length_unit" type="QString" value="MM"/>
            <Option name="head_length_unit_scale" type="QString" value="3x:0,0,0,0,0,0"/>
            <Option name="head_thickness" type="QString" value="1.5"/>
            <Option name="head_thickness_unit" type="QString" value="MM"/>
            <Option name="head_thickness_unit_scale" type="QString" value="3x:0,0,0,0,0,0"/>
            <Option name="head_type" type="QString" value="0"/>
            <Option name="is_curved" type="QString" value="1"/>
            <Option name="is_repeated" type="QString" value="0"/>
            <Option name="offset" type="QString" value="0"/>
            <Option name="offset_unit" type="QString" value="MM"/>
            <Option name="offset_unit_scale" type="QString" value="3x:0,0,0,0,0,0"/>
            <Option name="ring_filter" type="QString" value="0"/>
          </Option>
          <data_defined_properties>
            <Option type="Map">
              <Option name="name" type="QString" value=""/>
              <Option name="properties" type="Map">
                <Option name="arrowHeadLength" type="Map">
                  <Option name="active" type="bool" value="true"/>
                  <Option name="expression" type="QString" value="1.6 + 1.4 * (min(4.5, 0.35 + 0.45 * sqrt(coalesce(max(coalesce(&quot;routes_before&quot;, 0), coalesce(&quot;routes_after&quot;, 0)), 3))))"/>
                  <Option name="type" type="int" value="3"/>
                </Option>
                <Option name="arrowHeadThickness" type="Map">
                  <Option name="active" type="bool" value="true"/>
                  <Option name="expression" type="QString" value="0.8 + 0.9 * (min(4.5, 0.35 + 0.45 * sqrt(coalesce(max(coalesce(&quot;routes_before&quot;, 0), coalesce(&quot;routes_after&quot;, 0)), 3))))"/>
                  <Option name="type" type="int" value="3"/>
                </Option>
                <Option name="arrowStartWidth" type="Map">
                  <Option name="active" type="bool" value="true"/>
                  <Option name="expression" type="QString" value="min(4.5, 0.35 + 0.45 * sqrt(coalesce(max(coalesce(&quot;routes_before&quot;, 0), coalesce(&quot;routes_after&quot;, 0)), 3)))"/>
                  <Option name="type" type="int" value="3"/>
                </Option>
                <Option name="arrowWidth" type="Map">
                  <Option name="active" type="bool" value="true"/>
                  <Option name="expression" type="QString" value="min(4.5, 0.35 + 0.45 * sqrt(coalesce(max(coalesce(&quot;routes_before&quot;, 0), coalesce(&quot;routes_after&quot;, 0)), 3)))"/>
                  <Option name="type" type="int" value="3"/>
                </Option>
              </Option>
              <Option name="type" type="QString" value="collection"/>
            </Option>
          </data_defined_properties>
          <symbol is_animated="0" alpha="0.85" name="@0@0" clip_to_extent="1" type="fill" frame_rate="10" force_rhr="0">
            <data_defined_properties>
              <Option type="Map">
                <Option name="name" type="QString" value=""/>
                <Option name="properties"/>
                <Option name="type" type="QString" value="collection"/>
              </Option>
            </data_defined_properties>
            <layer enabled="1" pass="0" locked="0" class="SimpleFill" id="{c2af2218-4e75-4053-acd6-19870ba10df7}">
              <Option type="Map">
                <Option name="border_width_map_unit_scale" type="QString" value="3x:0,0,0,0,0,0"/>
                <Option name="color" type="QString" value="215,48,31,255,rgb:0.84313725490196079,0.18823529411764706,0.12156862745098039,1"/>
                <Option name="joinstyle" type="QString" value="bevel"/>
                <Option name="offset" type="QString" value="0,0"/>
                <Option name="offset_map_unit_scale" type="QString" value="3x:0,0,0,0,0,0"/>
                <Option name="offset_unit" type="QString" value="MM"/>
                <Option name="outline_color" type="QString" value="255,255,255,255,rgb:1,1,1,1"/>
                <Option name="outline_style" type="QString" value="solid"/>
                <Option name="outline_width" type="QString" value="0.15"/>
                <Option name="outline_width_unit" type="QString" value="MM"/>
                <Option name="style" type="QString" value="solid"/>
              </Option>
              <data_defined_properties>
                <Option type="Map">
                  <Option name="name" type="QString" value=""/>
                  <Option name="properties"/>
                  <Option name="type" type="QString" value="collection"/>
                </Option>
              </data_defined_properties>
            </layer>
          </symbol>
        </layer>
      </symbol>
      <symbol is_animated="0" alpha="1" name="1" clip_to_extent="1" type="line" frame_rate="10" force_rhr="0">
        <data_defined_properties>
          <Option type="Map">
            <Option name="name" type="QString" value=""/>
            <Option name="properties"/>
            <Option name="type" type="QString" value="collection"/>
          </Option>
        </data_defined_properties>
        <layer enabled="1" pass="0" locked="0" class="ArrowLine" id="{35519cd7-cea4-431f-beba-56520643793b}">
          <Option type="Map">
            <Option name="arrow_start_width" type="QString" value="1"/>
            <Option name="arrow_start_width_unit" type="QString" value="MM"/>
            <Option name="arrow_start_width_unit_scale" type="QString" value="3x:0,0,0,0,0,0"/>
            <Option name="arrow_type" type="QString" value="0"/>
            <Option name="arrow_width" type="QString" value="1"/>
            <Option name="arrow_width_unit" type="QString" value="MM"/>
            <Option name="arrow_width_unit_scale" type="QString" value="3x:0,0,0,0,0,0"/>
            <Option name="head_length" type="QString" value="2.5"/>
            <Option name="head_length_unit" type="QString" value="MM"/>
            <Option name="head_length_unit_scale" type="QString" value="3x:0,0,0,0,0,0"/>
            <Option name="head_thickness" type="QString" value="1.5"/>
            <Option name="head_thickness_unit" type="QString" value="MM"/>
            <Option name="head_thickness_unit_scale" type="QString" value="3x:0,0,0,0,0,0"/>
            <Option name="head_type" type="QString" value="0"/>
            <Option name="is_curved" type="QString" value="1"/>
            <Option name="is_repeated" type="QString" value="0"/>
            <Option name="offset" type="QString" value="0"/>
            <Option name="offset_unit" type="QString" value="MM"/>
            <Option name="offset_unit_scale" type="QString" value="3x:0,0,0,0,0,0"/>
            <Option name="ring_filter" type="QString" value="0"/>
          </Option>
          <data_defined_properties>
            <Option type="Map">
              <Option name="name" type="QString" value=""/>
              <Option name="properties" type="Map">
                <Option name="arrowHeadLength" type="Map">
                  <Option name="active" type="bool" value="true"/>
                  <Option name="expression" type="QString" value="1.6 + 1.4 * (min(4.5, 0.35 + 0.45 * sqrt(coalesce(max(coalesce(&quot;routes_before&quot;, 0), coalesce(&quot;routes_after&quot;, 0)), 3))))"/>
                  <Option name="type" type="int" value="3"/>
                </Option>
                <Option name="arrowHeadThickness" type="Map">
                  <Option name="active" type="bool" value="true"/>
                  <Option name="expression" type="QString" value="0.8 + 0.9 * (min(4.5, 0.35 + 0.45 * sqrt(coalesce(max(coalesce(&quot;routes_before&quot;, 0), coalesce(&quot;routes_after&quot;, 0)), 3))))"/>
                  <Option name="type" type="int" value="3"/>
                </Option>
                <Option name="arrowStartWidth" type="Map">
                  <Option name="active" type="bool" value="true"/>
                  <Option name="expression" type="QString" value="min(4.5, 0.35 + 0.45 * sqrt(coalesce(max(coalesce(&quot;routes_before&quot;, 0), coalesce(&quot;routes_after&quot;, 0)), 3)))"/>
                  <Option name="type" type="int" value="3"/>
                </Option>
                <Option name="arrowWidth" type="Map">
                  <Option name="active" type="bool" value="true"/>
                  <Option name="expression" type="QString" value="min(4.5, 0.35 + 0.45 * sqrt(coalesce(max(coalesce(&quot;routes_before&quot;, 0), coalesce(&quot;routes_after&quot;, 0)), 3)))"/>
                  <Option name="type" type="int" value="3"/>
                </Option>
              </Option>
              <Option name="type" type="QString" value="collection"/>
            </Option>
          </data_defined_properties>
          <symbol is_animated="0" alpha="0.85" name="@1@0" clip_to_extent="1" type="fill" frame_rate="10" force_rhr="0">
            <data_defined_properties>
              <Option type="Map">
                <Option name="name" type="QString" value=""/>
                <Option name="properties"/>
                <Option name="type" type="QString" value="collection"/>
              </Option>
            </data_defined_properties>
            <layer enabled="1" pass="0" locked="0" class="SimpleFill" id="{d0c6edc5-c1d1-43d4-bb57-e45244b01cd1}">
              <Option type="Map">
                <Option name="border_width_map_unit_scale" type="QString" value="3x:0,0,0,0,0,0"/>
                <Option name="color" type="QString" value="106,81,163,255,rgb:0.41568627450980394,0.31764705882352939,0.63921568627450975,1"/>
                <Option name="joinstyle" type="QString" value="bevel"/>
                <Option name="offset" type="QString" value="0,0"/>
                <Option name="offset_map_unit_scale" type="QString" value="3x:0,0,0,0,0,0"/>
                <Option name="offset_unit" type="QString" value="MM"/>
                <Option name="outline_color" type="QString" value="106,81,163,255,rgb:0.41568627450980394,0.31764705882352939,0.63921568627450975,1"/>
                <Option name="outline_style" type="QString" value="dash"/>
                <Option name="outline_width" type="QString" value="0.35"/>
                <Option name="outline_width_unit" type="QString" value="MM"/>
                <Option name="style" type="QString" value="no"/>
              </Option>
              <data_defined_properties>
                <Option type="Map">
                  <Option name="name" type="QString" value=""/>
                  <Option name="properties"/>
                  <Option name="type" type="QString" value="collection"/>
                </Option>
              </data_defined_properties>
            </layer>
          </symbol>
        </layer>
      </symbol>
      <symbol is_animated="0" alpha="1" name="2" clip_to_extent="1" type="line" frame_rate="10" force_rhr="0">
        <data_defined_properties>
          <Option type="Map">
            <Option name="name" type="QString" value=""/>
            <Option name="properties"/>
            <Option name="type" type="QString" value="collection"/>
          </Option>
        </data_defined_properties>
        <layer enabled="1" pass="0" locked="0" class="ArrowLine" id="{4164e893-7b81-4bca-a51c-26b2c5d59730}">
          <Option type="Map">
            <Option name="arrow_start_width" type="QString" value="1"/>
            <Option name="arrow_start_width_unit" type="QString" value="MM"/>
            <Option name="arrow_start_width_unit_scale" type="QString" value="3x:0,0,0,0,0,0"/>
            <Option name="arrow_type" type="QString" value="0"/>
            <Option name="arrow_width" type="QString" value="1"/>
            <Option name="arrow_width_unit" type="QString" value="MM"/>
            <Option name="arrow_width_unit_scale" type="QString" value="3x:0,0,0,0,0,0"/>
            <Option name="head_length" type="QString" value="2.5"/>
            <Option name="head_length_unit" type="QString" value="MM"/>
            <Option name="head_length_unit_scale" type="QString" value="3x:0,0,0,0,0,0"/>
            <Option name="head_thickness" type="QString" value="1.5"/>
            <Option name="head_thickness_unit" type="QString" value="MM"/>
            <Option name="head_thickness_unit_scale" type="QString" value="3x:0,0,0,0,0,0"/>
            <Option name="head_type" type="QString" value="0"/>
            <Option name="is_curved" type="QString" value="1"/>
            <Option name="is_repeated" type="QString" value="0"/>
            <Option name="offset" type="QString" value="0"/>
            <Option name="offset_unit" type="QString" value="MM"/>
            <Option name="offset_unit_scale" type="QString" value="3x:0,0,0,0,0,0"/>
            <Option name="ring_filter" type="QString" value="0"/>
          </Option>
          <data_defined_properties>
            <Option type="Map">
              <Option name="name" type="QString" value=""/>
              <Option name="properties" type="Map">
                <Option name="arrowHeadLength" type="Map">
                  <Option name="active" type="bool" value="true"/>
                  <Option name="expression" type="QString" value="1.6 + 1.4 * (min(4.5, 0.35 + 0.45 * sqrt(coalesce(max(coalesce(&quot;routes_before&quot;, 0), coalesce(&quot;routes_after&quot;, 0)), 3))))"/>
                  <Option name="type" type="int" value="3"/>
                </Option>
                <Option name="arrowHeadThickness" type="Map">
                  <Option name="active" type="bool" value="true"/>
                  <Option name="expression" type="QString" value="0.8 + 0.9 * (min(4.5, 0.35 + 0.45 * sqrt(coalesce(max(coalesce(&quot;routes_before&quot;, 0), coalesce(&quot;routes_after&quot;, 0)), 3))))"/>
                  <Option name="type" type="int" value="3"/>
                </Option>
                <Option name="arrowStartWidth" type="Map">
                  <Option name="active" type="bool" value="true"/>
                  <Option name="expression" type="QString" value="min(4.5, 0.35 + 0.45 * sqrt(coalesce(max(coalesce(&quot;routes_before&quot;, 0), coalesce(&quot;routes_after&quot;, 0)), 3)))"/>
                  <Option name="type" type="int" value="3"/>
                </Option>
                <Option name="arrowWidth" type="Map">
                  <Option name="active" type="bool" value="true"/>
                  <Option name="expression" type="QString" value="min(4.5, 0.35 + 0.45 * sqrt(coalesce(max(coalesce(&quot;routes_before&quot;, 0), coalesce(&quot;routes_after&quot;, 0)), 3)))"/>
                  <Option name="type" type="int" value="3"/>
                </Option>
              </Option>
              <Option name="type" type="QString" value="collection"/>
            </Option>
          </data_defined_properties>
          <symbol is_animated="0" alpha="0.85" name="@2@0" clip_to_extent="1" type="fill" frame_rate="10" force_rhr="0">
            <data_defined_properties>
              <Option type="Map">
                <Option name="name" type="QString" value=""/>
                <Option name="properties"/>
                <Option name="type" type="QString" value="collection"/>
              </Option>
            </data_defined_properties>
            <layer enabled="1" pass="0" locked="0" class="SimpleFill" id="{47f5ef63-0efa-49d8-9470-12480b4076cb}">
              <Option type="Map">
                <Option name="border_width_map_unit_scale" type="QString" value="3x:0,0,0,0,0,0"/>
                <Option name="color" type="QString" value="252,141,89,255,rgb:0.9882352941176471,0.55294117647058827,0.34901960784313724,1"/>
                <Option name="joinstyle" type="QString" value="bevel"/>
                <Option name="offset" type="QString" value="0,0"/>
                <Option name="offset_map_unit_scale" type="QString" value="3x:0,0,0,0,0,0"/>
                <Option name="offset_unit" type="QString" value="MM"/>
                <Option name="outline_color" type="QString" value="255,255,255,255,rgb:1,1,1,1"/>
                <Option name="outline_style" type="QString" value="solid"/>
                <Option name="outline_width" type="QString" value="0.15"/>
                <Option name="outline_width_unit" type="QString" value="MM"/>
                <Option name="style" type="QString" value="solid"/>
              </Option>
              <data_defined_properties>
                <Option type="Map">
                  <Option name="name" type="QString" value=""/>
                  <Option name="properties"/>
                  <Option name="type" type="QString" value="collection"/>
                </Option>
              </data_defined_properties>
            </layer>
          </symbol>
        </layer>
      </symbol>
      <symbol is_animated="0" alpha="1" name="3" clip_to_extent="1" type="line" frame_rate="10" force_rhr="0">
        <data_defined_properties>
          <Option type="Map">
            <Option name="name" type="QString" value=""/>
            <Option name="properties"/>
            <Option name="type" type="QString" value="collection"/>
          </Option>
        </data_defined_properties>
        <layer enabled="1" pass="0" locked="0" class="ArrowLine" id="{cdbe2a0e-8c96-4385-af72-de19a4a276fd}">
          <Option type="Map">
            <Option name="arrow_start_width" type="QString" value="1"/>
            <Option name="arrow_start_width_unit" type="QString" value="MM"/>
            <Option name="arrow_start_width_unit_scale" type="QString" value="3x:0,0,0,0,0,0"/>
            <Option name="arrow_type" type="QString" value="0"/>
            <Option name="arrow_width" type="QString" value="1"/>
            <Option name="arrow_width_unit" type="QString" value="MM"/>
            <Option name="arrow_width_unit_scale" type="QString" value="3x:0,0,0,0,0,0"/>
            <Option name="head_length" type="QString" value="2.5"/>
            <Option name="head_length_unit" type="QString" value="MM"/>
            <Option name="head_length_unit_scale" type="QString" value="3x:0,0,0,0,0,0"/>
            <Option name="head_thickness" type="QString" value="1.5"/>
            <Option name="head_thickness_unit" type="QString" value="MM"/>
            <Option name="head_thickness_unit_scale" type="QString" value="3x:0,0,0,0,0,0"/>
            <Option name="head_type" type="QString" value="0"/>
            <Option name="is_curved" type="QString" value="1"/>
            <Option name="is_repeated" type="QString" value="0"/>
            <Option name="offset" type="QString" value="0"/>
            <Option name="offset_unit" type="QString" value="MM"/>
            <Option name="offset_unit_scale" type="QString" value="3x:0,0,0,0,0,0"/>
            <Option name="ring_filter" type="QString" value="0"/>
          </Option>
          <data_defined_properties>
            <Option type="Map">
              <Option name="name" type="QString" value=""/>
              <Option name="properties" type="Map">
                <Option name="arrowHeadLength" type="Map">
                  <Option name="active" type="bool" value="true"/>
                  <Option name="expression" type="QString" value="1.6 + 1.4 * (min(4.5, 0.35 + 0.45 * sqrt(coalesce(max(coalesce(&quot;routes_before&quot;, 0), coalesce(&quot;routes_after&quot;, 0)), 3))))"/>
                  <Option name="type" type="int" value="3"/>
                </Option>
                <Option name="arrowHeadThickness" type="Map">
                  <Option name="active" type="bool" value="true"/>
                  <Option name="expression" type="QString" value="0.8 + 0.9 * (min(4.5, 0.35 + 0.45 * sqrt(coalesce(max(coalesce(&quot;routes_before&quot;, 0), coalesce(&quot;routes_after&quot;, 0)), 3))))"/>
                  <Option name="type" type="int" value="3"/>
                </Option>
                <Option name="arrowStartWidth" type="Map">
                  <Option name="active" type="bool" value="true"/>
                  <Option name="expression" type="QString" value="min(4.5, 0.35 + 0.45 * sqrt(coalesce(max(coalesce(&quot;routes_before&quot;, 0), coalesce(&quot;routes_after&quot;, 0)), 3)))"/>
                  <Option name="type" type="int" value="3"/>
                </Option>
                <Option name="arrowWidth" type="Map">
                  <Option name="active" type="bool" value="true"/>
                  <Option name="expression" type="QString" value="min(4.5, 0.35 + 0.45 * sqrt(coalesce(max(coalesce(&quot;routes_before&quot;, 0), coalesce(&quot;routes_after&quot;, 0)), 3)))"/>
                  <Option name="type" type="int" value="3"/>
                </Option>
              </Option>
              <Option name="type" type="QString" value="collection"/>
            </Option>
          </data_defined_properties>
          <symbol is_animated="0" alpha="0.85" name="@3@0" clip_to_extent="1" type="fill" frame_rate="10" force_rhr="0">
            <data_defined_properties>
              <Option type="Map">
                <Option name="name" type="QString" value=""/>
                <Option name="properties"/>
                <Option name="type" type="QString" value="collection"/>
              </Option>
            </data_defined_properties>
            <layer enabled="1" pass="0" locked="0" class="SimpleFill" id="{16766ef4-bcd7-45d1-80ae-cb1a9dc937b8}">
              <Option type="Map">
                <Option name="border_width_map_unit_scale" type="QString" value="3x:0,0,0,0,0,0"/>
                <Option name="color" type="QString" value="69,117,180,255,rgb:0.27058823529411763,0.45882352941176469,0.70588235294117652,1"/>
                <Option name="joinstyle" type="QString" value="bevel"/>
                <Option name="offset" type="QString" value="0,0"/>
                <Option name="offset_map_unit_scale" type="QString" value="3x:0,0,0,0,0,0"/>
                <Option name="offset_unit" type="QString" value="MM"/>
                <Option name="outline_color" type="QString" value="255,255,255,255,rgb:1,1,1,1"/>
                <Option name="outline_style" type="QString" value="solid"/>
                <Option name="outline_width" type="QString" value="0.15"/>
                <Option name="outline_width_unit" type="QString" value="MM"/>
                <Option name="style" type="QString" value="solid"/>
              </Option>
              <data_defined_properties>
                <Option type="Map">
                  <Option name="name" type="QString" value=""/>
                  <Option name="properties"/>
                  <Option name="type" type="QString" value="collection"/>
                </Option>
              </data_defined_properties>
            </layer>
          </symbol>
        </layer>
      </symbol>
      <symbol is_animated="0" alpha="1" name="4" clip_to_extent="1" type="line" frame_rate="10" force_rhr="0">
        <data_defined_properties>
          <Option type="Map">
            <Option name="name" type="QString" value=""/>
            <Option name="properties"/>
            <Option name="type" type="QString" value="collection"/>
          </Option>
        </data_defined_properties>
        <layer enabled="1" pass="0" locked="0" class="ArrowLine" id="{7e7fd7f7-6ad0-46ca-aaf6-b7e8d81e9dd3}">
          <Option type="Map">
            <Option name="arrow_start_width" type="QString" value="1"/>
            <Option name="arrow_start_width_unit" type="QString" value="MM"/>
            <Option name="arrow_start_width_unit_scale" type="QString" value="3x:0,0,0,0,0,0"/>
            <Option name="arrow_type" type="QString" value="0"/>
            <Option name="arrow_width" type="QString" value="1"/>
            <Option name="arrow_width_unit" type="QString" value="MM"/>
            <Option name="arrow_width_unit_scale" type="QString" value="3x:0,0,0,0,0,0"/>
            <Option name="head_length" type="QString" value="2.5"/>
            <Option name="head_length_unit" type="QString" value="MM"/>
            <Option name="head_length_unit_scale" type="QString" value="3x:0,0,0,0,0,0"/>
            <Option name="head_thickness" type="QString" value="1.5"/>
            <Option name="head_thickness_unit" type="QString" value="MM"/>
            <Option name="head_thickness_unit_scale" type="QString" value="3x:0,0,0,0,0,0"/>
            <Option name="head_type" type="QString" value="0"/>
            <Option name="is_curved" type="QString" value="1"/>
            <Option name="is_repeated" type="QString" value="0"/>
            <Option name="offset" type="QString" value="0"/>
            <Option name="offset_unit" type="QString" value="MM"/>
            <Option name="offset_unit_scale" type="QString" value="3x:0,0,0,0,0,0"/>
            <Option name="ring_filter" type="QString" value="0"/>
          </Option>
          <data_defined_properties>
            <Option type="Map">
              <Option name="name" type="QString" value=""/>
              <Option name="properties" type="Map">
                <Option name="arrowHeadLength" type="Map">
                  <Option name="active" type="bool" value="true"/>
                  <Option name="expression" type="QString" value="1.6 + 1.4 * (min(4.5, 0.35 + 0.45 * sqrt(coalesce(max(coalesce(&quot;routes_before&quot;, 0), coalesce(&quot;routes_after&quot;, 0)), 3))))"/>
                  <Option name="type" type="int" value="3"/>
                </Option>
                <Option name="arrowHeadThickness" type="Map">
                  <Option name="active" type="bool" value="true"/>
                  <Option name="expression" type="QString" value="0.8 + 0.9 * (min(4.5, 0.35 + 0.45 * sqrt(coalesce(max(coalesce(&quot;routes_before&quot;, 0), coalesce(&quot;routes_after&quot;, 0)), 3))))"/>
                  <Option name="type" type="int" value="3"/>
                </Option>
                <Option name="arrowStartWidth" type="Map">
                  <Option name="active" type="bool" value="true"/>
                  <Option name="expression" type="QString" value="min(4.5, 0.35 + 0.45 * sqrt(coalesce(max(coalesce(&quot;routes_before&quot;, 0), coalesce(&quot;routes_after&quot;, 0)), 3)))"/>
                  <Option name="type" type="int" value="3"/>
                </Option>
                <Option name="arrowWidth" type="Map">
                  <Option name="active" type="bool" value="true"/>
                  <Option name="expression" type="QString" value="min(4.5, 0.35 + 0.45 * sqrt(coalesce(max(coalesce(&quot;routes_before&quot;, 0), coalesce(&quot;routes_after&quot;, 0)), 3)))"/>
                  <Option name="type" type="int" value="3"/>
                </Option>
              </Option>
              <Option name="type" type="QString" value="collection"/>
            </Option>
          </data_defined_properties>
          <symbol is_animated="0" alpha="0.55" name="@4@0" clip_to_extent="1" type="fill" frame_rate="10" force_rhr="0">
            <data_defined_properties>
              <Option type="Map">
                <Option name="name" type="QString" value=""/>
                <Option name="properties"/>
                <Option name="type" type="QString" value="collection"/>
              </Option>
            </data_defined_properties>
            <layer enabled="1" pass="0" locked="0" class="SimpleFill" id="{1bd48917-d2a8-4578-8c54-2e6fce10f1c4}">
              <Option type="Map">
                <Option name="border_width_map_unit_scale" type="QString" value="3x:0,0,0,0,0,0"/>
                <Option name="color" type="QString" value="160,160,160,255,rgb:0.62745098039215685,0.62745098039215685,0.62745098039215685,1"/>
                <Option name="joinstyle" type="QString" value="bevel"/>
                <Option name="offset" type="QString" value="0,0"/>
                <Option name="offset_map_unit_scale" type="QString" value="3x:0,0,0,0,0,0"/>
                <Option name="offset_unit" type="QString" value="MM"/>
                <Option name="outline_color" type="QString" value="255,255,255,255,rgb:1,1,1,1"/>
                <Option name="outline_style" type="QString" value="solid"/>
                <Option name="outline_width" type="QString" value="0.15"/>
                <Option name="outline_width_unit" type="QString" value="MM"/>
                <Option name="style" type="QString" value="solid"/>
              </Option>
              <data_defined_properties>
                <Option type="Map">
                  <Option name="name" type="QString" value=""/>
                  <Option name="properties"/>
                  <Option name="type" type="QString" value="collection"/>
                </Option>
              </data_defined_properties>
            </layer>
          </symbol>
        </layer>
      </symbol>
    </symbols>
    <rotation/>
    <sizescale/>
    <data-defined-properties>
      <Option type="Map">
        <Option name="name" type="QString" value=""/>
        <Option name="properties"/>
        <Option name="type" type="QString" value="collection"/>
      </Option>
    </data-defined-properties>
  </renderer-v2>
  <selection mode="Default">
    <selectionColor invalid="1"/>
  </selection>
  <customproperties>
    <Option/>
  </customproperties>
  <blendMode>0</blendMode>
  <featureBlendMode>0</featureBlendMode>
  <layerOpacity>1</layerOpacity>
  <geometryOptions removeDuplicateNodes="0" geometryPrecision="0">
    <activeChecks type="StringList">
      <Option type="QString" value=""/>
    </activeChecks>
    <checkConfiguration/>
  </geometryOptions>
  <legend type="default-vector" showLabelLegend="0"/>
  <fieldConfiguration>
    <field configurationFlags="NoFlag" name="change">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field configurationFlags="NoFlag" name="routes_before">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field configurationFlags="NoFlag" name="routes_after">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
  </fieldConfiguration>
  <aliases>
    <alias index="0" field="change" name=""/>
    <alias index="1" field="routes_before" name=""/>
    <alias index="2" field="routes_after" name=""/>
  </aliases>
  <splitPolicies>
    <policy field="change" policy="Duplicate"/>
    <policy field="routes_before" policy="Duplicate"/>
    <policy field="routes_after" policy="Duplicate"/>
  </splitPolicies>
  <duplicatePolicies>
    <policy field="change" policy="Duplicate"/>
    <policy field="routes_before" policy="Duplicate"/>
    <policy field="routes_after" policy="Duplicate"/>
  </duplicatePolicies>
  <defaults>
    <default field="change" expression="" applyOnUpdate="0"/>
    <default field="routes_before" expression="" applyOnUpdate="0"/>
    <default field="routes_after" expression="" applyOnUpdate="0"/>
  </defaults>
  <constraints>
    <constraint exp_strength="0" notnull_strength="0" field="change" unique_strength="0" constraints="0"/>
    <constraint exp_strength="0" notnull_strength="0" field="routes_before" unique_strength="0" constraints="0"/>
    <constraint exp_strength="0" notnull_strength="0" field="routes_after" unique_strength="0" constraints="0"/>
  </constraints>
  <constraintExpressions>
    <constraint field="change" exp="" desc=""/>
    <constraint field="routes_before" exp="" desc=""/>
    <constraint field="routes_after" exp="" desc=""/>
  </constraintExpressions>
  <expressionfields/>
  <attributeactions/>
  <attributetableconfig sortOrder="0" actionWidgetStyle="dropDown" sortExpression="">
    <columns/>
  </attributetableconfig>
  <conditionalstyles>
    <rowstyles/>
    <fieldstyles/>
  </conditionalstyles>
  <storedexpressions/>
  <editform tolerant="1"></editform>
  <editforminit/>
  <editforminitcodesource>0</editforminitcodesource>
  <editforminitfilepath></editforminitfilepath>
  <editforminitcode><![CDATA[]]></editforminitcode>
  <featformsuppress>0</featformsuppress>
  <editorlayout>generatedlayout</editorlayout>
  <editable/>
  <labelOnTop/>
  <reuseLastValue/>
  <dataDefinedFieldProperties/>
  <widgets/>
  <previewExpression></previewExpression>
  <mapTip enabled="1"></mapTip>
  <layerGeometryType>1</layerGeometryType>
</qgis>
