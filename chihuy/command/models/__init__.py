"""The command app's models, one module per area so that the areas grow apart without clashing.

centres.py  — CommandCentre, CentreMember (issue 4 §1)
roster.py   — Shift, ShiftSwap, Handover (§2)
tickets.py  — Ticket, TicketEvent (§3)
directives.py — Directive, DirectiveTask, TaskReport (§4)
"""
