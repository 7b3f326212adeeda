# TensorFlow CPU sandbox image, for hosts that reach an image registry and PyPI.
# The offline builder (python -m sandbox.images --framework tensorflow) makes the same
# image without a registry.
#   docker build -f sandbox/images/docker/tensorflow-cpu.Dockerfile -t cert-engine/sandbox-tensorflow-cpu:registry .
# Holds no secrets; runs as uid 10001.
ARG BASE=python:3.11-slim-bookworm
FROM ${BASE}
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 LANG=C.UTF-8 PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 TF_CPP_MIN_LOG_LEVEL=1
RUN set -eux; \
    pip install tensorflow-cpu==2.21.0; \
    groupadd -g 10001 sandbox; useradd -u 10001 -g 10001 -d /tmp -s /usr/sbin/nologin sandbox; \
    mkdir -p /work; \
    find / -xdev -perm /6000 -type f -exec chmod ug-s {} + ; \
    rm -rf /root/.cache
LABEL cert-engine.sandbox.image=tensorflow-cpu
USER 10001:10001
WORKDIR /work
CMD ["python3"]
