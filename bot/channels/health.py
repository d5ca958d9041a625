"""A tiny HTTP health endpoint (``GET /healthz``) for container health checks and load balancers.

Reports what the bot knows about itself (``Runtime.health`` and the channel's additions): knowledge
loaded; database writable by the last real write probe and its file still the one opened; the instance
lease held; in webhook mode, Telegram's webhook still this instance's. 200 with ``"status": "ok"`` when
every check is true, 503 with ``"status": "degraded"`` and the reasons when one is false. Standard
library only, so it runs the same in polling and webhook mode and costs nothing at start-up.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Mapping

log = logging.getLogger("bot.health")
CHECKS = ("knowledge", "database", "lease", "webhook")  # a false one makes the bot degraded


def health_status(report: Callable[[], Mapping[str, object]]) -> tuple[int, dict[str, object]]:
    """Return (HTTP status, body) from the report; a report that raises counts as degraded."""
    try:
        body = dict(report())
    except Exception:  # any failure of a check is "not healthy", never a crash of the endpoint
        body = {"knowledge": False, "report_failed": True}
    healthy = all(body.get(name) is not False for name in CHECKS)
    return (200 if healthy else 503), {"status": "ok" if healthy else "degraded", **body}


async def start_health_server(host: str, port: int, report: Callable[[], Mapping[str, object]]) -> asyncio.Server:
    """Start serving /healthz on host:port and return the server (close it to stop)."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await asyncio.wait_for(reader.readline(), timeout=5)
            parts = request.decode("latin-1").split()
            if len(parts) >= 2 and parts[0] == "GET" and parts[1].split("?")[0] == "/healthz":
                status, body = health_status(report)
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
