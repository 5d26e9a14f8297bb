"""Ways into ingest: the HTTP API and the Kafka consumers."""
