"""One module per audit check (SPEC §8, A-001…A-007); each is a pure function of the evidence."""
