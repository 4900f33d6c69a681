"""Close forms of a word that is not in the vocabulary: the hints "did you mean ...?".

A newcomer's query often differs from a vocabulary word by case (``King`` for ``king``), by
punctuation left on it (``paris,``) or by one typo (``quen``). :class:`Suggester` finds the
vocabulary words equal to the query up to case (Unicode case folding), and then those one
edit away from it (a character deleted, inserted, replaced, or two neighbours swapped, case
folded), most frequent first. Candidates are looked up in a dict, so a query costs a few
thousand look-ups whatever the vocabulary's size.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

__all__ = ["Suggester", "did_you_mean"]

#: Characters tried for insertions and replacements, besides those of the query itself:
#: the most common ones of the vocabulary's most frequent words.
_ALPHABET_SIZE = 40
_ALPHABET_WORDS = 5000


class Suggester:
    """Close forms of unknown words among ``words``.

    Parameters
    ----------
    words : sequence of str
        The vocabulary, most frequent first (the order of a word2vec file).
    """

    def __init__(self, words: Sequence[str]) -> None:
        self._words = words
        self._folded: dict[str, list[int]] = {}
        for i, w in enumerate(words):
            self._folded.setdefault(w.casefold(), []).append(i)
        common = Counter(c for w in words[:_ALPHABET_WORDS] for c in w.casefold())
        self._alphabet = "".join(c for c, _ in common.most_common(_ALPHABET_SIZE))

    def suggest(self, word: str, limit: int = 5) -> list[str]:
        """Up to ``limit`` vocabulary words close to ``word``: those equal to it up to case
        first, then those one edit away, each group most frequent first (``word`` itself is
        never among them)."""
        key = word.casefold()
        same = [i for i in self._folded.get(key, ()) if self._words[i] != word]
        near: set[int] = set()
        for candidate in self._edits(key):
            near.update(self._folded.get(candidate, ()))
        near.difference_update(same)
        rows = sorted(same) + sorted(i for i in near if self._words[i] != word)
        return [self._words[i] for i in rows[:limit]]

    def _edits(self, key: str) -> set[str]:
        letters = self._alphabet + "".join(dict.fromkeys(key))
        splits = [(key[:i], key[i:]) for i in range(len(key) + 1)]
        edits = {a + b[1:] for a, b in splits if b}
        edits |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
        edits |= {a + c + b[1:] for a, b in splits if b for c in letters}
        edits |= {a + c + b for a, b in splits for c in letters}
        edits.discard(key)
        return edits


def did_you_mean(suggestions: Sequence[str]) -> str:
    """`` (did you mean king, kings?)`` for a message, or ``""`` without suggestions."""
    return f" (did you mean {', '.join(suggestions)}?)" if suggestions else ""
