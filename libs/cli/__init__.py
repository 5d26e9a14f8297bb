"""The govmesh command line."""
