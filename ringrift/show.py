"""`ringrift show`: render a game as SVG images (one per move), an HTML page with a slider, and PNGs.

    ringrift show g3f9c0...                       # database -> shard in the store -> ./show/<game_id>/
    ringrift show --record games.jsonl.zst --line 3 --png
    ringrift show g3f9c0... --plies 0,20,40,-1 --out /tmp/g

Exit status: 0 written, 1 the game or its shard was not found, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import sys

from . import _checks as checks


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("game_id", nargs="?", default=None,
                        help="the game's id (looked up in the database, its shard read from the store); with "
                             "--record: selects the game in that shard")
    parser.add_argument("--record", metavar="SHARD", default=None,
                        help="a local shard (*.jsonl.zst / .jsonl.gz / .jsonl) instead of the database")
    parser.add_argument("--line", type=checks.count, default=None, help="with --record: the record's line (1-based)")
    parser.add_argument("--out", default=None, help="output folder (default ./show/<game_id>/)")
    parser.add_argument("--plies", default=None,
                        help="comma-separated move numbers to draw (0 = start, -1 = the end); default all")
    parser.add_argument("--every", type=checks.count, default=1, help="draw every N-th frame (default 1)")
    parser.add_argument("--all-moves", action="store_true",
                        help="also draw the frames after bookkeeping moves (no_*_action)")
    parser.add_argument("--png", action="store_true", help="also write a PNG per frame (matplotlib)")
    parser.add_argument("--no-html", action="store_true", help="do not write index.html")
    parser.add_argument("--cell", type=checks.float_at_least(0, strict=True), default=None,
                        help="cell size in pixels (default per board)")
    parser.add_argument("--config", metavar="PATH", default=None,
                        help="config file (default $RINGRIFT_CONFIG_PATH, else config/unified_loop.yaml)")


def _plies(text: str | None) -> list[int] | None:
    if not text:
        return None
    return [int(x) for x in text.replace(" ", "").split(",") if x]


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from engine.names import UnsafeName, check_name, safe_join
    from engine.viewer import GameNotFound, record_from_shard, save_game

    try:
        plies = _plies(args.plies)
    except ValueError:
        print(f"show: --plies {args.plies!r}: expected comma-separated integers", file=sys.stderr)
        return 2
    if args.record is None and not args.game_id:
        print("show: give a GAME_ID or --record SHARD", file=sys.stderr)
        return 2
    try:  # the id names the output folder: refuse what could leave ./show/ before reading anything
        if args.game_id is not None:
            check_name(args.game_id, "game id")
    except UnsafeName as e:
        print(f"show: {e}", file=sys.stderr)
        return 2
    try:
        if args.record is not None:
            if not Path(args.record).is_file():
                print(f"show: no such file {args.record}", file=sys.stderr)
                return 1
            record = record_from_shard(args.record, line=args.line, game_id=args.game_id)
        else:
            record = _from_database(args)
    except GameNotFound as e:
        print(f"show: {e}", file=sys.stderr)
        return 1
    try:  # records are validated when read; the join re-checks that the folder stays under ./show/
        out = Path(args.out) if args.out else safe_join(Path("show"), record.game_id, kind="game id")
    except UnsafeName as e:
        print(f"show: {e}", file=sys.stderr)
        return 2
    try:
        saved = save_game(record, out, plies=plies, skip_bookkeeping=not args.all_moves, every=args.every,
                          png=args.png, html_page=not args.no_html, cell=args.cell)
    except ValueError as e:
        print(f"show: {e}", file=sys.stderr)
        return 2
    o = record.outcome
    print(f"{record.game_id}: {record.board} {record.num_players}p, {len(record.moves)} moves, winner {o.winner} "
          f"({o.victory_reason})")
    print(f"wrote {saved.frames} frame(s) to {saved.out_dir}"
          + (f" ({len(saved.svgs)} svg" if saved.svgs else " (") + (f", {len(saved.pngs)} png" if saved.pngs else "")
          + ")")
    if saved.html:
        print(f"open {saved.html}")
    return 0


def _from_database(args: argparse.Namespace):
    import os

    from engine.config import load_config
    from engine.db import database_from_config
    from engine.storage import cache_from_config, store_from_config
    from engine.viewer import load_game_record

    if args.config:
        os.environ["RINGRIFT_CONFIG_PATH"] = os.path.abspath(args.config)
    from sqlalchemy.exc import OperationalError

    from engine.viewer import GameNotFound

    from ._checks import database_missing

    cfg = load_config()
    missing = database_missing(cfg)  # opening it would create an empty one
    if missing:
        raise GameNotFound(f"game {args.game_id} is not in the database: {missing}")
    db = database_from_config(cfg, migrate=False)
    try:
        cache = None
        if cfg.cache_path.is_dir():
            cache = cache_from_config(cfg)
        return load_game_record(args.game_id, db=db, store=store_from_config(cfg), fallbacks=(cache,))
    except OperationalError as e:  # a database file without the pipeline's tables
        raise GameNotFound(f"game {args.game_id}: the database {db.url} cannot be read "
                           f"({' '.join(str(e.orig or e).split())})") from None
    finally:
        db.dispose()
