"""The kernel's own tables in each tenant's database (``core_*``)."""
