"""Contracts service: the contract state authority (SPEC §5, §6).

Holds and advances system contracts, applies founder decisions, runs the review and
activation timers and requests exactly one job per activated contract. The pure rules
live in `govmesh.contracts.domain`; adapters and entrypoints sit beside it.
"""
