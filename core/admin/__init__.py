"""Installation-level administration inside a tenant: its modules (plugins) and their health."""
