"""The desktop's benchmark: a tenant with the bench data, and the time of each widget request."""
