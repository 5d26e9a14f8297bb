"""Deployment artefacts; `generate.py` derives the broker files from the topic registry."""
