"""The command app's models, one module per area so that the areas grow apart without clashing.

centres.py  — CommandCentre, CentreMember (issue 4 §1)
roster.py   — Shift, ShiftSwap, Handover (§2)
tickets.py  — Ticket, TicketEvent (§3)
directives.py — Directive, DirectiveTask, TaskReport (§4)
"""

from chihuy.command.models.centres import CentreMember, CommandCentre, Position, Sector  # noqa: F401
from chihuy.command.models.directives import (  # noqa: F401
    Directive,
    DirectiveStatus,
    DirectiveTask,
    TaskReport,
    TaskStatus,
)
from chihuy.command.models.roster import (  # noqa: F401
    Handover,
    RosterGapAlert,
    Shift,
    ShiftRole,
    ShiftSwap,
    SwapState,
)
from chihuy.command.models.tickets import Ticket, TicketEvent, TicketSequence  # noqa: F401
