-- Issue 17: the same referential integrity, checked once per statement instead of once per row.
--
-- The foreign keys of 001 (a stop or leg belongs to a route of the same organisation, deleted with
-- it; every row names an import that exists) fired a trigger per inserted row: half the time of
-- inserting an import's points and legs. They are replaced by statement-level triggers over the
-- transition tables, which do the same checks and the same cascade as one set-based query each:
--
--   * INSERT or UPDATE of route_points / route_legs: every new row's (organisation, route_id) is
--     a route in route_lines, else the statement fails (as the foreign key did);
--   * INSERT or UPDATE of any of the four tables: every new row's import_id is in imports;
--   * DELETE of route_lines: the routes' points and legs are deleted (ON DELETE CASCADE);
--     UPDATE of route_lines that leaves a point or leg without its route fails;
--   * DELETE or UPDATE of imports that leaves a row without its import fails;
--   * TRUNCATE of route_lines empties route_points and route_legs too (as TRUNCATE ... CASCADE
--     did); TRUNCATE of imports fails unless the tables naming imports are emptied with it.
--
-- The functions run with the rights of the role running the statement (row-level security still
-- applies: a contributor inserts, checks and deletes only its organisation's rows).

ALTER TABLE routes.route_points  DROP CONSTRAINT IF EXISTS route_points_organisation_route_id_fkey;
ALTER TABLE routes.route_legs    DROP CONSTRAINT IF EXISTS route_legs_organisation_route_id_fkey;
ALTER TABLE routes.route_lines   DROP CONSTRAINT IF EXISTS route_lines_import_id_fkey;
ALTER TABLE routes.route_points  DROP CONSTRAINT IF EXISTS route_points_import_id_fkey;
ALTER TABLE routes.route_legs    DROP CONSTRAINT IF EXISTS route_legs_import_id_fkey;
ALTER TABLE routes.rejected_rows DROP CONSTRAINT IF EXISTS rejected_rows_import_id_fkey;

-- new rows of route_points / route_legs: their route exists
CREATE OR REPLACE FUNCTION routes.check_route_children() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    bad record;
BEGIN
    SELECT n.organisation, n.route_id INTO bad FROM new_rows n
    WHERE NOT EXISTS (SELECT 1 FROM routes.route_lines l
                      WHERE l.organisation = n.organisation AND l.route_id = n.route_id)
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'insert or update on table "%" violates the route reference: route % of organisation % '
                        'is not in routes.route_lines', TG_TABLE_NAME, bad.route_id, bad.organisation
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;

-- new rows of any of the four tables: their import existss
CREATE OR REPLACE FUNCTION routes.check_import_reference() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    bad bigint;
BEGIN
    SELECT n.import_id INTO bad FROM new_rows n
    WHERE NOT EXISTS (SELECT 1 FROM routes.imports i WHERE i.import_id = n.import_id) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'insert or update on table "%" violates the import reference: import % is not in routes.imports',
                        TG_TABLE_NAME, bad USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;

-- deleted routes take their points and legs with them
CREATE OR REPLACE FUNCTION routes.delete_route_children() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    DELETE FROM routes.route_points p USING old_rows o
    WHERE p.organisation = o.organisation AND p.route_id = o.route_id;
    DELETE FROM routes.route_legs g USING old_rows o
    WHERE g.organisation = o.organisation AND g.route_id = o.route_id;
    RETURN NULL;
END $$;

-- an updated route key must not leave points or legs behind
CREATE OR REPLACE FUNCTION routes.check_route_key_update() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM old_rows o
               WHERE NOT EXISTS (SELECT 1 FROM routes.route_lines l
                                 WHERE l.organisation = o.organisation AND l.route_id = o.route_id)
                 AND (EXISTS (SELECT 1 FROM routes.route_points p
                              WHERE p.organisation = o.organisation AND p.route_id = o.route_id)
                      OR EXISTS (SELECT 1 FROM routes.route_legs g
                                 WHERE g.organisation = o.organisation AND g.route_id = o.route_id))) THEN
        RAISE EXCEPTION 'update on table "route_lines" leaves points or legs without their route'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;

-- a deleted or renumbered import must not be referenced any more
CREATE OR REPLACE FUNCTION routes.check_import_removal() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM old_rows o
               WHERE NOT EXISTS (SELECT 1 FROM routes.imports i WHERE i.import_id = o.import_id)
                 AND (EXISTS (SELECT 1 FROM routes.route_lines r WHERE r.import_id = o.import_id)
                      OR EXISTS (SELECT 1 FROM routes.route_points r WHERE r.import_id = o.import_id)
                      OR EXISTS (SELECT 1 FROM routes.route_legs r WHERE r.import_id = o.import_id)
                      OR EXISTS (SELECT 1 FROM routes.rejected_rows r WHERE r.import_id = o.import_id))) THEN
        RAISE EXCEPTION 'delete or update on table "imports" leaves rows without their import'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;

-- after TRUNCATE route_lines: its points and legs go too (already gone when truncated with it)
CREATE OR REPLACE FUNCTION routes.truncate_route_children() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    DELETE FROM routes.route_points;
    DELETE FROM routes.route_legs;
    RETURN NULL;
END $$;

-- after TRUNCATE imports: nothing may be left that names an import
CREATE OR REPLACE FUNCTION routes.check_imports_truncate() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM routes.route_lines) OR EXISTS (SELECT 1 FROM routes.route_points)
       OR EXISTS (SELECT 1 FROM routes.route_legs) OR EXISTS (SELECT 1 FROM routes.rejected_rows) THEN
        RAISE EXCEPTION 'cannot truncate table "imports" alone: rows still name their imports; truncate '
                        'route_lines, route_points, route_legs and rejected_rows with it'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER route_points_reference_insert AFTER INSERT ON routes.route_points
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION routes.check_route_children();
CREATE TRIGGER route_points_reference_update AFTER UPDATE ON routes.route_points
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION routes.check_route_children();
CREATE TRIGGER route_legs_reference_insert AFTER INSERT ON routes.route_legs
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION routes.check_route_children();
CREATE TRIGGER route_legs_reference_update AFTER UPDATE ON routes.route_legs
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION routes.check_route_children();
CREATE TRIGGER route_points_import_insert AFTER INSERT ON routes.route_points
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION routes.check_import_reference();
CREATE TRIGGER route_points_import_update AFTER UPDATE ON routes.route_points
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION routes.check_import_reference();
CREATE TRIGGER route_legs_import_insert AFTER INSERT ON routes.route_legs
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION routes.check_import_reference();
CREATE TRIGGER route_legs_import_update AFTER UPDATE ON routes.route_legs
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION routes.check_import_reference();
CREATE TRIGGER route_lines_import_insert AFTER INSERT ON routes.route_lines
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION routes.check_import_reference();
CREATE TRIGGER route_lines_import_update AFTER UPDATE ON routes.route_lines
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION routes.check_import_reference();
CREATE TRIGGER rejected_rows_import_insert AFTER INSERT ON routes.rejected_rows
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION routes.check_import_reference();
CREATE TRIGGER rejected_rows_import_update AFTER UPDATE ON routes.rejected_rows
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION routes.check_import_reference();
CREATE TRIGGER route_lines_cascade_delete AFTER DELETE ON routes.route_lines
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION routes.delete_route_children();
CREATE TRIGGER route_lines_key_update AFTER UPDATE ON routes.route_lines
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION routes.check_route_key_update();
CREATE TRIGGER route_lines_cascade_truncate AFTER TRUNCATE ON routes.route_lines
    FOR EACH STATEMENT EXECUTE FUNCTION routes.truncate_route_children();
CREATE TRIGGER imports_reference_truncate AFTER TRUNCATE ON routes.imports
    FOR EACH STATEMENT EXECUTE FUNCTION routes.check_imports_truncate();
CREATE TRIGGER imports_reference_delete AFTER DELETE ON routes.imports
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION routes.check_import_removal();
CREATE TRIGGER imports_reference_update AFTER UPDATE ON routes.imports
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION routes.check_import_removal();

INSERT INTO routes.schema_migrations (version) VALUES ('004_set_based_integrity');
