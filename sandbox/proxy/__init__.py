"""A filtering proxy in front of the Docker engine's socket.

The worker talks to the engine only through this proxy (``DOCKER_HOST`` points at its
Unix socket). It forwards exactly the Engine API calls the sandbox makes, and a
container create only when its body is the sandbox's configuration (no network, no
capabilities, read-only root, our seccomp profile, limits, binds under the configured
roots, an allowed image). Everything else is answered ``403`` with a JSON message and
never reaches the engine. See docs/sandbox.md, "The Docker socket proxy".

- ``config``: what is allowed where (images, bind roots), from the environment.
- ``rules``: the allowed endpoints and their query strings.
- ``create_rules``: the body check of a container create.
- ``server``: HTTP/1.1 on both sides (h11), keep-alive, streamed and upgraded responses.
"""
