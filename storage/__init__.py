"""The storage layer: connections, schema upgrades and transactions, one store per domain.

The domains declare what they need as Protocols (``content.store.ArticleStore``,
``digests.stores.SubscriberStore`` and ``DeliveryStore``); each backend package here implements
them, with its schema next to each store. Nothing outside this package sees a connection or SQL,
and every store method is one transaction. A second backend is a new package beside ``sqlite``
and a branch in ``backends.open_stores``; the services and the bot do not change.
"""
