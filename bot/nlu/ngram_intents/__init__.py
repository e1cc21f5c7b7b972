"""NgramIntentClassifier (component.py) over the n-gram linear intent model (model.py)."""
