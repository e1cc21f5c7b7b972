"""FastAPI service: health, Rasa's custom-action webhook, and (later) tickets, diagnostics, search."""
