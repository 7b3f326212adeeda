# PyTorch CUDA sandbox image for GPU workers (each run is handed exactly one device by
# a Docker device request; the NVIDIA container toolkit must be installed on the host).
#   docker build -f sandbox/images/docker/pytorch-cuda.Dockerfile -t cert-engine/sandbox-pytorch-cuda:registry .
# torch from the default index bundles its CUDA runtime libraries; the CUDA base brings
# the matching user-space pieces. Holds no secrets; runs as uid 10001.
ARG BASE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04
FROM ${BASE}
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 LANG=C.UTF-8 PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_BREAK_SYSTEM_PACKAGES=1 \
    NVIDIA_VISIBLE_DEVICES=none NVIDIA_DRIVER_CAPABILITIES=compute,utility
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends python3 python3-pip python-is-python3; \
    rm -rf /var/lib/apt/lists/*; \
    pip install torch==2.13.0 numpy==2.4.6; \
    groupadd -g 10001 sandbox; useradd -u 10001 -g 10001 -d /tmp -s /usr/sbin/nologin sandbox; \
    mkdir -p /work; \
    find / -xdev -perm /6000 -type f -exec chmod ug-s {} + ; \
    rm -rf /root/.cache
LABEL cert-engine.sandbox.image=pytorch-cuda
USER 10001:10001
WORKDIR /work
CMD ["python3"]
