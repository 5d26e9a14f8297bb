"""Health use cases over the pure domain: receive alerts, override, publish."""
