-- Trafficking Routes: the shared network store (schema "routes"), migration 001.
--
-- Run once, as the database owner (a superuser, or a role allowed to create
-- the postgis extension and roles), in ONE transaction:
--     psql "$URI" -v ON_ERROR_STOP=1 -1 -f sql/001_schema.sql
-- `scripts/postgis.sh migrate URI` applies every sql/NNN_*.sql that
-- routes.schema_migrations does not list yet. See docs/postgis.md.
--
-- Raw tables (route_points, route_legs, route_lines, rejected_rows) hold the
-- columns of docs/layers.md plus fid, import_id and organisation. Routes are
-- unique by (organisation, route_id); an import replaces the routes it
-- brings. places is a view derived from route_points. Row-level security
-- lets a contributor see and change only its own organisation's rows; the
-- analyst role reads only the aggregated, suppressed v_* views (views run
-- with their owner's rights, so they aggregate every organisation's rows).

CREATE EXTENSION IF NOT EXISTS postgis;
CREATE SCHEMA IF NOT EXISTS routes;
CREATE TABLE IF NOT EXISTS routes.schema_migrations (
    version    text PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
);

-- ------------------------------------------------------------------ roles
-- Group roles (cluster-wide, NOLOGIN). Login roles are granted one of them;
-- each contributor login is mapped to its organisation in routes.contributors.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'routes_contributor') THEN
        CREATE ROLE routes_contributor NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'routes_analyst') THEN
        CREATE ROLE routes_analyst NOLOGIN;
    END IF;
END $$;

-- --------------------------------------------------------------- settings
CREATE TABLE routes.settings (
    key   text PRIMARY KEY,
    value text NOT NULL
);
INSERT INTO routes.settings (key, value) VALUES
    ('suppress_below', '5'),           -- counts 1..4 are never published by the v_* views (0 = off)
    ('default_organisation', 'local'); -- organisation of imports by non-contributor roles

CREATE TABLE routes.contributors (
    role_name    text PRIMARY KEY,     -- a login role that is a member of routes_contributor
    organisation text NOT NULL
);

-- The organisation of the current role when it is a registered contributor (else NULL).
CREATE FUNCTION routes.contributor_organisation() RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT organisation FROM routes.contributors WHERE role_name = current_user
$$;

-- The organisation an import by the current role is recorded under: a
-- contributor's registered organisation (an unregistered contributor gets
-- NULL, so it cannot import); for other roles (the network's administrator)
-- the session setting routes.organisation, else settings.default_organisation.
CREATE FUNCTION routes.current_organisation() RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        routes.contributor_organisation(),
        CASE WHEN NOT pg_has_role('routes_contributor', 'MEMBER')
                  OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
             THEN coalesce(nullif(current_setting('routes.organisation', true), ''),
                           (SELECT value FROM routes.settings WHERE key = 'default_organisation'))
        END)
$$;

CREATE FUNCTION routes.suppress_below() RETURNS integer
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT value::integer FROM routes.settings WHERE key = 'suppress_below'), 5)
$$;

-- The small-count rule of routes_plugin/core/suppression.py: a count c with
-- 0 < c < threshold is never published (NULL); threshold <= 0 turns it off.
CREATE FUNCTION routes.suppress(c numeric, threshold integer) RETURNS numeric
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN threshold > 0 AND c > 0 AND c < threshold THEN NULL ELSE c END
$$;

-- ----------------------------------------------------------------- imports
CREATE TABLE routes.imports (
    import_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    imported_at     timestamptz NOT NULL DEFAULT now(),
    imported_by     text NOT NULL DEFAULT current_user,
    organisation    text NOT NULL,
    file_name       text NOT NULL,
    file_sha256     text NOT NULL CHECK (file_sha256 ~ '^[0-9a-f]{64}$'),
    rows_in         integer NOT NULL CHECK (rows_in >= 0),
    rows_mapped     integer NOT NULL CHECK (rows_mapped >= 0),
    rows_rejected   integer NOT NULL CHECK (rows_rejected >= 0),
    routes_written  integer NOT NULL CHECK (routes_written >= 0),
    routes_replaced integer NOT NULL CHECK (routes_replaced >= 0)  -- of routes_written, already in the store
);
CREATE INDEX ON routes.imports (organisation, file_sha256);

-- ------------------------------------------------------------- raw tables
CREATE TABLE routes.route_lines (
    fid            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    route_id       text NOT NULL,
    source_row     integer,
    source_rows    text,
    n_stops        integer,
    origin_place   text,
    origin_key     text,
    origin_county  text,
    origin_region  text,
    origin_country text,
    origin_lat     double precision,
    origin_lon     double precision,
    final_place    text,
    final_key      text,
    final_county   text,
    final_region   text,
    final_country  text,
    final_lat      double precision,
    final_lon      double precision,
    n_borders      integer,
    crosses_border boolean,
    cases_low      integer,
    cases_high     integer,
    year           integer,
    exploitation_types  text,
    industry            text,
    transport_modes     text,
    airlines            text,
    recruitment_methods text,
    geom           geometry(LineString, 4326),            -- NULL for a route with one stop
    import_id      bigint NOT NULL REFERENCES routes.imports,
    organisation   text NOT NULL,
    UNIQUE (organisation, route_id)
);

CREATE TABLE routes.route_points (
    fid            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    route_id       text NOT NULL,
    source_row     integer,
    seq            integer NOT NULL,
    role           text,
    input_name     text,
    place_key      text,
    place          text,
    country        text,
    country_name   text,
    region         text,
    county         text,
    precision      text,
    cases_low      integer,
    cases_high     integer,
    year           integer,
    exploitation_types  text,
    industry            text,
    transport_modes     text,
    airlines            text,
    recruitment_methods text,
    geom           geometry(Point, 4326) NOT NULL,
    import_id      bigint NOT NULL REFERENCES routes.imports,
    organisation   text NOT NULL,
    UNIQUE (organisation, route_id, seq),
    FOREIGN KEY (organisation, route_id) REFERENCES routes.route_lines (organisation, route_id) ON DELETE CASCADE
);

CREATE TABLE routes.route_legs (
    fid            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    route_id       text NOT NULL,
    source_row     integer,
    leg_seq        integer NOT NULL,
    from_seq       integer,
    to_seq         integer,
    from_role      text,
    to_role        text,
    from_place     text,
    to_place       text,
    from_key       text,
    to_key         text,
    from_county    text,
    to_county      text,
    from_region    text,
    to_region      text,
    from_country   text,
    to_country     text,
    crosses_border boolean,
    length_km      double precision,
    cases_low      integer,
    cases_high     integer,
    year           integer,
    exploitation_types  text,
    industry            text,
    transport_modes     text,
    airlines            text,
    recruitment_methods text,
    geom           geometry(LineString, 4326) NOT NULL,
    import_id      bigint NOT NULL REFERENCES routes.imports,
    organisation   text NOT NULL,
    UNIQUE (organisation, route_id, leg_seq),
    FOREIGN KEY (organisation, route_id) REFERENCES routes.route_lines (organisation, route_id) ON DELETE CASCADE
);

CREATE TABLE routes.rejected_rows (
    fid          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source_file  text,
    source_row   integer,
    route_id     text,
    "column"     text,
    value        text,
    reason       text,
    suggestions  text,
    severity     text CHECK (severity IN ('error', 'rejected', 'warning')),
    import_id    bigint NOT NULL REFERENCES routes.imports,
    organisation text NOT NULL
);

CREATE INDEX ON routes.route_lines USING gist (geom);
CREATE INDEX ON routes.route_points USING gist (geom);
CREATE INDEX ON routes.route_legs USING gist (geom);
CREATE INDEX ON routes.route_lines (import_id);
CREATE INDEX ON routes.route_points (place_key);
CREATE INDEX ON routes.rejected_rows (organisation, source_file);
CREATE INDEX ON routes.rejected_rows (organisation, route_id);

-- ------------------------------------------------------------ places view
-- docs/layers.md's places layer over the whole network (a view: it is always
-- current). Only the owner reads it; analysts get v_places_public.
CREATE VIEW routes.places AS
WITH info AS (
    SELECT DISTINCT ON (place_key) place_key, place, precision, county, region, country, country_name, geom
    FROM routes.route_points ORDER BY place_key, fid
), stops AS (
    SELECT place_key,
           count(*) FILTER (WHERE role = 'origin')       AS n_origin,
           count(*) FILTER (WHERE role = 'transit')      AS n_transit,
           count(*) FILTER (WHERE role = 'destination')  AS n_destination,
           count(*) FILTER (WHERE role = 'exploitation') AS n_exploitation
    FROM routes.route_points GROUP BY place_key
), per_route AS (
    SELECT DISTINCT ON (place_key, organisation, route_id) place_key, cases_low, cases_high
    FROM routes.route_points ORDER BY place_key, organisation, route_id
), totals AS (
    SELECT place_key, count(*) AS routes, coalesce(sum(cases_low), 0) AS cases_low,
           CASE WHEN bool_and(cases_high IS NOT NULL) THEN sum(cases_high) END AS cases_high
    FROM per_route GROUP BY place_key
)
SELECT i.place_key, i.place, i.precision, i.county, i.region, i.country, i.country_name,
       s.n_origin, s.n_transit, s.n_destination, s.n_exploitation,
       t.routes, t.cases_low, t.cases_high, i.geom
FROM info i JOIN stops s USING (place_key) JOIN totals t USING (place_key);

-- ----------------------------------------------- aggregated, suppressed views
-- Read by routes_analyst (and contributors): the whole network, no
-- organisation, no route ids. Rows whose route count is below
-- routes.suppress_below() are left out and every other count below it is
-- NULL: suppress(mode="drop", key_column="routes") of suppression.py.
CREATE VIEW routes.v_places_public AS
WITH t AS (SELECT routes.suppress_below() AS n)
SELECT p.place_key, p.place, p.precision, p.county, p.region, p.country, p.country_name,
       routes.suppress(p.n_origin, t.n)::bigint       AS n_origin,
       routes.suppress(p.n_transit, t.n)::bigint      AS n_transit,
       routes.suppress(p.n_destination, t.n)::bigint  AS n_destination,
       routes.suppress(p.n_exploitation, t.n)::bigint AS n_exploitation,
       p.routes,
       routes.suppress(p.cases_low, t.n)::bigint      AS cases_low,
       routes.suppress(p.cases_high, t.n)::bigint     AS cases_high,
       p.geom
FROM routes.places p, t
WHERE routes.suppress(p.routes, t.n) IS NOT NULL;

CREATE VIEW routes.v_regions_public AS
WITH t AS (SELECT routes.suppress_below() AS n),
per_route AS (
    SELECT DISTINCT ON (country, region, organisation, route_id) country, region, cases_low, cases_high
    FROM routes.route_points ORDER BY country, region, organisation, route_id
), agg AS (
    SELECT country, region, count(*) AS routes, coalesce(sum(cases_low), 0) AS cases_low,
           CASE WHEN bool_and(cases_high IS NOT NULL) THEN sum(cases_high) END AS cases_high
    FROM per_route GROUP BY country, region
)
SELECT a.country, a.region, a.routes,
       routes.suppress(a.cases_low, t.n)::bigint  AS cases_low,
       routes.suppress(a.cases_high, t.n)::bigint AS cases_high
FROM agg a, t
WHERE routes.suppress(a.routes, t.n) IS NOT NULL;

-- Country-to-country journeys (origin -> final place, as route_lines), drawn
-- between the centroids of each country's places.
CREATE VIEW routes.v_flows_country AS
WITH t AS (SELECT routes.suppress_below() AS n),
agg AS (
    SELECT origin_country AS origin, final_country AS destination, count(*) AS routes,
           coalesce(sum(cases_low), 0) AS cases_low,
           CASE WHEN bool_and(cases_high IS NOT NULL) THEN sum(cases_high) END AS cases_high
    FROM routes.route_lines
    WHERE origin_country IS NOT NULL AND final_country IS NOT NULL
    GROUP BY origin_country, final_country
), centre AS (
    SELECT country, ST_Centroid(ST_Collect(geom)) AS geom FROM routes.places GROUP BY country
)
SELECT a.origin, a.destination, a.origin <> a.destination AS crosses_border, a.routes,
       routes.suppress(a.cases_low, t.n)::bigint  AS cases_low,
       routes.suppress(a.cases_high, t.n)::bigint AS cases_high,
       ST_MakeLine(o.geom, d.geom)::geometry(LineString, 4326) AS geom
FROM agg a CROSS JOIN t
LEFT JOIN centre o ON o.country = a.origin
LEFT JOIN centre d ON d.country = a.destination
WHERE routes.suppress(a.routes, t.n) IS NOT NULL;

-- ------------------------------------------------------ row-level security
ALTER TABLE routes.route_lines   ENABLE ROW LEVEL SECURITY;
ALTER TABLE routes.route_points  ENABLE ROW LEVEL SECURITY;
ALTER TABLE routes.route_legs    ENABLE ROW LEVEL SECURITY;
ALTER TABLE routes.rejected_rows ENABLE ROW LEVEL SECURITY;
ALTER TABLE routes.imports       ENABLE ROW LEVEL SECURITY;
ALTER TABLE routes.contributors  ENABLE ROW LEVEL SECURITY;

CREATE POLICY own_organisation ON routes.route_lines TO routes_contributor
    USING (organisation = (SELECT routes.contributor_organisation()))
    WITH CHECK (organisation = (SELECT routes.contributor_organisation()));
CREATE POLICY own_organisation ON routes.route_points TO routes_contributor
    USING (organisation = (SELECT routes.contributor_organisation()))
    WITH CHECK (organisation = (SELECT routes.contributor_organisation()));
CREATE POLICY own_organisation ON routes.route_legs TO routes_contributor
    USING (organisation = (SELECT routes.contributor_organisation()))
    WITH CHECK (organisation = (SELECT routes.contributor_organisation()));
CREATE POLICY own_organisation ON routes.rejected_rows TO routes_contributor
    USING (organisation = (SELECT routes.contributor_organisation()))
    WITH CHECK (organisation = (SELECT routes.contributor_organisation()));
CREATE POLICY own_organisation ON routes.imports TO routes_contributor
    USING (organisation = (SELECT routes.contributor_organisation()))
    WITH CHECK (organisation = (SELECT routes.contributor_organisation()) AND imported_by = current_user);
CREATE POLICY own_mapping ON routes.contributors TO routes_contributor
    USING (role_name = current_user);

-- ------------------------------------------------------------------ grants
REVOKE ALL ON ALL TABLES IN SCHEMA routes FROM PUBLIC;
GRANT USAGE ON SCHEMA routes TO routes_contributor, routes_analyst;
GRANT SELECT, INSERT, DELETE ON routes.route_lines, routes.route_points, routes.route_legs, routes.rejected_rows
    TO routes_contributor;
GRANT SELECT, INSERT ON routes.imports TO routes_contributor;
GRANT SELECT ON routes.contributors TO routes_contributor;
GRANT SELECT ON routes.settings, routes.v_places_public, routes.v_regions_public, routes.v_flows_country
    TO routes_contributor, routes_analyst;

INSERT INTO routes.schema_migrations (version) VALUES ('001_schema');
