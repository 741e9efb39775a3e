"""The parts of ``bench/growth.py``: ``build`` (the shop, grown with COPY; the kept
database) and ``measure`` (the rows of the table)."""
