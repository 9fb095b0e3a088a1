"""Accounts: users, their unit and roles, API tokens, and `access` — jurisdiction scoping for every app."""
