-- Issue 12: a transport mode per leg (docs/layers.md: mode, mode_source and the
-- precision of both ends, e.g. 'airport'), and Swahili labels of places
-- (place_sw from exonyms / CLDR, country_name_sw from Unicode CLDR via babel).
ALTER TABLE routes.route_legs
    ADD COLUMN IF NOT EXISTS from_precision text,
    ADD COLUMN IF NOT EXISTS to_precision   text,
    ADD COLUMN IF NOT EXISTS mode           text,
    ADD COLUMN IF NOT EXISTS mode_source    text;
ALTER TABLE routes.route_legs DROP CONSTRAINT IF EXISTS route_legs_mode_check;
ALTER TABLE routes.route_legs ADD CONSTRAINT route_legs_mode_check
    CHECK (mode IS NULL OR mode IN ('air', 'road', 'sea', 'rail', 'foot', 'unknown'));
ALTER TABLE routes.route_legs DROP CONSTRAINT IF EXISTS route_legs_mode_source_check;
ALTER TABLE routes.route_legs ADD CONSTRAINT route_legs_mode_source_check
    CHECK (mode_source IS NULL OR mode_source IN ('given', 'inferred', 'unknown'));
ALTER TABLE routes.route_points
    ADD COLUMN IF NOT EXISTS place_sw        text,
    ADD COLUMN IF NOT EXISTS country_name_sw text;
-- rows above the header and notes below the data are listed as 'skipped' (not data rows)
ALTER TABLE routes.rejected_rows DROP CONSTRAINT IF EXISTS rejected_rows_severity_check;
ALTER TABLE routes.rejected_rows ADD CONSTRAINT rejected_rows_severity_check
    CHECK (severity IN ('error', 'rejected', 'warning', 'skipped'));

INSERT INTO routes.schema_migrations (version) VALUES ('002_leg_modes_and_labels');
