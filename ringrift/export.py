"""`ringrift export`: the config's training window -> an NPZ dataset (the export flow); refused,
with the reasons, when a data-quality gate fails."""

from __future__ import annotations

import argparse

from ._pipeline import add_common, add_config_key, config_key, emit, run_stage, setup


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_key(parser)
    add_common(parser)


def run(args: argparse.Namespace) -> int:
    setup(args)
    ck = config_key(args.config_key)
    rc, res = run_stage(args, "export", "default", {"config_key": ck})
    text = None
    if rc == 0 and isinstance(res, dict) and "ok" in res:
        gates = "\n".join(f"  {'ok  ' if g.get('ok') else 'FAIL'} {g.get('name')}: {g.get('value')} ({g.get('limit')})"
                          + (f" {g['reason']}" if g.get("reason") else "") for g in res.get("gates", []))
        head = (f"{ck}: dataset {res['dataset_id']} samples {res['samples']}" if res["ok"]
                else f"{ck}: export refused: {res['reason']}")
        text = head + ("\n" + gates if gates else "")
        rc = 0 if res["ok"] else 1
    emit(args, res, text)
    return rc
