"""Pure auditor rules: evidence, health reading, checks A-001…A-007, verdict, policy."""
