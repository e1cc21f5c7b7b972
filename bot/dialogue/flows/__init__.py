"""One module per use case of the conversation: the machine, diagnosis, manuals, service data,
tickets and escalation, feedback, small talk, the safety question. The router
(bot/dialogue/controller.py) picks the step; a flow step takes the `Turn`, what the message
names (`Mentions`) and the `Outcome` it fills."""
