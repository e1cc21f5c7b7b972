"""The assistant's dialogue logic, free of Rasa: what to say and what to do next, given what the
customer said and what the conversation knows. `bot/actions` adapts it to rasa_sdk."""
