"""Background jobs: RQ on Redis when ``REDIS_URL`` is set, an in-process worker otherwise."""
