"""Entrypoints of the eligibility service: the proposal consumer and its metrics."""
