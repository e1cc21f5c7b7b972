"""Rasa input channels (run inside the Rasa server's environment)."""
