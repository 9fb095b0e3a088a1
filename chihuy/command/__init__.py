"""Command centres: members, the 24/7 duty roster, hotline and incident tickets with escalation, directives
and tasks."""
