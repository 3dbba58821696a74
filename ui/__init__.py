"""What readers see, shared by the bot's replies and the daily digest.

* ``french``: every sentence the bot says, in French, and its dates and plurals;
* ``cards``: articles as Telegram HTML cards, the same in a digest and in a topic page;
* ``messages``: fitting HTML into Telegram's 4,096-unit messages without cutting a tag.

It speaks no Telegram (no requests, no ``telegram`` import): it only writes the HTML subset
Telegram accepts. It depends on ``content`` for the article records and the topic catalog.
"""
