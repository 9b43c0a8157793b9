""""Did you mean" for model ids: rank catalog ids by similarity to what the user typed.

The score mixes three views of the same two strings, because each one alone fails on real typos:

* query coverage — each word of the query ("sonet", "4.5") is found among the id's words, exactly or
  (for words made of letters) by a close spelling; numbers must match exactly ("4.5" is not "4.6");
* id coverage — how much of the id's own name the query accounts for, so ``gpt-4o`` beats ``gpt-4o-mini``;
* the overall similarity of both strings with punctuation removed (difflib's ratio).

Variants (``:free``, ``:batch``) rank just below their base model unless the query names one.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from functools import lru_cache

__all__ = ["similarity", "suggest"]

# Words: numbers with their dots and unit suffix ("4.5", "70b", "4o"), or runs of letters.
_TOKEN = re.compile(r"\d+(?:\.\d+)*[a-z]*|[a-z]+")
_NOT_ALNUM = re.compile(r"[\W_]+")
_MIN_SCORE = 0.5
_CLOSE = 0.75  # difflib ratio at which two words count as the same word misspelt


def _tokens(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_TOKEN.findall(text.casefold())))


def _compact(text: str) -> str:
    return _NOT_ALNUM.sub("", text.casefold())


@lru_cache(maxsize=8192)
def _parts(model_id: str) -> tuple[tuple[str, ...], tuple[str, ...], str, str, str]:
    """(all words, slug words, compact slug, compact id without variant, variant) of an id."""
    base, _, variant = model_id.partition(":")
    slug = base.split("/", 1)[-1]
    return _tokens(base), _tokens(slug), _compact(slug), _compact(base), variant.casefold()


@lru_cache(maxsize=65536)
def _word_match(query_word: str, word: str) -> float:
    """1 for the same word, the spelling ratio for close words of letters, 0.5 for "4" vs "4.5"."""
    if query_word == word:
        return 1.0
    if query_word.isalpha() and word.isalpha():
        matcher = difflib.SequenceMatcher(None, query_word, word)
        if matcher.real_quick_ratio() < _CLOSE or matcher.quick_ratio() < _CLOSE:
            return 0.0
        ratio = matcher.ratio()
        return ratio if ratio >= _CLOSE else 0.0
    if query_word[0].isdigit() and word[0].isdigit() and (word.startswith(query_word) or query_word.startswith(word)):
        return 0.5
    return 0.0


def similarity(query: str, model_id: str) -> float:
    """How much ``model_id`` looks like what was typed, from 0 (nothing alike) to about 1 (same)."""
    words, slug_words, slug, base, variant = _parts(model_id)
    q_base, _, q_variant = query.partition(":")
    q_words = _tokens(q_base)
    if not q_words or not words:
        return 0.0
    best = [max(_word_match(q, w) for w in words) for q in q_words]
    query_cover = sum(best) / len(q_words)
    matched = sum(1 for w in slug_words if any(_word_match(q, w) >= _CLOSE for q in q_words))
    id_cover = matched / len(slug_words) if slug_words else 0.0
    target = base if "/" in q_base else slug
    ratio = difflib.SequenceMatcher(None, _compact(q_base), target).ratio()
    score = 0.55 * query_cover + 0.2 * id_cover + 0.25 * ratio
    if variant != q_variant.casefold():
        score -= 0.05
    return score


def suggest(model_id: str, ids: Iterable[str], n: int = 3) -> list[str]:
    """Up to ``n`` catalog ids most like ``model_id``, best first (empty when nothing is close).

        >>> suggest("gpt4o", catalog_ids)
        ['openai/gpt-4o', 'openai/gpt-4o:batch', 'openai/gpt-4o-mini']
    """
    query = model_id.strip()
    if not query or n <= 0:
        return []
    scored = [(similarity(query, i), i) for i in dict.fromkeys(ids) if isinstance(i, str)]
    scored = [pair for pair in scored if pair[0] >= _MIN_SCORE]
    scored.sort(key=lambda pair: (-pair[0], len(pair[1]), pair[1]))
    return [i for _, i in scored[:n]]
