"""Health adapters: the registry view and the signal publisher."""
