"""Conversation analytics from Rasa's own event broker: the events of every conversation
(Rasa's SQL broker rows or its Pika broker's RabbitMQ messages) folded into one record per
conversation, one per customer message and one per guided diagnosis (db/analytics.py).

- `events`: an event slimmed to what the analytics read, and its idempotency key;
- `fold`: a conversation's events -> its rows (pure, no database);
- `store`: a batch of events into the tables, one transaction with the consumer's cursor;
- `sources`: the SQL broker's table read after a durable cursor, the RabbitMQ queue;
- `consumer`: the thread beside the API that keeps the tables up to date."""
