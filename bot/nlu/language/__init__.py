"""LanguageDetector: the `language` entity of every message (model: core/language_detection.py)."""
