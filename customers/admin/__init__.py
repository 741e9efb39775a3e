"""Staff screens for customers, one module per subject; importing them registers them.
Every write goes through a service."""

from customers.admin import merges, profiles, records, shopping

__all__ = ["merges", "profiles", "records", "shopping"]
