"""Eligibility: the deterministic gate between the Validator and the contract authority.

It consumes validated proposals and answers MAY or MAY_NOT (SPEC §4, ELIG-001…005)
over a context materialised from the registry, governance signals, health and open
contracts. It advises nothing and approves nothing; the pure rules live in `domain`.
"""
