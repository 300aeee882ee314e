"""Workspaces, people and their roles, and the account settings page."""
