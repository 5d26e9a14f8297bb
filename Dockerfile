# syntax=docker/dockerfile:1
# One image for every govmesh service (ARCHITECTURE "Running it"):
#   python -m govmesh.<service>            ingest validator eligibility contracts executor auditor health console
#   python -m govmesh.<service> migrate    ingest contracts executor (schema migrations)
#   govmesh ...                            the CLI (e.g. `govmesh keys init DIR`)
# Settings are GOVMESH_* environment variables; see docker-compose.yml and deploy/helm/govmesh.

ARG PYTHON_VERSION=3.11

FROM python:${PYTHON_VERSION}-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/govmesh
WORKDIR /src
# src/govmesh/<name> are relative symlinks into libs/ and services/: copy all four together.
COPY pyproject.toml README.md ./
COPY libs ./libs
COPY services ./services
COPY src ./src
RUN /opt/govmesh/bin/pip install . \
 && /opt/govmesh/bin/python -c "import govmesh.schemas, govmesh.mesh"

FROM python:${PYTHON_VERSION}-slim-bookworm
LABEL org.opencontainers.image.title="govmesh" \
      org.opencontainers.image.description="Governed, auditable change control: a Kafka-driven mesh of authority services."
ENV PATH=/opt/govmesh/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    GOVMESH_HTTP_HOST=0.0.0.0 \
    GOVMESH_HTTP_PORT=8080 \
    GOVMESH_KEYS_DIR=/etc/govmesh/keys
# A fixed non-root uid, so Kubernetes' runAsNonRoot can verify it; /var/lib/govmesh/keys is where
# docker-compose's key one-shot writes (a named volume takes this directory's owner).
RUN groupadd --system --gid 10001 govmesh \
 && useradd --system --uid 10001 --gid govmesh --home-dir /var/lib/govmesh --no-create-home \
      --shell /usr/sbin/nologin govmesh \
 && mkdir -p /etc/govmesh/keys /var/lib/govmesh/keys \
 && chown -R govmesh:govmesh /var/lib/govmesh
COPY --from=build /opt/govmesh /opt/govmesh
USER 10001:10001
WORKDIR /var/lib/govmesh
EXPOSE 8080
CMD ["govmesh", "--help"]
