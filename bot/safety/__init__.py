"""Safety triage: emergencies first, then changes to a medicine, before anything else reads a message.

``triage.py`` combines the red-flag catalogue (``catalogue.py`` over ``phrases.py``) and its context
rules (``context.py``, ConText-style), the classifier (``classifier.py``) and other languages
(``language.py``); ``texts.py`` holds what is said. Everything it knows is data under ``knowledge/``.
"""
