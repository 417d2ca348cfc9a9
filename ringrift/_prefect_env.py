"""Prefect's environment, set by the command line before Prefect is imported (its settings are
read once, at import).

* ``PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS``: in local mode (no ``PREFECT_API_URL``)
  Prefect starts a server subprocess and waited 20 s for it; on a busy machine that is not enough
  (``RuntimeError: Timed out while attempting to connect to ephemeral Prefect API server``), so the
  default here is ``EPHEMERAL_STARTUP_TIMEOUT`` seconds. A value the user set is kept.
* ``PREFECT_SERVER_ANALYTICS_ENABLED``: off unless the user set it.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping

EPHEMERAL_TIMEOUT_ENV = "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"
EPHEMERAL_STARTUP_TIMEOUT = 300

DEFAULTS = {EPHEMERAL_TIMEOUT_ENV: str(EPHEMERAL_STARTUP_TIMEOUT), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}


def configure(environ: MutableMapping[str, str] | None = None) -> None:
    """Set the defaults above where the variable is not set (an empty value counts as unset)."""
    env = os.environ if environ is None else environ
    for k, v in DEFAULTS.items():
        if not env.get(k):
            env[k] = v
