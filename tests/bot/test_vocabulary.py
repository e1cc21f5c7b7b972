from __future__ import annotations

from bot.nlu.vocabulary.model import Vocabulary, words


def test_words_fold_case_and_accents_and_keep_codes():
    assert words("Καλημέρα! Code E101, 42") == ["καλημερα", "code", "e101"]


def test_known_share_counts_exact_words_and_single_typos():
    vocabulary = Vocabulary.from_texts(["thanks a lot", "guten morgen"])
    assert vocabulary.known_share("thanks") == 1.0
    assert vocabulary.known_share("thnaks") == 1.0  # one transposition in a long word
    assert vocabulary.known_share("guten morgn") == 1.0
    assert vocabulary.known_share("asdfgh qwerty") == 0.0
    assert vocabulary.known_share("thanks qwertyuiop") == 0.5
    assert vocabulary.known_share("") == 0.0
    assert vocabulary.known_share("👍👍") == 0.0


def test_short_unknown_words_are_not_matched_fuzzily():
    vocabulary = Vocabulary.from_texts(["hi"])
    assert not vocabulary.is_known("ho")
    assert vocabulary.is_known("hi")
