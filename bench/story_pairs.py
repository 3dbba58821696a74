"""Build the labelled pairs that score ``content.stories`` (``tests/data/story-pairs.jsonl``).

How the set is made (the labels are a person's judgement; this script only finds and formats;
``tests/data/README-story-pairs.md`` has the counts and the pairs left out):

- **Corpus pairs** come from OrangeSum (Kamal Eddine, Tixier and Vazirgiannis, EMNLP 2021; Orange
  Actu articles 2011-2020, CC BY-SA 4.0; see ``../shared/corpus/README.md``). ``candidates``
  draws, with fixed seeds, four pools: ``overlap``, articles at most two days apart whose 5-word
  shingles overlap (the site republished or updated a story, or reused a dispatch's background
  paragraphs in another one), half of them above 0.5 containment; ``names``, articles at most
  three days apart sharing names or title words but little text (same people, places or topic,
  mostly other events); ``sahel``, articles at most five days apart whose titles name the same
  Sahel country (the bot's beat: the Niger attack of August 2020, the Mali coup, the soldiers
  killed in Mali in 2019, all follow-ups of one another); ``random``, any two articles. Each pair
  was read (titles, the journalists' abstracts, the texts) and labelled; the labels live in the
  jsonl, and ``build`` carries them over when it rewrites it.
- **Copies** are made here from single articles (half of them naming a Sahel country), the way
  outlets copy agencies: another title (the first clause of the journalist's abstract), the first
  paragraphs only, a lead sentence added (« Selon RFI, … »), paragraphs moved, a brief or a feed
  teaser cut from the article's own sentences, and combinations. They are the same event by
  construction. ``rewritten-brief`` pairs an article with the abstract its journalist wrote: the
  same event in other words, which shingles cannot see; it shows what the matcher misses.

**Same event** means the two texts report one happening (an incident, a decision, an
announcement, a statement, a published figure, a death), so that a digest should show them as one
story: an update (a new toll, the suspect identified, a correction), the preview and the account
of a scheduled event, a reaction piece that retells the happening, a weather alert kept the next
day for the same episode. **Different events**: another occurrence of the same kind (another
day's figures, forecast or police operation; another vote, hearing or court decision in the same
case, such as custody then sentencing; another attack in the same region) or a new act by someone
else that is the news (an appeal, an initiative, a ban lifted). Pairs that could not be decided
by reading (two reactions by different people, each the headline; a weekend traffic forecast and
the next day's, which it includes) were left out (``x`` in the labels file) rather than guessed.

Bodies are cut at a sentence end near 190 words to keep the file small. ``part`` holds out one
pair in three of each kind and label (``heldout``, scored after the thresholds were fixed); the
thresholds of ``content.stories`` were chosen on the ``tune`` pairs only.

    python bench/story_pairs.py candidates          # bench/out/story-candidates.jsonl
    python bench/story_pairs.py show overlap 0 20   # read candidates to label them
    python bench/story_pairs.py build [--labels bench/out/story-labels.tsv]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import zlib
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import OUT_DIR, REPO_ROOT
from bench.corpus import Split, read_articles
from content.summarizer.sentences import split_sentences
from content.text import fold, normalize_text

SEED = 20261206
BODY_WORDS = 190
PAIRS_PATH = REPO_ROOT / "tests" / "data" / "story-pairs.jsonl"
CANDIDATES_PATH = OUT_DIR / "story-candidates.jsonl"
LABELS_PATH = OUT_DIR / "story-labels.tsv"
OVERLAP_DAYS = 2
NAMES_DAYS = 3
POOL_SIZES = {"overlap": 190, "names": 170, "random": 40, "sahel": 40}
SAHEL_DAYS = 5
COPIES_PER_KIND = 14
HELD_OUT_ONE_IN = 3

_TOKEN = re.compile(r"[a-z0-9]+")
_GLUED_PARAGRAPH = re.compile(
    r"(?<=[a-zà-ÿ0-9)%][.!?])(?=[A-ZÉÈÀÂÎÔÇ«])|(?<=[.!?][\"»])(?=[A-ZÉÈÀÂÎÔÇ«])"
)
"""OrangeSum glues paragraphs without a space (« …Venise.Selon le quotidien… »): the glue points
are the site's paragraph breaks."""
_SAHEL = re.compile(r"\b(Mali|Niger|Burkina|Sahel|Tchad|Bamako|Niamey|Ouagadougou|Barkhane)\b")
_CAPITALISED = re.compile(r"\b[A-ZÉÈÀÂÎÔÇ][\w'-]+")
_STOP = frozenset(
    """le la les l un une des de du d et ou a au aux en dans sur pour par avec sans sous
    ce cette ces se sa son ses leur leurs qui que qu quoi dont il elle ils elles on ne pas plus
    est sont ete etre a ont avait fait selon apres avant contre entre vers chez mais donc
    comme tout tous toute deux trois nouveau nouvelle nouvelles nouveaux face pourquoi
    comment quand veut peut doit dit video coronavirus covid 19 france francais francaise""".split()
)
OUTLETS = ("RFI", "Le Monde Afrique", "Jeune Afrique", "France 24", "APA", "Anadolu", "Sputnik")


@dataclass(frozen=True, slots=True)
class Article:
    ref: str
    day: date
    title: str
    body: str
    abstract: str
    tokens: tuple[str, ...]
    shingles: frozenset[str]
    title_terms: frozenset[str]
    names: frozenset[str]


def trim_words(text: str, limit: int = BODY_WORDS) -> str:
    """Cut ``text`` at the last sentence end before ``limit`` words (at ``limit`` if none)."""
    spans = [match.span() for match in re.finditer(r"\S+", text)]
    if len(spans) <= limit:
        return text
    cut = spans[limit - 1][1]
    kept = text[:cut]
    ends = [m.end() for m in re.finditer(r"[.!?…][»\"]?(?=\s|[A-ZÉÈÀÂÎÔÇ«]|$)", kept)]
    good = [end for end in ends if end > cut * 0.6]
    return kept[: good[-1]] if good else kept


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(fold(text))


def shingles(words: Sequence[str], size: int = 5) -> frozenset[str]:
    return frozenset(" ".join(words[i : i + size]) for i in range(max(1, len(words) - size + 1)))


def title_names(title: str) -> set[str]:
    """Capitalised title words but the first (French titles are in sentence case), and the
    « Place : » prefix many titles open with."""
    found = {fold(m.group()) for m in _CAPITALISED.finditer(title) if m.start() > 0}
    head = re.match(r"\s*([^:]{2,30})\s*:", title)
    if head:
        found.add(fold(head.group(1).strip()))
    return found - _STOP


def lead_names(body: str) -> set[str]:
    lead = " ".join(body.split()[:80])
    found = set()
    for match in _CAPITALISED.finditer(lead):
        before = lead[: match.start()].rstrip()
        if before and before[-1] not in '.!?:«"':
            found.add(fold(match.group()))
    return found - _STOP


def load_articles() -> list[Article]:
    articles = []
    splits: tuple[Split, ...] = ("train", "valid")
    for split in splits:
        for row in read_articles(split, quick=False):
            title, body = normalize_text(row["title"]), normalize_text(row["article"])
            words = tokens(f"{title} {trim_words(body)}")
            articles.append(
                Article(
                    ref=f"orangesum-{split}:{row['id']}",
                    day=date.fromisoformat(row["date"]),
                    title=title,
                    body=body,
                    abstract=normalize_text(row["abstract"]),
                    tokens=tuple(words),
                    shingles=shingles(words),
                    title_terms=frozenset(t for t in tokens(title) if len(t) > 2) - _STOP,
                    names=frozenset(title_names(title) | lead_names(body)),
                )
            )
    return articles


def containment(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


def nearby(articles: Sequence[Article], days: int) -> Iterator[tuple[Article, Article]]:
    """Every pair published at most ``days`` apart, each once, in a stable order."""
    by_day: dict[date, list[Article]] = defaultdict(list)
    for article in articles:
        by_day[article.day].append(article)
    ordered = sorted(by_day)
    for day in ordered:
        later = [d for d in ordered if 0 < (d - day).days <= days]
        same_day = by_day[day]
        for index, first in enumerate(same_day):
            for second in same_day[index + 1 :]:
                yield first, second
            for other_day in later:
                for second in by_day[other_day]:
                    yield first, second


def pair_key(a: str, b: str) -> str:
    return f"{a}|{b}"


def candidate_row(kind: str, a: Article, b: Article) -> dict[str, Any]:
    return {
        "key": pair_key(a.ref, b.ref),
        "kind": kind,
        "overlap": round(containment(a.shingles, b.shingles), 3),
        "a": side(a),
        "b": side(b),
    }


def side(article: Article) -> dict[str, str]:
    return {
        "ref": article.ref,
        "date": article.day.isoformat(),
        "title": article.title,
        "body": trim_words(article.body),
        "abstract": article.abstract,
    }


def sample_spread(
    rng: random.Random, pairs: list[tuple[Article, Article]], size: int, cap: int = 2
) -> list[tuple[Article, Article]]:
    """Draw ``size`` pairs with no article in more than ``cap`` of them (one busy story, such as
    a week of Covid figures, must not fill the set)."""
    rng.shuffle(pairs)
    uses: dict[str, int] = defaultdict(int)
    kept = []
    for a, b in pairs:
        if uses[a.ref] >= cap or uses[b.ref] >= cap:
            continue
        uses[a.ref] += 1
        uses[b.ref] += 1
        kept.append((a, b))
        if len(kept) == size:
            break
    return kept


def find_candidates(articles: Sequence[Article]) -> list[dict[str, Any]]:
    rng = random.Random(SEED)
    overlapping: list[tuple[Article, Article]] = []
    for a, b in nearby(articles, OVERLAP_DAYS):
        if len(a.shingles & b.shingles) >= 0.2 * min(len(a.shingles), len(b.shingles)):
            overlapping.append((a, b))
    high = [p for p in overlapping if containment(p[0].shingles, p[1].shingles) >= 0.5]
    low = [p for p in overlapping if containment(p[0].shingles, p[1].shingles) < 0.5]
    half = POOL_SIZES["overlap"] // 2
    chosen = sample_spread(rng, high, half) + sample_spread(rng, low, half)
    taken = {pair_key(a.ref, b.ref) for a, b in chosen}
    rows = [candidate_row("overlap", a, b) for a, b in chosen]

    sharing: list[tuple[Article, Article]] = []
    for a, b in nearby(articles, NAMES_DAYS):
        shared_names = a.names & b.names
        shared_terms = a.title_terms & b.title_terms
        if not shared_names or len(shared_names) + len(shared_terms) < 3:
            continue
        if containment(a.shingles, b.shingles) < 0.2 and pair_key(a.ref, b.ref) not in taken:
            sharing.append((a, b))
    rows += [
        candidate_row("names", a, b)
        for a, b in sample_spread(rng, sharing, POOL_SIZES["names"], cap=1)
    ]

    for _ in range(POOL_SIZES["random"]):
        a, b = rng.sample(list(articles), 2)
        rows.append(candidate_row("random", a, b))
    taken = {row["key"] for row in rows}
    return rows + sahel_candidates(articles, taken)


def sahel_candidates(articles: Sequence[Article], taken: set[str]) -> list[dict[str, Any]]:
    """Pairs of articles whose titles name the same Sahel country, at most ``SAHEL_DAYS``
    apart: the bot's own beat, where different events share every name (a separate seed, so
    that the other pools stay as they were when they were labelled)."""
    rng = random.Random(SEED + 2)
    regional = [a for a in articles if _SAHEL.search(a.title)]
    pairs = [
        (a, b)
        for a, b in nearby(regional, SAHEL_DAYS)
        if set(_SAHEL.findall(a.title)) & set(_SAHEL.findall(b.title))
        and pair_key(a.ref, b.ref) not in taken
    ]
    return [candidate_row("sahel", a, b) for a, b in sample_spread(rng, pairs, POOL_SIZES["sahel"])]


# --- Copies made the way outlets copy ---------------------------------------------------------


def paragraphs(body: str) -> list[str]:
    return [p.strip() for p in _GLUED_PARAGRAPH.split(body) if p.strip()]


def first_clause(abstract: str, words: int = 12) -> str:
    """A rewritten title from the journalist's abstract: its first clause of six words or more
    (else its first sentence), at most ``words``, without a dangling « de » or « dans »."""
    sentence = split_sentences(abstract)[0] if abstract else ""
    clauses = [c for c in re.split(r"[,;:]\s", sentence) if len(c.split()) >= 6]
    picked = (clauses[0] if clauses else sentence).rstrip(".").split()[:words]
    while picked and fold(picked[-1]) in _STOP:
        picked.pop()
    title = " ".join(picked)
    return title[:1].upper() + title[1:]


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:1].isupper() and not text[1:2].isupper() else text


def copy_pairs(articles: Sequence[Article], used: set[str]) -> list[dict[str, Any]]:
    """Pairs (article, copy) for each kind of copy, from articles no labelled pair uses; half
    of them from articles on the Sahel, the bot's beat."""
    rng = random.Random(SEED + 1)
    pool = [
        a
        for a in articles
        if a.ref not in used and len(a.tokens) >= 150 and len(paragraphs(trim_words(a.body))) >= 3
    ]
    regional = [a for a in pool if _SAHEL.search(f"{a.title} {a.body[:400]}")]
    count = COPIES_PER_KIND * len(COPY_KINDS)
    chosen = rng.sample(regional, min(len(regional), count // 2))
    others = [a for a in pool if a not in chosen]
    chosen += rng.sample(others, count - len(chosen))
    rng.shuffle(chosen)
    sources = iter(chosen)
    rows = []
    for kind, note in COPY_KINDS.items():
        for _ in range(COPIES_PER_KIND):
            article = next(sources)
            outlet = rng.choice(OUTLETS)
            original = {"title": article.title, "body": trim_words(article.body)}
            title, body = make_copy(kind, article, original["body"], outlet, rng)
            rows.append(
                {
                    "a": {**original, "source": "Orange Actu", "ref": article.ref},
                    "b": {"title": title, "body": body, "source": outlet, "ref": article.ref},
                    "same": True,
                    "kind": kind,
                    "note": note,
                }
            )
    return rows


COPY_KINDS = {
    "copy-retitled": "the same body under another title (the abstract's first clause)",
    "copy-trimmed": "the first paragraphs only (about a third to a half of the text), same title",
    "copy-new-lead": "another title and a lead sentence added: « Selon <outlet>, <abstract> »",
    "copy-reordered": "paragraphs in another order (the first one moved down), another title",
    "brief-own-sentences": "a brief: the lead sentence and one or two later ones, another title",
    "teaser": "a feed item: the title and the first sentence only",
    "copy-combined": "another title, a lead sentence added and the text cut to two paragraphs",
    "rewritten-brief": "a brief in other words: the journalist's abstract under the title",
}


def make_copy(
    kind: str, article: Article, body: str, outlet: str, rng: random.Random
) -> tuple[str, str]:
    parts = paragraphs(body)
    sentences = split_sentences(body)
    retitled = first_clause(article.abstract) or article.title
    lead = f"Selon {outlet}, {lower_first(split_sentences(article.abstract)[0])}"
    if kind == "copy-retitled":
        return retitled, body
    if kind == "copy-trimmed":
        keep = max(1, round(len(parts) * rng.uniform(0.3, 0.5)))
        return article.title, " ".join(parts[:keep])
    if kind == "copy-new-lead":
        return retitled, f"{lead} {body}"
    if kind == "copy-reordered":
        moved = parts[1:]
        rng.shuffle(moved)
        position = rng.randrange(1, len(moved) + 1)
        return retitled, " ".join([*moved[:position], parts[0], *moved[position:]])
    if kind == "brief-own-sentences":
        later = rng.sample(sentences[1:], min(len(sentences) - 1, rng.choice((1, 2))))
        picked = [sentences[0], *sorted(later, key=sentences.index)]
        return retitled, " ".join(picked)
    if kind == "teaser":
        return article.title, sentences[0]
    if kind == "copy-combined":
        return retitled, " ".join([lead, *parts[:2]])
    if kind == "rewritten-brief":
        return article.title, article.abstract
    raise ValueError(f"unknown kind of copy: {kind}")


# --- Labels and the jsonl ---------------------------------------------------------------------


def assign_parts(rows: list[dict[str, Any]]) -> None:
    """Hold out one pair in ``HELD_OUT_ONE_IN`` of each kind and label, in an order set by a
    hash of the pair's text (stratified, so every kind of pair is scored on unseen pairs)."""
    groups: dict[tuple[str, bool], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[(row["kind"], row["same"])].append(row)
    for group in groups.values():
        group.sort(key=lambda row: zlib.crc32(f"{row['a']['title']}|{row['b']['body']}".encode()))
        for index, row in enumerate(group):
            row["part"] = "heldout" if index % HELD_OUT_ONE_IN == 1 else "tune"


def read_labels(path: Path) -> dict[str, tuple[str, str]]:
    """key -> (label, note); label is 1 (same), 0 (different) or x (left out)."""
    labels = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            key, label, *note = line.split("\t")
            labels[key.strip()] = (label.strip(), note[0].strip() if note else "")
    return labels


def labels_from_pairs(path: Path) -> dict[str, tuple[str, str]]:
    labels = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if not row["kind"].startswith("corpus-"):
            continue
        key = pair_key(row["a"]["ref"], row["b"]["ref"])
        labels[key] = ("1" if row["same"] else "0", row["note"])
    return labels


def labelled_pairs(
    candidates: Sequence[dict[str, Any]], labels: dict[str, tuple[str, str]]
) -> list[dict[str, Any]]:
    """The candidates labelled 1 or 0, in the jsonl's layout."""
    rows = []
    for candidate in candidates:
        label, note = labels.get(candidate["key"], ("", ""))
        if label in ("0", "1"):
            sides = {
                name: {key: candidate[name][key] for key in ("title", "ref", "date")}
                | {"body": trim_words(candidate[name]["body"]), "source": "Orange Actu"}
                for name in ("a", "b")
            }
            kind = f"corpus-{candidate['kind']}"
            rows.append({**sides, "same": label == "1", "kind": kind, "note": note})
    return rows


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("candidates", help=f"write {CANDIDATES_PATH.relative_to(REPO_ROOT)}")
    show = commands.add_parser("show", help="print candidates to read")
    show.add_argument("kind", choices=sorted(POOL_SIZES))
    show.add_argument("start", type=int)
    show.add_argument("count", type=int)
    make = commands.add_parser("build", help=f"write {PAIRS_PATH.relative_to(REPO_ROOT)}")
    make.add_argument("--labels", type=Path, help="labels file (default: those in the jsonl)")
    args = parser.parse_args(argv)

    if args.command == "candidates":
        rows = find_candidates(load_articles())
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        with CANDIDATES_PATH.open("w", encoding="utf-8") as out:
            for row in rows:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"{len(rows)} candidates in {CANDIDATES_PATH}")
    elif args.command == "show":
        candidates = [json.loads(line) for line in CANDIDATES_PATH.open(encoding="utf-8")]
        chosen = [c for c in candidates if c["kind"] == args.kind]
        for number, row in enumerate(chosen[args.start : args.start + args.count], args.start):
            print_candidate(number, row)
    else:
        candidates = [json.loads(line) for line in CANDIDATES_PATH.open(encoding="utf-8")]
        labels = read_labels(args.labels) if args.labels else labels_from_pairs(PAIRS_PATH)
        used = {c[side]["ref"] for c in candidates for side in ("a", "b")}
        rows = labelled_pairs(candidates, labels) + copy_pairs(load_articles(), used)
        assign_parts(rows)
        with PAIRS_PATH.open("w", encoding="utf-8") as out:
            for row in rows:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        same = sum(1 for row in rows if row["same"])
        print(f"{len(rows)} pairs ({same} same event) in {PAIRS_PATH}")


def print_candidate(number: int, row: dict[str, Any]) -> None:
    print(f"\n=== {number} {row['key']}  overlap {row['overlap']}")
    for name in ("a", "b"):
        item = row[name]
        print(f"{name.upper()} {item['date']}  {item['title']}")
        print(f"   abstract: {item['abstract']}")
        if row["kind"] in ("overlap", "sahel"):
            print(f"   {' '.join(item['body'].split()[:45])}")


if __name__ == "__main__":
    main()
