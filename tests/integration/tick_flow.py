"""The flow of the schedule test's deployment: small and quick to import (no project code)."""

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact


@flow(name="it-tick")
def tick(n: int = 1) -> int:
    get_run_logger().info("tick %d", n)
    create_markdown_artifact(markdown=f"# tick {n}", key="it-tick", description="integration test tick")
    return n
