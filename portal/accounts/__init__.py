"""Accounts: citizens and staff, roles scoped to organisational units, login."""
