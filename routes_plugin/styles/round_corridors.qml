<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis maxScale="0" simplifyDrawingTol="1" simplifyAlgorithm="0" symbologyReferenceScale="-1" readOnly="0" styleCategories="AllStyleCategories" minScale="100000000" labelsEnabled="0" simplifyLocal="1" hasScaleBasedVisibilityFlag="0" autoRefreshMode="Disabled" simplifyMaxScale="1" autoRefreshTime="0" version="3.40.6-Bratislava" simplifyDrawingHints="1">
  <flags>
    <Identifiable>1</Identifiable>
    <Removable>1</Removable>
    <Searchable>1</Searchable>
    <Private>0</Private>
  </flags>
  <temporal limitMode="0" endExpression="" startField="" durationField="" mode="0" endField="" startExpression="" enabled="0" durationUnit="min" accumulate="0" fixedDuration="0">
    <fixedRange>
      <start></start>
      <end></end>
    </fixedRange>
  </temporal>
  <elevation zoffset="0" showMarkerSymbolInSurfacePlots="0" type="IndividualFeatures" zscale="1" binding="Centroid" extrusion="0" symbology="Line" clamping="Terrain" respectLayerSymbol="1" extrusionEnabled="0">
    <data-defined-properties>
      <Option type="Map">
        <Option value="" type="QString" name="name"/>
        <Option name="properties"/>
        <Option value="collection" type="QString" name="type"/>
      </Option>
    </data-defined-properties>
    <profileLineSymbol>
      <symbol type="line" name="" is_animated="0" frame_rate="10" clip_to_extent="1" alpha="1" force_rhr="0">
        <data_defined_properties>
          <Option type="Map">
            <Option value="" type="QString" name="name"/>
            <Option name="properties"/>
            <Option value="collection" type="QString" name="type"/>
          </Option>
        </data_defined_properties>
        <layer pass="0" id="{dc83e114-6fb3-420c-8a06-1fffe1200b47}" enabled="1" class="SimpleLine" locked="0">
          <Option type="Map">
            <Option value="0" type="QString" name="align_dash_pattern"/>
            <Option value="square" type="QString" name="capstyle"/>
            <Option value="5;2" type="QString" name="customdash"/>
            <Option value="3x:0,0,0,0,0,0" type="QString" name="customdash_map_unit_scale"/>
            <Option value="MM" type="QString" name="customdash_unit"/>
            <Option value="0" type="QString" name="dash_pattern_offset"/>
            <Option value="3x:0,0,0,0,0,0" type="QString" name="dash_pattern_offset_map_unit_scale"/>
            <Option value="MM" type="QString" name="dash_pattern_offset_unit"/>
            <Option value="0" type="QString" name="draw_inside_polygon"/>
            <Option value="bevel" type="QString" name="joinstyle"/>
            <Option value="152,125,183,255,rgb:0.59607843137254901,0.49019607843137253,0.71764705882352942,1" type="QString" name="line_color"/>
            <Option value="solid" type="QString" name="line_style"/>
            <Option value="0.6" type="QString" name="line_width"/>
            <Option value="MM" type="QString" name="line_width_unit"/>
            <Option value="0" type="QString" name="offset"/>
            <Option value="3x:0,0,0,0,0,0" type="QString" name="offset_map_unit_scale"/>
            <Option value="MM" type="QString" name="offset_unit"/>
            <Option value="0" type="QString" name="ring_filter"/>
            <Option value="0" type="QString" name="trim_distance_end"/>
            <Option value="3x:0,0,0,0,0,0" type="QString" name="trim_distance_end_map_unit_scale"/>
            <Option value="MM" type="QString" name="trim_distance_end_unit"/>
            <Option value="0" type="QString" name="trim_distance_start"/>
            <Option value="3x:0,0,0,0,0,0" type="QString" name="trim_distance_start_map_unit_scale"/>
            <Option value="MM" type="QString" name="trim_distance_start_unit"/>
            <Option value="0" type="QString" name="tweak_dash_pattern_on_corners"/>
            <Option value="0" type="QString" name="use_custom_dash"/>
            <Option value="3x:0,0,0,0,0,0" type="QString" name="width_map_unit_scale"/>
          </Option>
          <data_defined_properties>
            <Option type="Map">
              <Option value="" type="QString" name="name"/>
              <Option name="properties"/>
              <Option value="collection" type="QString" name="type"/>
            </Option>
          </data_defined_properties>
        </layer>
      </symbol>
    </profileLineSymbol>
    <profileFillSymbol>
      <symbol type="fill" name="" is_animated="0" frame_rate="10" clip_to_extent="1" alpha="1" force_rhr="0">
        <data_defined_properties>
          <Option type="Map">
            <Option value="" type="QString" name="name"/>
            <Option name="properties"/>
            <Option value="collection" type="QString" name="type"/>
          </Option>
        </data_defined_properties>
        <layer pass="0" id="{6a61da91-0f29-4d65-9549-1be336b73645}" enabled="1" class="SimpleFill" locked="0">
          <Option type="Map">
            <Option value="3x:0,0,0,0,0,0" type="QString" name="border_width_map_unit_scale"/>
            <Option value="152,125,183,255,rgb:0.59607843137254901,0.49019607843137253,0.71764705882352942,1" type="QString" name="color"/>
            <Option value="bevel" type="QString" name="joinstyle"/>
            <Option value="0,0" type="QString" name="offset"/>
            <Option value="3x:0,0,0,0,0,0" type="QString" name="offset_map_unit_scale"/>
            <Option value="MM" type="QString" name="offset_unit"/>
            <Option value="109,89,131,255,rgb:0.42575722896162355,0.35013351644159607,0.51259632257572285,1" type="QString" name="outline_color"/>
            <Option value="solid" type="QString" name="outline_style"/>
            <Option value="0.2" type="QString" name="outline_width"/>
            <Option value="MM" type="QString" name="outline_width_unit"/>
            <Option value="solid" type="QString" name="style"/>
          </Option>
          <data_defined_properties>
            <Option type="Map">
              <Option value="" type="QString" name="name"/>
              <Option name="properties"/>
              <Option value="collection" type="QString" name="type"/>
            </Option>
          </data_defined_properties>
        </layer>
      </symbol>
    </profileFillSymbol>
    <profileMarkerSymbol>
      <symbol type="marker" name="" is_animated="0" frame_rate="10" clip_to_extent="1" alpha="1" force_rhr="0">
        <data_defined_properties>
          <Option type="Map">
            <Option value="" type="QString" name="name"/>
            <Option name="properties"/>
            <Option value="collection" type="QString" name="type"/>
          </Option>
        </data_defined_properties>
        <layer pass="0" id="{9748e875-9a42-42c5-b7b6-47684c0b3e68}" enabled="1" class="SimpleMarker" locked="0">
          <Option type="Map">
            <Option value="0" type="QString" name="angle"/>
            <Option value="square" type="QString" name="cap_style"/>
            <Option value="152,125,183,255,rgb:0.59607843137254901,0.49019607843137253,0.71764705882352942,1" type="QString" name="color"/>
            <Option value="1" type="QString" name="horizontal_anchor_point"/>
            <Option value="bevel" type="QString" name="joinstyle"/>
            <Option value="diamond" type="QString" name="name"/>
            <Option value="0,0" type="QString" name="offset"/>
            <Option value="3x:0,0,0,0,0,0" type="QString" name="offset_map_unit_scale"/>
            <Option value="MM" type="QString" name="offset_unit"/>
            <Option value="109,89,131,255,rgb:0.42575722896162355,0.35013351644159607,0.51259632257572285,1" type="QString" name="outline_color"/>
            <Option value="solid" type="QString" name="outline_style"/>
            <Option value="0.2" type="QString" name="outline_width"/>
            <Option value="3x:0,0,0,0,0,0" type="QString" name="outline_width_map_unit_scale"/>
            <Option value="MM" type="QString" name="outline_width_unit"/>
            <Option value="diameter" type="QString" name="scale_method"/>
            <Option value="3" type="QString" name="size"/>
            <Option value="3x:0,0,0,0,0,0" type="QString" name="size_map_unit_scale"/>
            <Option value="MM" type="QString" name="size_unit"/>
            <Option value="1" type="QString" name="vertical_anchor_point"/>
          </Option>
          <data_defined_properties>
            <Option type="Map">
              <Option value="" type="QString" name="name"/>
              <Option name="properties"/>
              <Option value="collection" type="QString" name="type"/>
            </Option>
          </data_defined_properties>
        </layer>
      </symbol>
    </profileMarkerSymbol>
  </elevation>
  <renderer-v2 type="categorizedSymbol" attr="change" referencescale="-1" forceraster="0" enableorderby="0" symbollevels="0">
    <categories>
      <category value="new" render="true" type="string" symbol="0" uuid="{46555515-2f55-4551-aacc-3f03103cc3c7}" label="New corridor"/>
      <category value="gone" render="true" type="string" symbol="1" uuid="{1702d914-d3c3-4554-8c97-d77c8246ebf0}" label="No longer reported"/>
      <category value="up" render="true" type="string" symbol="2" uuid="{ecbe9879-9296-48a4-84d2-11657addfc36}" label="More routes (beyond chance)"/>
      <category value="down" render="true" type="string" symbol="3" uuid="{0be0e225-2069-4b6f-8abd-79d8a8ed0fd3}" label="Fewer routes (beyond chance)"/>
      <category value="same" render="true" type="string" symbol="4" uuid="{28df9b0f-52cf-4732-a565-ec392e1c3153}" label="About the same"/>
    </categories>
    <symbols>
      <symbol type="line" name="0" is_animated="0" frame_rate="10" clip_to_extent="1" alpha="1" force_rhr="0">
        <data_defined_properties>
          <Option type="Map">
            <Option value="" type="QString" name="name"/>
            <Option name="properties"/>
            <Option value="collection" type="QString" name="type"/>
          </Option>
        </data_defined_properties>
        <layer pass="0" id="{6d8d33f8-55cd-4c34-9c9a-3f322bc75e8e}" enabled="1" class="ArrowLine" locked="0">
          <Option type="Map">
            <Option value="1" type="QString" name="arrow_start_width"/>
            <Option value="MM" type="QString" name="arrow_start_width_unit"/>
            <Option value="3x:0,0,0,0,0,0" type="QString" name="arrow_start_width_unit_scale"/>
            <Option value="0" type="QString" name="arrow_type"/>
            <Option value="1" type="QString" name="arrow_width"/>
            <Option value="MM" type="QString" name="arrow_width_unit"/>
            <Option value="3x:0,0,0,0,0,0" type="QString" name="arrow_width_unit_scale"/>
            <Option value="2.5" type="QString" name="head_length"/>
            <Option value="MM" type="QString" name="head_length_unit"/>
            <Option value="3x:0,0,0,0,0,0" type="QString" name="head_length_unit_scale"/>
            <Option value="1.5" type="QString" name="head_thickness"/>
            <Option value="MM" type="QString" name="head_thickness_unit"/>
            <Option value="3x:0,0,0,0,0,0" type="QString" name="head_thickness_unit_scale"/>
            <Option value="0" type="QString" name="head_type"/>
            <Option value="0" type="QString" name="is_curved"/>
            <Option value="0" type="QString" name="is_repeated"/>
            <Option value="0" type="QString" name="offset"/>
            <Option value="MM" type="QString" name="offset_unit"/>
            <Option value="3x:0,0,0,0,0,0" type="QString" name="offset_unit_scale"/>
            <Option value="0" type="QString" name="ring_filter"/>
          </Option>
          <data_defined_properties>
            <Option type="Map">
              <Option value="" type="QString" name="name"/>
              <Option type="Map" name="properties">
                <Option type="Map" name="arrowHeadLength">
                  <Option value="true" type="bool" name="active"/>
                  <Option value="1.6 + 1.4 * (min(4.5, 0.35 + 0.45 * sqrt(coalesce(max(coalesce(&quot;routes_before&quot;, 0), coalesce(&quot;routes_after&quot;, 0)), 3))))" type="QString" name="expression"/>
                  <Option value="3" type="int" name="type"/>
                </Option>
                <Option type="Map" name="arrowHeadThickness">
                  <Option value="true" type="bool" name="active"/>
                  <Option value="0.8 + 0.9 * (min(4.5, 0.35 + 0.45 * sqrt(coalesce(max(coalesce(&quot;routes_before&quot;, 0), coalesce(&quot;routes_after&quot;, 0)), 3))))" type="QString" name="expression"/>
                  <Option value="3" type="int" name="type"/>
                </Option>
                <Option type="Map" name="arrowStartWidth">
                  <Option value="true" type="bool" name="active"/>
                  <Option value="min(4.5, 0.35 + 0.45 * sqrt(coalesce(max(coalesce(&quot;routes_before&quot;, 0), coalesce(&quot;routes_after&quot;, 0)), 3)))" type="QString" name="expression"/>
                  <Option value="3" type="int" name="type"/>
                </Option>
                <Option type="Map" name="arrowWidth">
                  <Option value="true" type="bool" name="active"/>
                  <Option value="min(4.5, 0.35 + 0.45 * sqrt(coalesce(max(coalesce(&quot;routes_before&quot;, 0), coalesce(&quot;routes_after&quot;, 0)), 3)))" type="QString" name="expression"/>
                  <Option value="3" type="int" name="type"/>
                </Option>
              </Option>
              <Option value="collection" type="QString" name="type"/>
            </Option>
          </data_defined_properties>
          <symbol type="fill" name="@0@0" is_animated="0" frame_rate="10" clip_to_extent="1" alpha="0.85" force_rhr="0">
            <data_defined_properties>
              <Option type="Map">
                <Option value="" type="QString" name="name"/>
                <Option name="properties"/>
                <Option value="collection" type="QString" name="type"/>
              </Option>
            </data_defined_properties>
            <layer pass="0" id="{523b0cd1-e596-4f31-b60c-10aeac849da5}" enabled="1" class="SimpleFill" locked="0">
              <Option type="Map">
                <Option value="3x:0,0,0,0,0,0" type="QString" name="border_width_map_unit_scale"/>
                <Option value="215,48,31,255,rgb:0.84313725490196079,0.18823529411764706,0.12156862745098039,1" type="QString" name="color"/>
                <Option value="bevel" type="QString" name="joinstyle"/>
                <Option value="0,0" type="QString" name="offset"/>
                <Option value="3x:0,0,0,0,0,0" type="QString" name="offset_map_unit_scale"/>
                <Option value="MM" type="QString" name="offset_unit"/>
                <Option value="255,255,255,255,rgb:1,1,1,1" type="QString" name="outline_color"/>
                <Option value="solid" type="QString" name="outline_style"/>
                <Option value="0.15" type="QString" name="outline_width"/>
                <Option value="MM" type="QString" name="outline_width_unit"/>
                <Option value="solid" type="QString" name="style"/>
              </Option>
              <data_defined_properties>
                <Option type="Map">
                  <Option value="" type="QString" name="name"/>
                  <Option name="properties"/>
                  <Option value="collection" type="QString" name="type"/>
                </Option>
              </data_defined_properties>
            </layer>
          </symbol>
        </layer>
      </symbol>
      <symbol type="line" name="1" is_animated="0" frame_rate="10" clip_to_extent="1" alpha="1" force_rhr="0">
        <data_defined_properties>
          <Option type="Map">
            <Option value="" type="QString" name="name"/>
            <Option name="properties"/>
            <Option value="collection" type="QString" name="type"/>
          </Option>
        </data_defined_properties>
        <layer pass="0" id="{90c542f1-bc81-4ca8-9e80-69a0986dfa69}" enabled="1" class="ArrowLine" locked="0">
          <Option type="Map">
            <Option value="1" type="QString" name="arrow_start_width"/>
            <Option value="MM" type="QString" name="arrow_start_width_unit"/>
            <Option value="3x:0,0,0,0,0,0" type="QString" name="arrow_start_width_unit_scale"/>
            <Option value="0" type="QString" name="arrow_type"/>
            <Option value="1" type="QString" name="arrow_width"/>
            <Option value="MM" type="QString" name="arrow_width_unit"/>
            <Option value="3x:0,0,0,0,0,0" type="QString" name="arrow_width_unit_scale"/>
            <Option value="2.5" type="QString" name="head_length"/>
            <Option value="MM" type="QString" name="head_length_unit"/>
            <Option value="3x:0,0,0,0,0,0" type="QString" name="head_length_unit_scale"/>
            <Option value="1.5" type="QString" name="head_thickness"/>
            <Option value="MM" type="QString" name="head_thickness_unit"/>
            <Option value="3x:0,0,0,0,0,0" type="QString" name="head_thickness_unit_scale"/>
            <Option value="0" type="QString" name="head_type"/>
            <Option value="0" type="QString" name="is_curved"/>
            <Option value="0" type="QString" name="is_repeated"/>
            <Option value="0" type="QString" name="offset"/>
            <Option value="MM" type="QString" name="offset_unit"/>
            <Option value="3x:0,0,0,0,0,0" type="QString" name="offset_unit_scale"/>
            <Option value="0" type="QString" name="ring_filter"/>
          </Option>
          <data_defined_properties>
            <Option type="Map">
              <Option value="" type="QString" name="name"/>
              <Option type="Map" name="properties">
                <Option type="Map" name="arrowHeadLength">
                  <Option value="true" type="bool" name="active"/>
                  <Option value="1.6 + 1.4 * (min(4.5, 0.35 + 0.45 * sqrt(coalesce(max(coalesce(&quot;routes_before&quot;, 0), coalesce(&quot;routes_after&quot;, 0)), 3))))" type="QString" name="expression"/>
                  <Option value="3" type="int" name="type"/>
                </Option>
                <Option type="Map" name="arrowHeadThickness">
                  <Option value="true" type="bool" name="active"/>
                  <Option value="0.8 + 0.9 * (min(4.5, 0.35 + 0.45 * sqrt(coalesce(max(coalesce(&quot;routes_before&quot;, 0), coalesce(&quot;routes_after&quot;, 0)), 3))))" type="QString" name="expression"/>
                  <Option value="3" type="int" name="type"/>
                </Option>
                <Option type="Map" name="arrowStartWidth">
                  <Option value="true" type="bool" name="active"/>
                  <Option value="min(4.5, 0.35 + 0.45 * sqrt(coalesce(max(coalesce(&quot;routes_before&quot;, 0), coalesce(&quot;routes_after&quot;, 0)), 3)))" type="QString" name="expression"/>
                  <Option value="3" type="int" name="type"/>
                </Option>
                <Option type="Map" name="arrowWidth">
                  <Option value="true" type="bool" name="active"/>
                  <Option value="min(4.5, 0.35 + 0.45 * sqrt(coalesce(max(coalesce(&quot;routes_before&quot;, 0), coalesce(&quot;routes_after&quot;, 0)), 3)))" type="QString" name="expression"/>
                  <Option value="3" type="int" name="type"/>
                </Option>
              </Option>
              <Option value="collection" type="QString" name="type"/>
            </Option>
          </data_defined_properties>
          <symbol type="fill" name="@1@0" is_animated="0" frame_rate="10" clip_to_extent="1" alpha="0.85" force_rhr="0">
            <data_defined_properties>
              <Option type="Map">
                <Option value="" type="QString" name="name"/>
                <Option name="properties"/>
                <Option value="collection" type="QString" name="type"/>
              </Option>
            </data_defined_properties>
            <layer pass="0" id="{db52740c-8a60-49e5-a0c5-26a545ad5425}" enabled="1" class="SimpleFill" locked="0">
              <Option type="Map">
                <Option value="3x:0,0,0,0,0,0" type="QString" name="border_width_map_unit_scale"/>
                <Option value="106,81,163,255,rgb:0.41568627450980394,0.31764705882352939,0.63921568627450975,1" type="QString" name="color"/>
                <Option value="bevel" type="QString" name="joinstyle"/>
                <Option value="0,0" type="QString" name="offset"/>
                <Option value="3x:0,0,0,0,0,0" type="QString" name="offset_map_unit_scale"/>
                <Option value="MM" type="QString" name="offset_unit"/>
                <Option value="106,81,163,255,rgb:0.41568627450980394,0.31764705882352939,0.63921568627450975,1" type="QString" name="outline_color"/>
                <Option value="dash" type="QString" name="outline_style"/>
                <Option value="0.35" type="QString" name="outline_width"/>
                <Option value="MM" type="QString" name="outline_width_unit"/>
                <Option value="no" type="QString" name="style"/>
              </Option>
              <data_defined_properties>
                <Option type="Map">
                  <Option value="" type="QString" name="name"/>
                  <Option name="properties"/>
                  <Option value="collection" type="QString" name="type"/>
                </Option>
              </data_defined_properties>
            </layer>
          </symbol>
        </layer>
      </symbol>
      <symbol type="line" name="2" is_animated="0" frame_rate="10" clip_to_extent="1" alpha="1" force_rhr="0">
        <data_defined_properties>
          <Option type="Map">
            <Option value="" type="QString" name="name"/>
            <Option name="properties"/>
            <Option value="collection" type="QString" name="type"/>
          </Option>
        </data_defined_properties>
        <layer pass="0" id="{ba5a7397-cb3a-41f2-996d-c380f13778a6}" enabled="1" class="ArrowLine" locked="0">
          <Option type="Map">
            <Option value="1" type="QString" name="arrow_start_width"/>
            <Option value="MM" type="QString" name="arrow_start_width_unit"/>
            <Option value="3x:0,0,0,0,0,0" type="QString" name="arrow_start_width_unit_scale"/>
            <Option value="0" type="QString" name="arrow_type"/>
            <Option value="1" type="QString" name="arrow_width"/>
            <Option value="MM" type="QString" name="arrow_width_unit"/>
            <Option value="3x:0,0,0,0,0,0" type="QString" name="arrow_width_unit_scale"/>
            <Option value="2.5" type="QString" name="head_length"/>
            <Option value="MM" type="QString" name="head_length_unit"/>
            <Option value="3x:0,0,0,0,0,0" type="QString" name="head_length_unit_scale"/>
            <Option value="1.5" type="QString" name="head_thickness"/>
            <Option value="MM" type="QString" name="head_thickness_unit"/>
            <Option value="3x:0,0,0,0,0,0" type="QString" name="head_thickness_unit_scale"/>
            <Option value="0" type="QString" name="head_type"/>
            <Option value="0" type="QString" name="is_curved"/>
            <Option value="0" type="QString" name="is_repeated"/>
            <Option value="0" type="QString" name="offset"/>
            <Option value="MM" type="QString" name="offset_unit"/>
            <Option value="3x:0,0,0,0,0,0" type="QString" name="offset_unit_scale"/>
            <Option value="0" type="QString" name="ring_filter"/>
          </Option>
          <data_defined_properties>
            <Option type="Map">
              <Option value="" type="QString" name="name"/>
              <Option type="Map" name="properties">
                <Option type="Map" name="arrowHeadLength">
                  <Option value="true" type="bool" name="active"/>
                  <Option value="1.6 + 1.4 * (min(4.5, 0.35 + 0.45 * sqrt(coalesce(max(coalesce(&quot;routes_before&quot;, 0), coalesce(&quot;routes_after&quot;, 0)), 3))))" type="QString" name="expression"/>
                  <Option value="3" type="int" name="type"/>
                </Option>
                <Option type="Map" name="arrowHeadThickness">
                  <Option value="true" type="bool" name="active"/>
                  <Option value="0.8 + 0.9 * (min(4.5, 0.35 + 0.45 * sqrt(coalesce(max(coalesce(&quot;routes_before&quot;, 0), coalesce(&quot;routes_after&quot;, 0)), 3))))" type="QString" name="expression"/>
                  <Option value="3" type="int" name="type"/>
                </Option>
                <Option type="Map" name="arrowStartWidth">
                  <Option value="true" type="bool" name="active"/>
                  <Option value="min(4.5, 0.35 + 0.45 * sqrt(coalesce(max(coalesce(&quot;routes_before&quot;, 0), coalesce(&quot;routes_after&quot;, 0)), 3)))" type="QString" name="expression"/>
                  <Option value="3" type="int" name="type"/>
                </Option>
                <Option type="Map" name="arrowWidth">
                  <Option value="true" type="bool" name="active"/>
                  <Option value="min(4.5, 0.35 + 0.45 * sqrt(coalesce(max(coalesce(&quot;routes_before&quot;, 0), coalesce(&quot;routes_after&quot;, 0)), 3)))" type="QString" name="expression"/>
                  <Option value="3" type="int" name="type"/>
                </Option>
              </Option>
              <Option value="collection" type="QString" name="type"/>
            </Option>
          </data_defined_properties>
          <symbol type="fill" name="@2@0" is_animated="0" frame_rate="10" clip_to_extent="1" alpha="0.85" force_rhr="0">
            <data_defined_properties>
              <Option type="Map">
                <Option value="" type="QString" name="name"/>
                <Option name="properties"/>
                <Option value="collection" type="QString" name="type"/>
              </Option>
            </data_defined_properties>
            <layer pass="0" id="{4c413b3b-1d12-4c8b-be72-45370a0a4b4c}" enabled="1" class="SimpleFill" locked="0">
              <Option type="Map">
                <Option value="3x:0,0,0,0,0,0" type="QString" name="border_width_map_unit_scale"/>
                <Option value="252,141,89,255,rgb:0.9882352941176471,0.55294117647058827,0.34901960784313724,1" type="QString" name="color"/>
                <Option value="bevel" type="QString" name="joinstyle"/>
                <Option value="0,0" type="QString" name="offset"/>
                <Option value="3x:0,0,0,0,0,0" type="QString" name="offset_map_unit_scale"/>
                <Option value="MM" type="QString" name="offset_unit"/>
                <Option value="255,255,255,255,rgb:1,1,1,1" type="QString" name="outline_color"/>
                <Option value="solid" type="QString" name="outline_style"/>
                <Option value="0.15" type="QString" name="outline_width"/>
                <Option value="MM" type="QString" name="outline_width_unit"/>
                <Option value="solid" type="QString" name="style"/>
              </Option>
              <data_defined_properties>
                <Option type="Map">
                  <Option value="" type="QString" name="name"/>
                  <Option name="properties"/>
                  <Option value="collection" type="QString" name="type"/>
                </Option>
              </data_defined_properties>
            </layer>
          </symbol>
        </layer>
      </symbol>
      <symbol type="line" name="3" is_animated="0" frame_rate="10" clip_to_extent="1" alpha="1" force_rhr="0">
        <data_defined_properties>
          <Option type="Map">
            <Option value="" type="QString" name="name"/>
            <Option name="properties"/>
            <Option value="collection" type="QString" name="type"/>
          </Option>
        </data_defined_properties>
        <layer pass="0" id="{9106bdc3-6e97-4013-ba76-fa94c76f86d0}" enabled="1" class="ArrowLine" locked="0">
          <Option type="Map">
            <Option value="1" type="QString" name="arrow_start_width"/>
            <Option value="MM" type="QString" name="arrow_start_width_unit"/>
            <Option value="3x:0,0,0,0,0,0" type="QString" name="arrow_start_width_unit_scale"/>
            <Option value="0" type="QString" name="arrow_type"/>
            <Option value="1" type="QString" name="arrow_width"/>
            <Option value="MM" type="QString" name="arrow_width_unit"/>
            <Option value="3x:0,0,0,0,0,0" type="QString" name="arrow_width_unit_scale"/>
            <Option value="2.5" type="QString" name="head_length"/>
            <Option value="MM" type="QString" name="head_length_unit"/>
            <Option value="3x:0,0,0,0,0,0" type="QString" name="head_length_unit_scale"/>
            <Option value="1.5" type="QString" name="head_thickness"/>
            <Option value="MM" type="QString" name="head_thickness_unit"/>
            <Option value="3x:0,0,0,0,0,0" type="QString" name="head_thickness_unit_scale"/>
            <Option value="0" type="QString" name="head_type"/>
            <Option value="0" type="QString" name="is_curved"/>
            <Option value="0" type="QString" name="is_repeated"/>
            <Option value="0" type="QString" name="offset"/>
            <Option value="MM" type="QString" name="offset_unit"/>
            <Option value="3x:0,0,0,0,0,0" type="QString" name="offset_unit_scale"/>
            <Option value="0" type="QString" name="ring_filter"/>
          </Option>
          <data_defined_properties>
            <Option type="Map">
              <Option value="" type="QString" name="name"/>
              <Option type="Map" name="properties">
                <Option type="Map" name="arrowHeadLength">
                  <Option value="true" type="bool" name="active"/>
                  <Option value="1.6 + 1.4 * (min(4.5, 0.35 + 0.45 * sqrt(coalesce(max(coalesce(&quot;routes_before&quot;, 0), coalesce(&quot;routes_after&quot;, 0)), 3))))" type="QString" name="expression"/>
                  <Option value="3" type="int" name="type"/>
                </Option>
                <Option type="Map" name="arrowHeadThickness">
                  <Option value="true" type="bool" name="active"/>
                  <Option value="0.8 + 0.9 * (min(4.5, 0.35 + 0.45 * sqrt(coalesce(max(coalesce(&quot;routes_before&quot;, 0), coalesce(&quot;routes_after&quot;, 0)), 3))))" type="QString" name="expression"/>
                  <Option value="3" type="int" name="type"/>
                </Option>
                <Option type="Map" name="arrowStartWidth">
                  <Option value="true" type="bool" name="active"/>
                  <Option value="min(4.5, 0.35 + 0.45 * sqrt(coalesce(max(coalesce(&quot;routes_before&quot;, 0), coalesce(&quot;routes_after&quot;, 0)), 3)))" type="QString" name="expression"/>
                  <Option value="3" type="int" name="type"/>
                </Option>
                <Option type="Map" name="arrowWidth">
                  <Option value="true" type="bool" name="active"/>
                  <Option value="min(4.5, 0.35 + 0.45 * sqrt(coalesce(max(coalesce(&quot;routes_before&quot;, 0), coalesce(&quot;routes_after&quot;, 0)), 3)))" type="QString" name="expression"/>
                  <Option value="3" type="int" name="type"/>
                </Option>
              </Option>
              <Option value="collection" type="QString" name="type"/>
            </Option>
          </data_defined_properties>
          <symbol type="fill" name="@3@0" is_animated="0" frame_rate="10" clip_to_extent="1" alpha="0.85" force_rhr="0">
            <data_defined_properties>
              <Option type="Map">
                <Option value="" type="QString" name="name"/>
                <Option name="properties"/>
                <Option value="collection" type="QString" name="type"/>
              </Option>
            </data_defined_properties>
            <layer pass="0" id="{c6d35c7b-308a-4cd1-81ab-8d11b94fa883}" enabled="1" class="SimpleFill" locked="0">
              <Option type="Map">
                <Option value="3x:0,0,0,0,0,0" type="QString" name="border_width_map_unit_scale"/>
                <Option value="69,117,180,255,rgb:0.27058823529411763,0.45882352941176469,0.70588235294117652,1" type="QString" name="color"/>
                <Option value="bevel" type="QString" name="joinstyle"/>
                <Option value="0,0" type="QString" name="offset"/>
                <Option value="3x:0,0,0,0,0,0" type="QString" name="offset_map_unit_scale"/>
                <Option value="MM" type="QString" name="offset_unit"/>
                <Option value="255,255,255,255,rgb:1,1,1,1" type="QString" name="outline_color"/>
                <Option value="solid" type="QString" name="outline_style"/>
                <Option value="0.15" type="QString" name="outline_width"/>
                <Option value="MM" type="QString" name="outline_width_unit"/>
                <Option value="solid" type="QString" name="style"/>
              </Option>
              <data_defined_properties>
                <Option type="Map">
                  <Option value="" type="QString" name="name"/>
                  <Option name="properties"/>
                  <Option value="collection" type="QString" name="type"/>
                </Option>
              </data_defined_properties>
            </layer>
          </symbol>
        </layer>
      </symbol>
      <symbol type="line" name="4" is_animated="0" frame_rate="10" clip_to_extent="1" alpha="1" force_rhr="0">
        <data_defined_properties>
          <Option type="Map">
            <Option value="" type="QString" name="name"/>
            <Option name="properties"/>
            <Option value="collection" type="QString" name="type"/>
          </Option>
        </data_defined_properties>
        <layer pass="0" id="{1b7ba92a-f249-4f64-b1c5-8b0bd7e43ba3}" enabled="1" class="ArrowLine" locked="0">
          <Option type="Map">
            <Option value="1" type="QString" name="arrow_start_width"/>
            <Option value="MM" type="QString" name="arrow_start_width_unit"/>
            <Option value="3x:0,0,0,0,0,0" type="QString" name="arrow_start_width_unit_scale"/>
            <Option value="0" type="QString" name="arrow_type"/>
            <Option value="1" type="QString" name="arrow_width"/>
            <Option value="MM" type="QString" name="arrow_width_unit"/>
            <Option value="3x:0,0,0,0,0,0" type="QString" name="arrow_width_unit_scale"/>
            <Option value="2.5" type="QString" name="head_length"/>
            <Option value="MM" type="QString" name="head_length_unit"/>
            <Option value="3x:0,0,0,0,0,0" type="QString" name="head_length_unit_scale"/>
            <Option value="1.5" type="QString" name="head_thickness"/>
            <Option value="MM" type="QString" name="head_thickness_unit"/>
            <Option value="3x:0,0,0,0,0,0" type="QString" name="head_thickness_unit_scale"/>
            <Option value="0" type="QString" name="head_type"/>
            <Option value="0" type="QString" name="is_curved"/>
            <Option value="0" type="QString" name="is_repeated"/>
            <Option value="0" type="QString" name="offset"/>
            <Option value="MM" type="QString" name="offset_unit"/>
            <Option value="3x:0,0,0,0,0,0" type="QString" name="offset_unit_scale"/>
            <Option value="0" type="QString" name="ring_filter"/>
          </Option>
          <data_defined_properties>
            <Option type="Map">
              <Option value="" type="QString" name="name"/>
              <Option type="Map" name="properties">
                <Option type="Map" name="arrowHeadLength">
                  <Option value="true" type="bool" name="active"/>
                  <Option value="1.6 + 1.4 * (min(4.5, 0.35 + 0.45 * sqrt(coalesce(max(coalesce(&quot;routes_before&quot;, 0), coalesce(&quot;routes_after&quot;, 0)), 3))))" type="QString" name="expression"/>
                  <Option value="3" type="int" name="type"/>
                </Option>
                <Option type="Map" name="arrowHeadThickness">
                  <Option value="true" type="bool" name="active"/>
                  <Option value="0.8 + 0.9 * (min(4.5, 0.35 + 0.45 * sqrt(coalesce(max(coalesce(&quot;routes_before&quot;, 0), coalesce(&quot;routes_after&quot;, 0)), 3))))" type="QString" name="expression"/>
                  <Option value="3" type="int" name="type"/>
                </Option>
                <Option type="Map" name="arrowStartWidth">
                  <Option value="true" type="bool" name="active"/>
                  <Option value="min(4.5, 0.35 + 0.45 * sqrt(coalesce(max(coalesce(&quot;routes_before&quot;, 0), coalesce(&quot;routes_after&quot;, 0)), 3)))" type="QString" name="expression"/>
                  <Option value="3" type="int" name="type"/>
                </Option>
                <Option type="Map" name="arrowWidth">
                  <Option value="true" type="bool" name="active"/>
                  <Option value="min(4.5, 0.35 + 0.45 * sqrt(coalesce(max(coalesce(&quot;routes_before&quot;, 0), coalesce(&quot;routes_after&quot;, 0)), 3)))" type="QString" name="expression"/>
                  <Option value="3" type="int" name="type"/>
                </Option>
              </Option>
              <Option value="collection" type="QString" name="type"/>
            </Option>
          </data_defined_properties>
          <symbol type="fill" name="@4@0" is_animated="0" frame_rate="10" clip_to_extent="1" alpha="0.55" force_rhr="0">
            <data_defined_properties>
              <Option type="Map">
                <Option value="" type="QString" name="name"/>
                <Option name="properties"/>
                <Option value="collection" type="QString" name="type"/>
              </Option>
            </data_defined_properties>
            <layer pass="0" id="{045f2a3c-6d15-426c-a1ef-1349e2e83cc2}" enabled="1" class="SimpleFill" locked="0">
              <Option type="Map">
                <Option value="3x:0,0,0,0,0,0" type="QString" name="border_width_map_unit_scale"/>
                <Option value="160,160,160,255,rgb:0.62745098039215685,0.62745098039215685,0.62745098039215685,1" type="QString" name="color"/>
                <Option value="bevel" type="QString" name="joinstyle"/>
                <Option value="0,0" type="QString" name="offset"/>
                <Option value="3x:0,0,0,0,0,0" type="QString" name="offset_map_unit_scale"/>
                <Option value="MM" type="QString" name="offset_unit"/>
                <Option value="255,255,255,255,rgb:1,1,1,1" type="QString" name="outline_color"/>
                <Option value="solid" type="QString" name="outline_style"/>
                <Option value="0.15" type="QString" name="outline_width"/>
                <Option value="MM" type="QString" name="outline_width_unit"/>
                <Option value="solid" type="QString" name="style"/>
              </Option>
              <data_defined_properties>
                <Option type="Map">
                  <Option value="" type="QString" name="name"/>
                  <Option name="properties"/>
                  <Option value="collection" type="QString" name="type"/>
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
        <Option value="" type="QString" name="name"/>
        <Option name="properties"/>
        <Option value="collection" type="QString" name="type"/>
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
  <geometryOptions geometryPrecision="0" removeDuplicateNodes="0">
    <activeChecks type="StringList">
      <Option value="" type="QString"/>
    </activeChecks>
    <checkConfiguration/>
  </geometryOptions>
  <legend showLabelLegend="0" type="default-vector"/>
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
    <alias field="change" name="" index="0"/>
    <alias field="routes_before" name="" index="1"/>
    <alias field="routes_after" name="" index="2"/>
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
    <constraint field="change" unique_strength="0" constraints="0" exp_strength="0" notnull_strength="0"/>
    <constraint field="routes_before" unique_strength="0" constraints="0" exp_strength="0" notnull_strength="0"/>
    <constraint field="routes_after" unique_strength="0" constraints="0" exp_strength="0" notnull_strength="0"/>
  </constraints>
  <constraintExpressions>
    <constraint field="change" exp="" desc=""/>
    <constraint field="routes_before" exp="" desc=""/>
    <constraint field="routes_after" exp="" desc=""/>
  </constraintExpressions>
  <expressionfields/>
  <attributeactions/>
  <attributetableconfig sortExpression="" sortOrder="0" actionWidgetStyle="dropDown">
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
