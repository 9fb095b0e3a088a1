"""Every write of tracing: venues (venues.py), check-ins from the QR page, venue staff and other systems
(checkins.py, ingest.py), retention (retention.py), exposure runs and their F1 candidates (candidates.py)."""
