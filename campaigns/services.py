"""Writes of this app (STYLE.md: ``<entity>_<action>``, keyword-only, atomic)."""
