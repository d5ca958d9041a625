"""A tiny HTTP health endpoint (``GET /healthz``) for container health checks and load balancers.

Reports whether the knowledge is loaded and the database answers; 200 when both are fine, 503 if not.
Standard library only, so it runs the same in polling and webhook mode and costs nothing at start-up.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable

log = logging.getLogger("bot.health")


def health_status(knowledge_ok: Callable[[], bool], database_ok: Callable[[], bool]) -> tuple[int, dict[str, object]]:
    """Return (HTTP status, body) from the two checks; a check that raises counts as failed."""
    checks: dict[str, object] = {}
    for name, check in (("knowledge", knowledge_ok), ("database", database_ok)):
        try:
            checks[name] = bool(check())
        except Exception:  # any failure of a check is "not healthy", never a crash of the endpoint
            checks[name] = False
    healthy = all(checks.values())
    return (200 if healthy else 503), {"status": "ok" if healthy else "unhealthy", **checks}


async def start_health_server(
    host: str, port: int, knowledge_ok: Callable[[], bool], database_ok: Callable[[], bool]
) -> asyncio.Server:
    """Start serving /healthz on host:port and return the server (close it to stop)."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await asyncio.wait_for(reader.readline(), timeout=5)
            parts = request.decode("latin-1").split()
            if len(parts) >= 2 and parts[0] == "GET" and parts[1].split("?")[0] == "/healthz":
                status, body = health_status(knowledge_ok, database_ok)
            else:
                status, body = 404, {"status": "not found"}
            payload = json.dumps(body).encode()
            reason = {200: "OK", 404: "Not Found", 503: "Service Unavailable"}[status]
            writer.write(
                f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n".encode() + payload
            )
            await writer.drain()
        except (TimeoutError, ConnectionError, UnicodeError):
            pass  # a client that goes away or sends garbage gets nothing
        finally:
            writer.close()

    server = await asyncio.start_server(handle, host, port)
    log.info("health endpoint listening", extra={"event": "health_started"})
    return server
