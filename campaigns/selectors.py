"""Shared reads of this app, returning querysets with their joins already set."""
