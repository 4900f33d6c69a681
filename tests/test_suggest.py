"""Close forms of unknown words (w2v.suggest): case first, then one edit, most frequent first."""

from __future__ import annotations

from w2v.suggest import Suggester, did_you_mean

WORDS = ["the", "king", "paris", "kings", "Paris", "queen", "PARIS", "kin", "Straße", "naïve"]


def test_case_variants_come_first_in_frequency_order():
    s = Suggester(WORDS)
    assert s.suggest("Paris") == ["paris", "PARIS"]  # itself excluded
    assert s.suggest("KING") == ["king", "kings", "kin"]
    assert s.suggest("STRASSE") == ["Straße"]  # Unicode case folding: ß folds to ss


def test_one_edit_away_deletion_insertion_replacement_transposition():
    s = Suggester(WORDS)
    assert s.suggest("paris,") == ["paris", "Paris", "PARIS"]  # punctuation left on it
    assert s.suggest("quen") == ["queen"]  # insertion
    assert s.suggest("queeen") == ["queen"]  # deletion
    assert s.suggest("qeuen") == ["queen"]  # transposition
    assert s.suggest("naive") == ["naïve"]  # replacement by a character of the vocabulary
    assert s.suggest("zzzz") == []
    assert s.suggest("king", limit=2) == ["kings", "kin"]


def test_message_form():
    assert did_you_mean(["king", "kings"]) == " (did you mean king, kings?)"
    assert did_you_mean([]) == ""
