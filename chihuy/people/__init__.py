"""People: the person registry, identity matching and merge, vulnerability, households."""
