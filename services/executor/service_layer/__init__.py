"""Executor use cases: taking jobs in from Kafka and running them under a lease."""
