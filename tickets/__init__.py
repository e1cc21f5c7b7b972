"""The ticket service's domain: workflow, SLA clocks, priority rules, persistence, outbox.

Framework-free: nothing here imports FastAPI or rasa_sdk. `api/tickets/routes.py` and the
Rasa actions are thin adapters around these modules.
"""
