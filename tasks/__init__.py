"""Prefect tasks (planned): thin wrappers that call into `engine` for one pipeline step each."""
