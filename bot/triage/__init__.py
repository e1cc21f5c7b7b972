"""Triage: what every customer message goes through before any flow, in this order:
danger (bot/triage/safety.py) -> domain (bot/triage/scope.py) -> language -> intent and
entities -> the flow. Free of Rasa; bot/triage/triage.py puts the stages together."""
