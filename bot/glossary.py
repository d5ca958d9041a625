"""Compatibility alias: the glossary lives in ``bot/knowledge/glossary.py`` (knowledge imports nothing above it)."""

from bot.knowledge.glossary import MAX_QUERY_CHARS, Glossary

__all__ = ["MAX_QUERY_CHARS", "Glossary"]
