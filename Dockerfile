# dramabot in a container: `docker compose up -d` (see compose.yaml and the README).
# Every command below is run by tests/test_wheel.py on the built wheel.

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml setup.py README.md LICENSE ./
COPY bot ./bot
COPY cogs ./cogs
COPY migrations ./migrations
RUN pip wheel --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DATABASE_PATH=/data/dramabot.sqlite3
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl
RUN useradd --system --uid 10001 --create-home dramabot && mkdir /data && chown dramabot /data
USER dramabot
WORKDIR /home/dramabot
VOLUME /data
RUN dramabot check
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 CMD dramabot health
STOPSIGNAL SIGTERM
CMD ["dramabot", "run"]
