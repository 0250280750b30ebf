"""Organizer dashboards: every contest's stage and blockers, each body's year against its targets
(DOMAIN.md §7), and the filing exports (人社 xlsx, the public notice PDF)."""
