"""The project's own NLU components for the Rasa pipeline (`config.yml`), one folder each:

- `model.py`, the pure model: no Rasa import, so it is tested and benchmarked in the main
  environment too;
- `component.py`, the Rasa graph component: it trains the model on Rasa's training data, stores
  it in the trained model (through `stored.py`, the components' common base) and applies it to
  each message.

`language/` (LanguageDetector; its model is core/language_detection.py, shared with the REST
channel and the manuals' search), `ngram_intents/` (NgramIntentClassifier over NgramIntentModel),
`vocabulary/` (VocabularyGuard over Vocabulary).

This code runs inside the Rasa server, on Python 3.9/3.10.
"""
