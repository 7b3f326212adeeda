# PyTorch CPU sandbox image, for hosts that reach an image registry and PyPI.
# The offline builder (python -m sandbox.images --framework pytorch) makes the same
# image without a registry. Build from the repository root:
#   docker build -f sandbox/images/docker/pytorch-cpu.Dockerfile \
#       --build-arg TORCH_INDEX_URL=<the PyTorch CPU wheel index> -t cert-engine/sandbox-pytorch-cpu:registry .
# Without TORCH_INDEX_URL pip takes torch from the default index (a larger, CUDA-enabled
# wheel that works on CPU too). Holds no secrets; runs as uid 10001.
ARG BASE=python:3.11-slim-bookworm
FROM ${BASE}
ARG TORCH_INDEX_URL=
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 LANG=C.UTF-8 PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN set -eux; \
    if [ -n "$TORCH_INDEX_URL" ]; then extra="--extra-index-url $TORCH_INDEX_URL"; torch="torch==2.13.0+cpu"; \
    else extra=""; torch="torch==2.13.0"; fi; \
    pip install $extra "$torch" numpy==2.4.6; \
    python -m compileall -q /usr/local/lib/python3.11 || true; \
    groupadd -g 10001 sandbox; useradd -u 10001 -g 10001 -d /tmp -s /usr/sbin/nologin sandbox; \
    mkdir -p /work; \
    find / -xdev -perm /6000 -type f -exec chmod ug-s {} + ; \
    rm -rf /usr/local/lib/python3.11/site-packages/torch/include /root/.cache
LABEL cert-engine.sandbox.image=pytorch-cpu
USER 10001:10001
WORKDIR /work
CMD ["python3"]
