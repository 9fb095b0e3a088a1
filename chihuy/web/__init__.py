"""Web: the server-rendered shell — navigation, login, unit switcher, people, units, audit log, users."""
