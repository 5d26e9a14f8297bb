"""`python -m govmesh.validator [serve]`."""

from govmesh.validator.app import main

main()
