"""VocabularyGuard (component.py): no known word (model.py) means not understood."""
