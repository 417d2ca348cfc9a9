"""`ringrift aggregate`: ingest game-record shards (JSONL, zstd/gzip) into the database.

Files are first put into the artifact store (content addressed), so every ingested game points to
a shard the store keeps; shard ids already in the store are re-ingested (idempotent: known games
are skipped, malformed lines quarantined).

    ringrift aggregate games/*.jsonl.zst
    ringrift aggregate --shard 3f2a... --shard 9b1c...
"""

from __future__ import annotations

import argparse
import sys

from ._pipeline import add_common, emit, setup


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="*", help="shard files to put into the store and ingest")
    parser.add_argument("--shard", action="append", default=[], metavar="SHA256",
                        help="a shard already in the store (repeatable)")
    add_common(parser, deployment=False)


def run(args: argparse.Namespace) -> int:
    setup(args)
    if not args.files and not args.shard:
        print("aggregate: give shard files or --shard ids", file=sys.stderr)
        return 2
    from prefect import flow

    from tasks.common import forge_context
    from tasks.selfplay import ingest_shards

    @flow(name="aggregate", log_prints=True)
    def aggregate_flow(files: list[str], shards: list[str]) -> dict:
        ctx = forge_context()
        ids = list(shards) + [ctx.store.put_file(f).sha256 for f in files]
        return ingest_shards(ids) | {"shard_ids": ids}

    state = aggregate_flow(list(args.files), list(args.shard), return_state=True)
    if not state.is_completed():
        print(f"aggregate: {state.name}: {state.message}", file=sys.stderr)
        return 1
    res = state.result()
    emit(args, res, f"{res['shards']} shards, {res['lines']} lines: {res['inserted']} new games, "
                    f"{res['skipped']} known, {res['quarantined']} quarantined")
    return 0
