"""Accounts: registration, sessions, API tokens, roles and account standing (blocks)."""
