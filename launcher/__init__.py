"""Starts the local deployment: trains the Rasa model when its inputs changed, then supervises the
API (with the action webhook) and the Rasa server. `python -m launcher --help`."""
