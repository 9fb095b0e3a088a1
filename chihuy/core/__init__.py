"""Core: base model, clock, application errors, effective-dated policies, audit events, pagination, text."""
