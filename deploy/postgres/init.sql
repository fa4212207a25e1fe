-- Kurator on PostgreSQL: roles and databases for the demo stack (deploy/compose.yaml).
--
-- Run once by the postgres image's entrypoint (psql, as the superuser) on an empty data
-- directory. It creates
--   * kurator      — owns the databases and their schema; migrations run as it. Not a superuser
--                    and NOBYPASSRLS, so the FORCE'd row-level security of tenant tables applies
--                    to it too (a superuser or a BYPASSRLS role would skip every policy).
--   * kurator_app  — the role for the application at runtime once migrations run as a separate
--                    step: owns no table (so FORCE is not even needed to hold it), may read and
--                    write rows, may not change the schema, NOBYPASSRLS.
--   * kurator_control                              — the control plane (tenant registry, users);
--   * kurator_fund, kurator_volunteers,
--     kurator_state_centre, kurator_clinic        — one database per demo tenant, the names the
--                                                   tenant URL template `kurator_{tenant}` gives.
--
-- Today the `kurator` binary migrates its databases at every start with the URLs it is given, so
-- deploy/compose.yaml connects as `kurator`; see deploy/README.md.
--
-- Passwords come from the container's environment (KURATOR_DB_OWNER_PASSWORD,
-- KURATOR_DB_APP_PASSWORD); the fallbacks below are for a local demo only.
-- Needs psql 15 or newer (\getenv), as in the postgres:16 image.

\set ON_ERROR_STOP on

\getenv owner_password KURATOR_DB_OWNER_PASSWORD
\if :{?owner_password}
\else
    \set owner_password 'kurator-owner-demo'
\endif
\getenv app_password KURATOR_DB_APP_PASSWORD
\if :{?app_password}
\else
    \set app_password 'kurator-app-demo'
\endif

CREATE ROLE kurator WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
    PASSWORD :'owner_password';
CREATE ROLE kurator_app WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
    PASSWORD :'app_password';

CREATE DATABASE kurator_control OWNER kurator ENCODING 'UTF8' TEMPLATE template0;
CREATE DATABASE kurator_fund OWNER kurator ENCODING 'UTF8' TEMPLATE template0;
CREATE DATABASE kurator_volunteers OWNER kurator ENCODING 'UTF8' TEMPLATE template0;
CREATE DATABASE kurator_state_centre OWNER kurator ENCODING 'UTF8' TEMPLATE template0;
CREATE DATABASE kurator_clinic OWNER kurator ENCODING 'UTF8' TEMPLATE template0;

-- Nobody but the two Kurator roles may connect (the owner, kurator, may anyway).
REVOKE ALL ON DATABASE kurator_control FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE kurator_control TO kurator_app;
REVOKE ALL ON DATABASE kurator_fund FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE kurator_fund TO kurator_app;
REVOKE ALL ON DATABASE kurator_volunteers FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE kurator_volunteers TO kurator_app;
REVOKE ALL ON DATABASE kurator_state_centre FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE kurator_state_centre TO kurator_app;
REVOKE ALL ON DATABASE kurator_clinic FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE kurator_clinic TO kurator_app;

-- In every database: kurator_app gets row access, and nothing more, to whatever kurator creates
-- in the public schema, now or in later migrations (default privileges). It cannot create, alter
-- or drop anything. The audit log stays append-only for it as for everyone: a trigger refuses
-- UPDATE and DELETE whoever runs them.

\connect kurator_control
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO kurator_app;
ALTER DEFAULT PRIVILEGES FOR ROLE kurator IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO kurator_app;
ALTER DEFAULT PRIVILEGES FOR ROLE kurator IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO kurator_app;

\connect kurator_fund
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO kurator_app;
ALTER DEFAULT PRIVILEGES FOR ROLE kurator IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO kurator_app;
ALTER DEFAULT PRIVILEGES FOR ROLE kurator IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO kurator_app;

\connect kurator_volunteers
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO kurator_app;
ALTER DEFAULT PRIVILEGES FOR ROLE kurator IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO kurator_app;
ALTER DEFAULT PRIVILEGES FOR ROLE kurator IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO kurator_app;

\connect kurator_state_centre
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO kurator_app;
ALTER DEFAULT PRIVILEGES FOR ROLE kurator IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO kurator_app;
ALTER DEFAULT PRIVILEGES FOR ROLE kurator IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO kurator_app;

\connect kurator_clinic
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO kurator_app;
ALTER DEFAULT PRIVILEGES FOR ROLE kurator IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO kurator_app;
ALTER DEFAULT PRIVILEGES FOR ROLE kurator IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO kurator_app;
