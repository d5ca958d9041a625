"""Error types shared by the core."""

# What chooses the knowledge folder, for "not found" messages (the setting's row is in bot/config.py).
KNOWLEDGE_SETTING = "knowledge_dir in the config file or PATIENT_BOT_KNOWLEDGE"


class KnowledgeError(ValueError):
    """A knowledge file is missing or invalid; the message names the file and the entry."""

    def __init__(self, file: str, entry: str, problem: str) -> None:
        super().__init__(f"{file}: {entry}: {problem}")
        self.file = file
        self.entry = entry
        self.problem = problem


class ConfigError(ValueError):
    """The configuration (file or environment) is invalid; the message says which key and why."""
