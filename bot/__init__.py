"""Patient assistant bot: cited answers on anastrozole and bone health, glossary, monitoring reminders."""

__version__ = "0.1.0"
