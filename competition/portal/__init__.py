"""Public pages and the home pages of judges, unit contacts and competitors."""
