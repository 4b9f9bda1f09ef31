-- Issue 17: routes reported by several organisations are folded into one by the loader
-- (core/dedupe.py); each route and its points and legs carry ``reports``, how many reports
-- the route stands for (docs/layers.md). Without this column an import of an export with an
-- organisation column failed ("columns reports are not in routes.route_points").
ALTER TABLE routes.route_lines  ADD COLUMN IF NOT EXISTS reports integer;
ALTER TABLE routes.route_points ADD COLUMN IF NOT EXISTS reports integer;
ALTER TABLE routes.route_legs   ADD COLUMN IF NOT EXISTS reports integer;

INSERT INTO routes.schema_migrations (version) VALUES ('003_reports');
