"""The Validator service: advisory verdicts on issues (SPEC §3, VAL-001…VAL-005).

Stateless: every verdict is a pure function of the issue, the registry snapshot it was
judged against and the time it was taken; `domain/` holds that function.
"""
