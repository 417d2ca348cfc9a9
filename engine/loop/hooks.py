"""The one test hook of the loop: make a stage stop at a known point so that a test can kill the
process there (``kill -9``) and check that a rerun resumes.

    RINGRIFT_TEST_PAUSE_AT=train RINGRIFT_TEST_PAUSE_FILE=/tmp/x ringrift master-loop

When the named stage reaches its point, the process writes its pid to the file and sleeps until
it is killed. Points: ``selfplay`` (a batch published in the store, its games not yet in the
database), ``export`` (the first chunk in the store, no manifest yet), ``train`` (the step after
the first checkpoint: the run is half done), ``gauntlet`` (the first game played), ``promotion``
(the first SPRT block counted, no decision yet). Unset (always, outside tests), it does nothing.
"""

from __future__ import annotations

import os
import time

PAUSE_ENV = "RINGRIFT_TEST_PAUSE_AT"
PAUSE_FILE_ENV = "RINGRIFT_TEST_PAUSE_FILE"


def pause_point(stage: str) -> None:
    if os.environ.get(PAUSE_ENV) != stage:
        return
    path = os.environ.get(PAUSE_FILE_ENV)
    if path:
        tmp = f"{path}.tmp"
        with open(tmp, "w") as f:
            f.write(f"{os.getpid()} {stage}\n")
        os.replace(tmp, path)
    while True:  # until killed
        time.sleep(3600)
