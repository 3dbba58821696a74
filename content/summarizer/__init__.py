"""The extractive French summarizer: the few sentences of an article that best stand for it.

Modules, in the order an article goes through them:

* ``sentences``: French sentence splitting tuned on scraped news text;
* ``features``: an article read into candidate sentences, their traits and where words occur;
* ``model``: both learned layers' features, the word layer and the shipped weights (``model.json``,
  fitted by ``bench/train_summarizer.py``);
* ``choice``: which sentences to keep within the word budget.

Pure: text in, text out, no clock and no I/O but reading the weights once.
"""

from content.summarizer.choice import (
    DEFAULT_MAX_WORDS,
    DEFAULT_MIN_WORDS,
    MAX_SENTENCES,
    budget_candidates,
    summarize,
)

__all__ = [
    "DEFAULT_MAX_WORDS",
    "DEFAULT_MIN_WORDS",
    "MAX_SENTENCES",
    "budget_candidates",
    "summarize",
]
