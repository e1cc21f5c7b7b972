"""Remote monitoring of the installed fleet: telemetry in over MQTT, the knowledge pack's
critical conditions evaluated on it, alerts and tickets out."""
