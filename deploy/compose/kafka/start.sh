#!/usr/bin/env bash
# Start the compose broker: render its properties with the admin's SCRAM credentials, format the
# KRaft storage once (bootstrapping the admin user, since SCRAM users otherwise need a
# connection that already authenticates), then exec the broker.
set -euo pipefail

: "${KAFKA_ADMIN_PASSWORD:?KAFKA_ADMIN_PASSWORD is not set}"
cluster_id="${KAFKA_CLUSTER_ID:?KAFKA_CLUSTER_ID is not set}"
scram_login='org.apache.kafka.common.security.scram.ScramLoginModule required'
props=/tmp/server.properties

{
  cat /etc/govmesh/kafka/server.properties
  # The broker authenticates to itself on SASL as admin; EXTERNAL only verifies clients.
  printf 'listener.name.sasl.scram-sha-512.sasl.jaas.config=%s username="admin" password="%s";\n' \
    "$scram_login" "$KAFKA_ADMIN_PASSWORD"
  printf 'listener.name.external.scram-sha-512.sasl.jaas.config=%s;\n' "$scram_login"
} >"$props"

# Client properties for the healthcheck (and for an operator's `docker compose exec`).
{
  echo 'security.protocol=SASL_PLAINTEXT'
  echo 'sasl.mechanism=SCRAM-SHA-512'
  printf 'sasl.jaas.config=%s username="admin" password="%s";\n' "$scram_login" "$KAFKA_ADMIN_PASSWORD"
} >/tmp/admin.properties

/opt/kafka/bin/kafka-storage.sh format --ignore-formatted --cluster-id "$cluster_id" \
  --config "$props" --add-scram "SCRAM-SHA-512=[name=admin,password=$KAFKA_ADMIN_PASSWORD]"

exec /opt/kafka/bin/kafka-server-start.sh "$props"
