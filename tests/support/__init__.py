"""What the tests share: the bot harness on the fake Bot API, a stoppable clock, records."""
