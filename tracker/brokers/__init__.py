"""kombu transports for Celery, each kombu's own with one fix: `filesystem` (the embedded broker of
the demo) and `redis` (production)."""
