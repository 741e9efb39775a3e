"""Marketplaces (Shopee, Lazada, TikTok Shop, Tiki): shops and listings, signed webhooks in,
orders through ``orders.services.marketplace``, stock out coalesced and rate-limited.

Layout: ``models`` (shops, listings, webhook events, held orders, sync log), ``adapters``
(one class per platform behind one interface), ``services`` (writes), ``selectors``,
``tasks`` (thin), ``api`` (the webhook door), ``simulator`` (a marketplace on 127.0.0.1 for
tests, the demo and the benchmark).
"""
