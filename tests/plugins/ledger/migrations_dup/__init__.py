"""Two steps with one number: the kernel must refuse this package."""
