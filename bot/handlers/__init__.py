"""Command and button handlers, one module per feature: each is a ``HandlerGroup`` for ``bot/routing.py``.

``general``: /start, /help, /disclaimer, /privacy, /forget, /stats, /reload and consent; ``answers``:
/glossary and the buttons under an answer. Reminder handlers live with their feature
(``bot/reminders/service.py``). To add a command: its entry in ``knowledge/messages.yaml``, its
handler in one of these modules (or a new group listed in ``bot/assistant.py``), and a dialog test.
"""
