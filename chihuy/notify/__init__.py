"""Alerts through real channels: a transactional outbox, channel adapters, delivery with retries, group fan-out."""
