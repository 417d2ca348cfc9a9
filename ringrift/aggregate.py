"""`ringrift aggregate`: ingest game-record shards (JSONL, zstd/gzip) into the database.

Files are first put into the artifact store (content addressed), so every ingested game points to
a shard the store keeps; shard ids already in the store are re-ingested (idempotent: known games
are skipped, malformed lines quarantined).

    ringrift aggregate games/*.jsonl.zst
    ringrift aggregate --shard 3f2a... --shard 9b1c...
    ringrift aggregate --from-store        # rebuild a lost database from the store (idempotent)

Each file put in is also recorded in the store (a ``shards`` manifest under the pointer
``imports/<sha256>``), so that ``--from-store`` finds its games again.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import _checks as checks
from ._errors import UsageError
from ._pipeline import add_common, emit, setup


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="*", help="shard files to put into the store and ingest")
    parser.add_argument("--shard", action="append", default=[], metavar="SHA256", type=checks.sha256,
                        help="a shard already in the store (repeatable)")
    parser.add_argument("--from-store", action="store_true",
                        help="rebuild the database from the store: games of every published shard, datasets, models, "
                             "promotion decisions, champion pointers and their history (idempotent)")
    add_common(parser, deployment=False)


MAX_PRINTED = 200  # quarantined lines printed one by one


def run(args: argparse.Namespace) -> int:
    cfg = setup(args)
    if args.from_store:
        if args.files or args.shard:
            print("aggregate: --from-store takes no files or --shard ids", file=sys.stderr)
            return 2
        return _from_store(args, cfg)
    if not args.files and not args.shard:
        print("aggregate: give shard files or --shard ids", file=sys.stderr)
        return 2
    for f in args.files:
        _check_file(f)
    # In this process, without a Prefect flow: the report names the user's files and lines, and a
    # bad shard is answered in a second, not after a server started (issue 13).
    from engine.data.ingest import ShardSource, aggregate_jsonl_to_db
    from engine.loop import open_context
    from engine.loop.artifacts import fetch_object

    ctx = open_context(cfg)
    try:
        sources = [ShardSource(fetch_object(ctx.store, s, ctx.cache_dir, "shard.jsonl.zst"), s,
                               f"{ctx.store.url}#{s}", name=f"shard {s}") for s in args.shard]
        for f in args.files:
            sid = _put_import(ctx.store, f)
            sources.append(ShardSource(Path(f), sid, f"{ctx.store.url}#{sid}", name=f))
        rep = aggregate_jsonl_to_db(ctx.db, sources)
    finally:
        ctx.close()
    for problem in rep.problems[:MAX_PRINTED]:  # one line each: file:line: reason
        print(f"quarantined: {problem}", file=sys.stderr)
    if len(rep.problems) > MAX_PRINTED:  # a binary file is thousands of bad "lines": the table has them all
        print(f"quarantined: ... and {len(rep.problems) - MAX_PRINTED} more lines (the database's quarantine "
              "table lists every one)", file=sys.stderr)
    res = {k: getattr(rep, k) for k in ("shards", "lines", "inserted", "skipped", "malformed", "parity_failed",
                                        "quarantined", "empty_shards")}
    res |= {"shard_ids": [src.shard_id for src in sources], "problems": list(rep.problems)}
    emit(args, res, f"{rep.shards} shards, {rep.lines} lines: {rep.inserted} new games, "
                    f"{rep.skipped} known, {rep.quarantined} quarantined"
                    + (f", {rep.empty_shards} empty shards" if rep.empty_shards else ""))
    return 0 if rep.ok else 1


def _check_file(f: str) -> None:
    """A shard file argument that can be read, before anything is opened."""
    p = Path(f)
    if not p.exists():
        raise UsageError(f"{f}: no such file")
    if not p.is_file():
        raise UsageError(f"{f}: not a regular file ({'a directory' if p.is_dir() else 'a special file'})")
    if not os.access(p, os.R_OK):
        raise UsageError(f"{f}: not readable (permission denied)")
    if p.stat().st_size == 0:
        raise UsageError(f"{f}: empty file (a shard has at least one game record)")


def _put_import(store, path: str) -> str:
    """Put a shard file into the store and record it (``imports/<sha256>``) for ``--from-store``."""
    from pathlib import Path

    from engine.loop.truth import import_pointer_name, publish_once
    from engine.storage import Manifest, ManifestEntry

    ref = store.put_file(path)
    mid = store.put_manifest(Manifest.build("shards", [ManifestEntry.for_object("shard" + _suffix(Path(path)), ref)],
                                            {"source": "aggregate"}))
    publish_once(store, import_pointer_name(ref.sha256), mid, {})
    return ref.sha256


def _suffix(p) -> str:
    return "".join(p.suffixes[-2:]) if p.suffixes else ".jsonl"


def _from_store(args: argparse.Namespace, cfg) -> int:
    from engine.loop import open_context
    from engine.loop.truth import rebuild_from_store

    ctx = open_context(cfg, check=False)  # the one command that opens a database the store does not know
    try:
        rep = rebuild_from_store(ctx)
    finally:
        ctx.close()
    emit(args, {"shards": rep.shards, "inserted": rep.games_inserted, "datasets": rep.datasets, "models": rep.models,
                "promotions": rep.promotions, "champion_moves": rep.champion_moves},
         f"rebuilt {ctx.db.url} from {ctx.store.url}: {rep.summary()}")
    return 0
