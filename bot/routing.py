"""The command registry: one typed table from each command name and each button type to its handler.

A feature (``bot/handlers/*.py``, ``bot/reminders/service.py``...) is a :class:`HandlerGroup`: it offers
``commands()`` by name and ``buttons()`` by payload type. The :class:`Router` merges the groups once at
start-up, refusing a name or button type claimed twice, and the Assistant asks it for the handler of
each message or press. The command *texts* (description, usage, aliases, admin) are content, in
``knowledge/messages.yaml``; a test checks that the YAML's commands and the registered handlers match.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from bot.buttons import CallbackData
from bot.models import Incoming, Reply

T = TypeVar("T", bound=CallbackData)
CommandHandler = Callable[[Incoming, str, datetime], list[Reply]]


@dataclass(frozen=True)
class CommandRoute:
    """A command's handler: ``handler(message, args, now) -> replies``."""

    handler: CommandHandler
    before_consent: bool = False  # works before the disclaimer is accepted (it explains the bot or erases data)
    slow: bool = False  # takes long (a reload): an async channel runs it off its event loop so answers keep flowing


@dataclass(frozen=True)
class ButtonRoute(Generic[T]):
    """A button's handler, called with the decoded payload of its type."""

    kind: type[T]
    handler: Callable[[Incoming, T, datetime], list[Reply]]
    before_consent: bool = False
    personal: bool = False  # acts on the presser's own data: private chat only

    def __call__(self, message: Incoming, data: CallbackData, now: datetime) -> list[Reply]:
        """Run the handler on a payload of this route's type."""
        if not isinstance(data, self.kind):
            raise TypeError(f"{type(data).__name__} sent to the route of {self.kind.__name__}")
        return self.handler(message, data, now)


class AnyButtonRoute(Protocol):
    """What the router needs of a button route, whatever its payload type."""

    @property
    def kind(self) -> type[CallbackData]: ...

    @property
    def before_consent(self) -> bool: ...

    @property
    def personal(self) -> bool: ...

    def __call__(self, message: Incoming, data: CallbackData, now: datetime) -> list[Reply]: ...


class HandlerGroup(Protocol):
    """A feature's handlers."""

    def commands(self) -> Mapping[str, CommandRoute]: ...

    def buttons(self) -> Iterable[AnyButtonRoute]: ...


class Router:
    """Every command and button of the bot, merged from the handler groups."""

    def __init__(self, groups: Iterable[HandlerGroup]) -> None:
        """Merge the groups; ValueError when two claim the same command or button type."""
        self._commands: dict[str, CommandRoute] = {}
        self._buttons: dict[type[CallbackData], AnyButtonRoute] = {}
        for group in groups:
            for name, route in group.commands().items():
                if name in self._commands:
                    raise ValueError(f"command /{name} is registered twice")
                self._commands[name] = route
            for button in group.buttons():
                if button.kind in self._buttons:
                    raise ValueError(f"button {button.kind.__name__} is registered twice")
                self._buttons[button.kind] = button

    def command(self, name: str) -> CommandRoute | None:
        """Return the route of a command (by its canonical name), if registered."""
        return self._commands.get(name)

    def button(self, data: CallbackData) -> AnyButtonRoute | None:
        """Return the route of a button payload, if registered."""
        return self._buttons.get(type(data))

    def command_names(self) -> frozenset[str]:
        """Return the names of every registered command."""
        return frozenset(self._commands)
