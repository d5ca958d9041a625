"""Bot API method table (from the committed ``api_methods.json``) and parameter decoding.

Telegram accepts parameters as a JSON body, a query string, urlencoded form or multipart
form. In the last three every value is a string, and non-string values (integers,
booleans, objects such as ``reply_markup``) arrive JSON-encoded; python-telegram-bot 22
always uses the form encodings (``httpx`` ``data=`` / ``files=``). Decoding is therefore
driven by the declared field types, as on the real server: a ``text`` of ``"123"`` stays a
string while a ``message_id`` of ``"123"`` becomes an integer.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from .errors import bad_request

SPEC_PATH = Path(__file__).with_name("api_methods.json")
_INT_RE = re.compile(r"-?\d+")


@dataclass(frozen=True)
class Field:
    """One declared parameter of a method."""

    name: str
    types: tuple[str, ...]
    required: bool


@dataclass(frozen=True)
class Method:
    """One Bot API method: canonical name, parameters and return types."""

    name: str
    fields: dict[str, Field]
    returns: tuple[str, ...]


@cache
def load_methods() -> dict[str, Method]:
    """All methods keyed by lower-cased name (Telegram matches method names case-insensitively)."""
    raw = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    methods: dict[str, Method] = {}
    for name, body in raw["methods"].items():
        fields = {fname: Field(fname, tuple(f["types"]), bool(f["required"])) for fname, f in body["fields"].items()}
        methods[name.lower()] = Method(name, fields, tuple(body["returns"]))
    return methods


def find_method(name: str) -> Method | None:
    """The method called ``name`` in any letter case, or ``None``."""
    return load_methods().get(name.lower())


def decode_value(field: Field | None, value: Any) -> Any:
    """Turn a transport value into the typed value the declared field expects."""
    if not isinstance(value, str) or field is None:
        return value
    types = set(field.types)
    if types <= {"String"}:
        return value
    if "InputFile" in types and not value.startswith(("{", "[")):
        return value  # a file_id, URL or attach:// reference
    if "Integer" in types and "String" in types:
        # chat_id: numeric ids become ints, "@channelusername" stays a string.
        return int(value) if _INT_RE.fullmatch(value) else value
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        if "String" in types:
            return value
        if field.name == "reply_markup":
            raise bad_request("can't parse reply keyboard markup JSON object") from None
        if field.name.endswith("entities"):
            raise bad_request("can't parse entities JSON object") from None
        raise bad_request(f"invalid value for parameter {field.name!r}") from None


def decode_params(method: Method, raw: dict[str, Any]) -> dict[str, Any]:
    """Decode every parameter by its declared type; unknown parameters are kept as-is."""
    return {key: decode_value(method.fields.get(key), value) for key, value in raw.items()}


def missing_required(method: Method, params: dict[str, Any]) -> list[str]:
    """Names of required parameters that are absent (or null) in ``params``."""
    return [f.name for f in method.fields.values() if f.required and params.get(f.name) is None]
