"""The knowledge pack's validation error, raised by every reader of the pack."""

from __future__ import annotations


class KnowledgeError(Exception):
    """A knowledge file breaks its schema or a cross-reference: names the file, the entry and
    the rule it breaks."""

    def __init__(self, file: str, entry: str, problem: str) -> None:
        super().__init__(f"{file}: {entry}: {problem}")
        self.file, self.entry, self.problem = file, entry, problem
