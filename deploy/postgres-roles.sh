#!/usr/bin/env bash
# Run once by the postgres image on a new data volume (docker-entrypoint-initdb.d).
# Two roles, neither a superuser: `rollcall` owns the database and runs the
# migrations; `rollcall_app` (the web process, worker and beat) owns nothing
# and gets only row grants, given by each migrate (attendance/db_roles.py).
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner_password="$ROLLCALL_OWNER_PASSWORD" -v app_password="$ROLLCALL_APP_PASSWORD" <<'SQL'
CREATE ROLE rollcall LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'owner_password';
CREATE ROLE rollcall_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'app_password';
CREATE DATABASE rollcall OWNER rollcall;
REVOKE ALL ON DATABASE rollcall FROM PUBLIC;
SQL
