-- Issue 17: imports streamed chunk by chunk, and large imports with their indexes built afterwards.
--
-- An import is still ONE transaction (docs/postgis.md), but its rows no longer wait in staging
-- tables until the end: the import is recorded in routes.imports when it begins (its counts are
-- filled in by routes.finish_import() when it ends), and each chunk of the export goes into the
-- tables as soon as it is parsed, while the next one is being parsed.
--
-- A large import (the loader's rule: at least 20,000 rows and at least half as many as the store
-- holds routes -- the first load of a store, or an organisation re-importing most of it) runs in
-- BULK MODE: routes.begin_bulk_import() takes the four tables for the transaction (ACCESS EXCLUSIVE:
-- readers wait until the import commits) and drops the indexes that back no constraint (the
-- spatial indexes, place_key, import_id, the rejected rows' lookups: building them once afterwards
-- costs a third of keeping them up to date row by row); primary and unique keys stay, and so do
-- the triggers (every statement's rows are checked, deleted routes take their points and legs).
-- routes.end_bulk_import() deletes the organisation's rejected rows of the routes the import
-- replaced or of an earlier import of the same file (their lookup index is gone until then) and
-- builds the indexes again exactly as they were. A transaction that began bulk mode cannot commit
-- without ending it (a deferred check refuses the commit), so the tables are never left without
-- their indexes: any failure rolls everything back, the dropped indexes included.
--
-- The functions run with the owner's rights (they change the tables' definitions) and touch only
-- what the calling transaction itself inserted, recognised by the rows' xmin.

-- the xmin of rows the calling transaction inserted (the 32-bit form of its transaction id)
CREATE OR REPLACE FUNCTION routes.current_xmin() RETURNS xid
LANGUAGE sql STABLE AS $$
    SELECT (pg_catalog.pg_current_xact_id()::text::bigint % 4294967296)::text::xid
$$;

-- what bulk mode took away, to be put back by end_bulk_import (owner only)
CREATE TABLE routes.bulk_import_state (
    step        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    xact        xid8 NOT NULL DEFAULT pg_current_xact_id(),
    kind        text NOT NULL CHECK (kind IN ('begun', 'index')),
    table_name  text NOT NULL,
    object_name text NOT NULL,
    definition  text
);
REVOKE ALL ON routes.bulk_import_state FROM PUBLIC;

-- at commit: a transaction that began bulk mode has ended it (runs as the owner: the state is
-- the owner's alone)
CREATE OR REPLACE FUNCTION routes.bulk_import_must_end() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM routes.bulk_import_state WHERE xact = NEW.xact) THEN
        RAISE EXCEPTION 'a bulk import began but did not end (routes.end_bulk_import): the transaction is '
                        'rolled back, the tables keep their indexes' USING ERRCODE = 'invalid_transaction_state';
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER bulk_import_must_end AFTER INSERT ON routes.bulk_import_state
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.kind = 'begun')
    EXECUTE FUNCTION routes.bulk_import_must_end();

CREATE OR REPLACE FUNCTION routes.begin_bulk_import() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    tables regclass[] := ARRAY['routes.route_lines', 'routes.route_points', 'routes.route_legs',
                               'routes.rejected_rows']::regclass[];
    r record;
BEGIN
    IF EXISTS (SELECT 1 FROM routes.bulk_import_state WHERE xact = pg_current_xact_id()) THEN
        RAISE EXCEPTION 'this transaction is already importing in bulk';
    END IF;
    INSERT INTO routes.bulk_import_state (kind, table_name, object_name) VALUES ('begun', '', '');
    LOCK TABLE routes.route_lines, routes.route_points, routes.route_legs, routes.rejected_rows
        IN ACCESS EXCLUSIVE MODE;
    -- the indexes that back no constraint (spatial indexes, lookups); keys stay: each chunk's rows are
    -- checked against them and replace routes by them
    FOR r IN SELECT i.indrelid::regclass::text AS tbl, i.indexrelid::regclass::text AS idx,
                    pg_get_indexdef(i.indexrelid) AS def
             FROM pg_index i
             WHERE i.indrelid = ANY (tables)
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
             ORDER BY i.indrelid, i.indexrelid
    LOOP
        INSERT INTO routes.bulk_import_state (kind, table_name, object_name, definition)
        VALUES ('index', r.tbl, r.idx, r.def);
        EXECUTE format('DROP INDEX %s', r.idx);
    END LOOP;
END $$;

CREATE OR REPLACE FUNCTION routes.end_bulk_import(p_import bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    org text;
    sha text;
    here xid := routes.current_xmin();
    r record;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM routes.bulk_import_state WHERE xact = pg_current_xact_id() AND kind = 'begun') THEN
        RAISE EXCEPTION 'this transaction is not importing in bulk';
    END IF;
    SELECT i.organisation, i.file_sha256 INTO org, sha FROM routes.imports i
    WHERE i.import_id = p_import AND i.xmin = here;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'import % was not begun by this transaction', p_import;
    END IF;
    -- the organisation's rejected rows of replaced routes or of an earlier import of the same file
    DELETE FROM routes.rejected_rows j
    WHERE j.organisation = org AND j.import_id <> p_import
      AND (j.route_id IN (SELECT l.route_id FROM routes.route_lines l WHERE l.import_id = p_import)
           OR j.import_id IN (SELECT i.import_id FROM routes.imports i
                              WHERE i.organisation = org AND i.file_sha256 = sha));
    -- the indexes built again, as they were
    FOR r IN SELECT s.kind, s.table_name, s.object_name, s.definition FROM routes.bulk_import_state s
             WHERE s.xact = pg_current_xact_id() AND s.kind <> 'begun' ORDER BY s.step
    LOOP
        EXECUTE r.definition;
    END LOOP;
    DELETE FROM routes.bulk_import_state WHERE xact = pg_current_xact_id();
END $$;

-- the counts of an import begun by this transaction (contributors may not update routes.imports)
CREATE OR REPLACE FUNCTION routes.finish_import(p_import bigint, p_rows_in integer, p_rows_mapped integer,
                                                p_rows_rejected integer, p_routes_replaced integer)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    UPDATE routes.imports SET rows_in = p_rows_in, rows_mapped = p_rows_mapped, rows_rejected = p_rows_rejected,
           routes_written = (SELECT count(*) FROM routes.route_lines l WHERE l.import_id = p_import),
           routes_replaced = p_routes_replaced
    WHERE import_id = p_import AND xmin = routes.current_xmin();
    IF NOT FOUND THEN
        RAISE EXCEPTION 'import % was not begun by this transaction', p_import;
    END IF;
END $$;

REVOKE ALL ON FUNCTION routes.begin_bulk_import(), routes.end_bulk_import(bigint),
    routes.finish_import(bigint, integer, integer, integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION routes.begin_bulk_import(), routes.end_bulk_import(bigint),
    routes.finish_import(bigint, integer, integer, integer, integer) TO routes_contributor;

INSERT INTO routes.schema_migrations (version) VALUES ('005_streamed_import');
