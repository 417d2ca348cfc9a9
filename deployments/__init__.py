"""Prefect deployments (planned): schedules and work-pool bindings for the flows in `flows`."""
