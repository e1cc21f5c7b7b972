"""The diagnostic expert system (experta): knowledge as data, one generated engine per equipment
family. Framework-free: no Rasa or FastAPI imports."""
