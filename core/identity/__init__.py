"""Identity: users, departments, roles, tokens, permissions, audit and trash (per tenant)."""
