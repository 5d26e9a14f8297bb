"""The Validator's version (VAL-002): carried by every verdict; bump it when a rule changes."""

VALIDATOR_VERSION = "1.0.0"
