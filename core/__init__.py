"""What every part of the assistant shares and nothing else defines: the supported languages,
text folding, and the shapes of the knowledge pack's ids. Framework-free, and it imports no
other package of the project (so the domain packages, the Rasa components in their own Python
and the API can all depend on it)."""
