"""Writes of the isolation domain, one module per concern (see the contract in each module's docstring)."""
