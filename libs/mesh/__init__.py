"""Runtime shared by every govmesh service: Kafka I/O, signing, outbox/inbox, DLQ, metrics."""
