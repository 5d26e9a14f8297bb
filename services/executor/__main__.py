"""`python -m govmesh.executor [serve|migrate|registry-import FILE]`."""

from govmesh.executor.app import main

main()
