"""Pure auditor rules: evidence, checks A-001…A-007, verdict, audit policy, rollout machine."""
