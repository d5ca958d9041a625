"""Extract the compact Bot API method table the fake server needs.

The full machine-readable spec (``/work/shared/telegram/api.json``) only exists on the
development machine, so this script distils it into ``api_methods.json`` next to this
file, which is committed and loaded by :mod:`tests.fake_telegram.spec` at test time.

Run once (and again whenever the spec is updated)::

    python tests/fake_telegram/make_spec.py [path/to/api.json]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

DEFAULT_SOURCE = Path("/work/shared/telegram/api.json")
TARGET = Path(__file__).with_name("api_methods.json")


def compact(spec: dict[str, Any]) -> dict[str, Any]:
    """Keep only method names, field names/types/required flags and return types."""
    methods: dict[str, Any] = {}
    for name in sorted(spec["methods"]):
        method = spec["methods"][name]
        methods[name] = {
            "fields": {
                field["name"]: {"types": field["types"], "required": bool(field["required"])}
                for field in method.get("fields", [])
            },
            "returns": method.get("returns", []),
        }
    return {"version": spec.get("version", ""), "methods": methods}


def main(argv: list[str]) -> int:
    """Read the full spec, write the compact one; returns a process exit code."""
    source = Path(argv[1]) if len(argv) > 1 else DEFAULT_SOURCE
    data = compact(json.loads(source.read_text(encoding="utf-8")))
    # One method per line keeps diffs readable when the spec changes.
    lines = [f"  {json.dumps(name)}: {json.dumps(body, sort_keys=True)}" for name, body in data["methods"].items()]
    text = '{\n"version": ' + json.dumps(data["version"]) + ',\n"methods": {\n' + ",\n".join(lines) + "\n}\n}\n"
    json.loads(text)  # sanity check: the hand-joined text must be valid JSON
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {len(data['methods'])} methods ({data['version']}) to {TARGET}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
