"""The use cases both entrypoints share: receiving an event, following contract outcomes."""
