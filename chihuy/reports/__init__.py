"""Reports that read across domains: the command centre's daily briefing pack (giao ban) first; daily bulletins,
epidemic levels and dashboards follow (issue 8)."""
