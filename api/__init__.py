"""FastAPI service: health, Rasa's custom-action webhook; tickets, diagnostics and search
follow."""
