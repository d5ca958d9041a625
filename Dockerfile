# patient-bot container: slim Python, non-root, dependencies from the project's own metadata.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATIENT_BOT_DATABASE=/data/patient-bot.sqlite3 \
    MPLCONFIGDIR=/app/.matplotlib

WORKDIR /app
# The package carries its default knowledge (package data bot/defaults, from knowledge/); a clinic's own
# folder is mounted and named by PATIENT_BOT_KNOWLEDGE (docker-compose.yml).
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY knowledge ./knowledge
RUN pip install . && rm -rf /app/bot /app/knowledge

RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin bot \
    && mkdir -p /data && chown bot:bot /data \
    && python -c "import matplotlib.font_manager" && chown -R bot:bot /app/.matplotlib
# matplotlib's font cache is built once here (MPLCONFIGDIR), not at the first chart of every container.
USER bot

# The database (users, reminders, counters) lives on a volume so it survives upgrades.
VOLUME ["/data"]
# 8443: webhook server (webhook mode); 8080: GET /healthz.
EXPOSE 8443 8080

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4).status == 200 else 1)"

CMD ["patient-bot", "run"]
