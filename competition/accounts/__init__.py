"""Accounts, roles, sign-in, invitations and the access rules."""
