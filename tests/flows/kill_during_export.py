"""Helper process of test_pipeline_kill.py (not a test): runs the export flow and SIGKILLs itself
right after the first NPZ chunk reached the store -- a worker dying in the middle of an export.

    python kill_during_export.py CONFIG_KEY MARKER_FILE
"""

import os
import signal
import sys

from prefect.runtime import flow_run

from engine.storage.store import ArtifactStore
from flows.export import export_flow

config_key, marker = sys.argv[1], sys.argv[2]
real_put_file = ArtifactStore.put_file


def put_file_then_die(self, path):
    ref = real_put_file(self, path)
    if str(path).endswith(".npz"):
        with open(marker, "w") as f:
            f.write(f"{flow_run.get_id()}\n{ref.sha256}\n")
        os.kill(os.getpid(), signal.SIGKILL)
    return ref


ArtifactStore.put_file = put_file_then_die
export_flow(config_key=config_key)
sys.exit(3)  # not reached
