"""Health entrypoints: the HTTP API and the heartbeat loop."""
