"""Validator adapters: the registry view materialised from `registry.state`."""
