"""Hotline and incident tickets (issue 4 §3): intake from the hotline, the public page, the API (Zalo OA) and
the system; SLA from policy; assignment, timeline, closure; automatic escalation to the parent unit's centre.

enums.py     — channels, categories, priorities, statuses and the transition table
services.py  — every write (each adds one TicketEvent and one audit row)
selectors.py — every read, jurisdiction-scoped (owner unit or the unit where the ticket started)
sweep.py     — the SLA sweep that escalates overdue tickets
guard.py     — the public page's captcha-free abuse guard (honeypot, signed timestamp, rate limits)
inbound.py   — the Zalo OA webhook: signature check and message → ticket
"""
