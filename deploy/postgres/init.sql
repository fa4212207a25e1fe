-- Kurator on PostgreSQL: the roles and databases a deployment needs, run once as a superuser
-- (psql 15 or newer) before the first `kurator migrate`:
--
--   psql -v ON_ERROR_STOP=1 -f deploy/postgres/init.sql "postgres://postgres@db/postgres"
--
-- The postgres image's entrypoint runs it on an empty data directory (deploy/compose.yaml). It
-- creates
--   * kurator             — owns the databases and their schema; `kurator migrate` runs as it, and
--                           the replicas use it only to create and migrate the database of an
--                           organisation created at runtime. NOSUPERUSER and NOBYPASSRLS, so the
--                           forced row-level security of tenant tables applies to it too; CREATEDB
--                           for those new organisations; NOCREATEROLE.
--   * kurator_tenant_app  — a group role without login: the privileges the application has, no
--                           more. The migrations grant it row access table by table — only SELECT
--                           and INSERT on the audit trail — and it owns nothing, so it cannot
--                           alter a table, disable a trigger or bypass row-level security.
--   * kurator_app         — the login the replicas work as (`database.app_user`), a member of
--                           kurator_tenant_app and nothing else.
--   * kurator_control                              — the control plane;
--   * kurator_analytics                            — the analytics store: only what organisations
--                                                   published for comparison;
--   * kurator_fund, kurator_volunteers,
--     kurator_state_centre, kurator_clinic        — the demo organisations' databases (the names
--                                                   `database.tenant_url_template` =
--                                                   `…/kurator_{tenant}` gives them).
--
-- Every name starts with the psql variable `prefix` (default `kurator`), so that one server can
-- hold several installations (and the test that runs this file beside the other tests):
-- `psql -v prefix=kurator_staging …`. kurator_tenant_app is the one shared name: the migrations
-- name it.
--
-- Passwords come from the environment (KURATOR_DB_OWNER_PASSWORD, KURATOR_DB_APP_PASSWORD); the
-- fallbacks below are for a local demo only.

\set ON_ERROR_STOP on

\if :{?prefix}
\else
    \set prefix kurator
\endif
\set owner :prefix
\set app :prefix _app
\set control_db :prefix _control
\set analytics_db :prefix _analytics
\set fund_db :prefix _fund
\set volunteers_db :prefix _volunteers
\set state_centre_db :prefix _state_centre
\set clinic_db :prefix _clinic

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

CREATE ROLE :"owner" WITH LOGIN NOSUPERUSER CREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
    PASSWORD :'owner_password';
CREATE ROLE :"app" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
    PASSWORD :'app_password';

-- The group role the migrations grant to; another installation on this server may have made it.
SELECT 'CREATE ROLE kurator_tenant_app NOLOGIN NOSUPERUSER NOBYPASSRLS'
    WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'kurator_tenant_app')
\gexec
GRANT kurator_tenant_app TO :"app";

CREATE DATABASE :"control_db" OWNER :"owner" ENCODING 'UTF8' TEMPLATE template0;
CREATE DATABASE :"analytics_db" OWNER :"owner" ENCODING 'UTF8' TEMPLATE template0;
CREATE DATABASE :"fund_db" OWNER :"owner" ENCODING 'UTF8' TEMPLATE template0;
CREATE DATABASE :"volunteers_db" OWNER :"owner" ENCODING 'UTF8' TEMPLATE template0;
CREATE DATABASE :"state_centre_db" OWNER :"owner" ENCODING 'UTF8' TEMPLATE template0;
CREATE DATABASE :"clinic_db" OWNER :"owner" ENCODING 'UTF8' TEMPLATE template0;

-- Nobody but the two Kurator logins may connect (the owner may anyway). Databases of
-- organisations created later are made by the owner, with the server's defaults.
REVOKE ALL ON DATABASE :"control_db" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"control_db" TO :"app";
REVOKE ALL ON DATABASE :"analytics_db" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"analytics_db" TO :"app";
REVOKE ALL ON DATABASE :"fund_db" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"fund_db" TO :"app";
REVOKE ALL ON DATABASE :"volunteers_db" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"volunteers_db" TO :"app";
REVOKE ALL ON DATABASE :"state_centre_db" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"state_centre_db" TO :"app";
REVOKE ALL ON DATABASE :"clinic_db" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"clinic_db" TO :"app";

-- No default privileges: what the application may do with each table is granted by the migration
-- that creates it (to kurator_tenant_app), so that the audit trail stays append-only — SELECT and
-- INSERT, nothing more — and a table nobody granted stays closed.
