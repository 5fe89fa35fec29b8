"""Domain exceptions raised by the core; the shell turns them into messages."""
from __future__ import annotations


class RevOpsError(Exception):
    """Base class of every error the core raises on purpose."""


class ConfigError(RevOpsError, ValueError):
    """Configuration is invalid; ``problems`` lists every problem with its file and key."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("Invalid configuration:\n" + "\n".join(f"- {p}" for p in self.problems))


class ImportRejected(RevOpsError):
    """An import was rejected; ``problems`` name file, row, column and the fix."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__(f"Import rejected ({len(self.problems)} problem(s)); nothing was written:\n"
                         + "\n".join(f"- {p}" for p in self.problems))


class ScenarioError(RevOpsError, ValueError):
    """Scenario parameters cannot be evaluated."""
