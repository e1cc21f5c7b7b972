"""Custom Rasa actions: thin adapters from Rasa to the project's services.

Served by the API process (api/routes/actions.py) through rasa-sdk's ActionExecutor, so no separate
action server is needed. Actions return response keys; the text lives in the domain, per language.
"""
