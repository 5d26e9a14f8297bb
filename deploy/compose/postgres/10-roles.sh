#!/usr/bin/env bash
# One login role per stateful service (ARCHITECTURE "Delivery and state": one schema and one role
# per service). A role may create schemas, which it then owns; it gets no access to the others'.
# Run once by the postgres image on an empty data directory; it may be sourced, so no `set -u`.
set -eo pipefail

for role in ingest contracts executor; do
  var="GOVMESH_DB_PASSWORD_${role^^}"
  password="${!var:?$var is not set}"
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    --set=role="$role" --set=password="$password" --set=db="$POSTGRES_DB" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
GRANT CONNECT, CREATE ON DATABASE :"db" TO :"role";
SQL
done
