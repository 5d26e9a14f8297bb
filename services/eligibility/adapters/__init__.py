"""Adapters of the eligibility service: the in-memory context views fed by Kafka."""
