"""Reports published as Prefect artifacts (``ringrift stats --artifact KEY``, ``parity``, ``elo-trend``)."""

from __future__ import annotations

import sys


def publish_markdown(key: str, markdown: str, description: str) -> bool:
    """A Prefect markdown artifact (needs a reachable API); False with a message when it fails."""
    try:
        from prefect.artifacts import create_markdown_artifact

        create_markdown_artifact(markdown=markdown, key=key, description=description)
        return True
    except Exception as e:  # noqa: BLE001 - the report was printed already
        from engine.redact import redact_exception

        print(f"artifact {key!r} not created: {redact_exception(e)}", file=sys.stderr)
        return False
