"""News feeds: the bot follows outlets' RSS, Atom and JSON feeds by itself.

``parse`` turns fetched bytes into items, ``fetching`` fetches politely (conditional GET, one
host at a time or two), ``schedule`` decides when each feed is polled next, ``service`` runs a
polling round and hands new items to the article library. Nothing here talks Telegram.
"""
