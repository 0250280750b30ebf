"""Contests (竞赛), their events (赛项), parts, judges and lifecycle."""
