"""Operations: health and readiness endpoints, Prometheus metrics and the
committee's operations page. It reads every app (and Redis) and nothing imports it."""
