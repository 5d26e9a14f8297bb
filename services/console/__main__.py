"""`python -m govmesh.console [serve]`."""

from govmesh.console.app import main

main()
