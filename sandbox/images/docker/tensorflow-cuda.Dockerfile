# TensorFlow CUDA sandbox image for GPU workers (one device per run via a Docker device
# request; the NVIDIA container toolkit must be installed on the host).
#   docker build -f sandbox/images/docker/tensorflow-cuda.Dockerfile -t cert-engine/sandbox-tensorflow-cuda:registry .
# tensorflow[and-cuda] brings its CUDA libraries as wheels. Holds no secrets; uid 10001.
ARG BASE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04
FROM ${BASE}
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 LANG=C.UTF-8 PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_BREAK_SYSTEM_PACKAGES=1 TF_CPP_MIN_LOG_LEVEL=1 \
    NVIDIA_VISIBLE_DEVICES=none NVIDIA_DRIVER_CAPABILITIES=compute,utility
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends python3 python3-pip python-is-python3; \
    rm -rf /var/lib/apt/lists/*; \
    pip install "tensorflow[and-cuda]==2.21.0"; \
    groupadd -g 10001 sandbox; useradd -u 10001 -g 10001 -d /tmp -s /usr/sbin/nologin sandbox; \
    mkdir -p /work; \
    find / -xdev -perm /6000 -type f -exec chmod ug-s {} + ; \
    rm -rf /root/.cache
LABEL cert-engine.sandbox.image=tensorflow-cuda
USER 10001:10001
WORKDIR /work
CMD ["python3"]
