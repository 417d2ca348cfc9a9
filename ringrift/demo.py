"""`ringrift demo`: play complete games with the uniform random policy and print a summary.

Uses only the public API of `engine.game`. Deterministic for a given `--seed`: one
`random.Random(seed)` drives every game, in the order the table lists them.
"""

from __future__ import annotations

import argparse
import random
import sys
import time

BOARDS = ("square8", "square19", "hex8", "hexagonal")

# Safety net against an engine bug that never ends a game; real games end long before this.
DEFAULT_MAX_MOVES = 100_000


def _board_list(text: str) -> list[str]:
    boards = [b.strip() for b in text.split(",") if b.strip()]
    unknown = [b for b in boards if b not in BOARDS]
    if not boards or unknown:
        raise argparse.ArgumentTypeError(
            f"unknown board(s) {', '.join(unknown) or '(none given)'}; choose from {','.join(BOARDS)}"
        )
    return boards


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--games", type=_positive_int, default=2, help="games per board (default 2)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--boards",
        type=_board_list,
        default=list(BOARDS),
        help=f"comma-separated boards (default {','.join(BOARDS)})",
    )
    parser.add_argument(
        "--players", type=int, choices=(2, 3, 4), default=2, help="players per game (default 2)"
    )
    parser.add_argument(
        "--max-moves",
        type=_positive_int,
        default=DEFAULT_MAX_MOVES,
        help=f"abort a game that has not ended after this many moves (default {DEFAULT_MAX_MOVES})",
    )


def play_random_game(board: str, num_players: int, rng: random.Random, max_moves: int):
    """Play one game with uniform random moves. Returns (final state, moves played, note or None)."""
    from engine.game import apply_move, legal_moves, new_game

    state = new_game(board, num_players)
    moves = 0
    while not state.is_over:
        if moves >= max_moves:
            return state, moves, f"move cap {max_moves} reached"
        options = legal_moves(state)
        if not options:
            return state, moves, f"no legal moves in phase {state.phase!r} but game not over"
        state = apply_move(state, rng.choice(options))
        moves += 1
    return state, moves, None


_COLUMNS = ("board", "players", "game", "moves", "winner", "ended by", "seconds")
_ROW = "{:<10} {:>7} {:>4} {:>7} {:>6}  {:<22} {:>8}"


def run(args: argparse.Namespace) -> int:
    rng = random.Random(args.seed)
    print(
        f"ringrift demo: uniform random play, {args.games} game(s) per board, "
        f"{args.players} players, seed {args.seed}"
    )
    print(_ROW.format(*_COLUMNS))
    print("-" * len(_ROW.format(*_COLUMNS)))

    total_games = total_moves = 0
    total_seconds = 0.0
    problems = 0
    for board in args.boards:
        for game in range(1, args.games + 1):
            start = time.perf_counter()
            state, moves, note = play_random_game(board, args.players, rng, args.max_moves)
            seconds = time.perf_counter() - start
            if note is None:
                winner = "-" if state.winner is None else str(state.winner)
                ended = str(state.victory_reason)
            else:
                problems += 1
                winner, ended = "?", "UNFINISHED"
            print(_ROW.format(board, args.players, game, moves, winner, ended, f"{seconds:.2f}"), flush=True)
            if note is not None:
                print(f"  ! {board} game {game}: {note}", file=sys.stderr)
            total_games += 1
            total_moves += moves
            total_seconds += seconds

    rate = total_moves / total_seconds if total_seconds > 0 else 0.0
    print(
        f"total: {total_games} games, {total_moves} moves, {total_seconds:.2f} s "
        f"({rate:,.0f} moves/s)"
        + (f", {problems} UNFINISHED" if problems else "")
    )
    return 1 if problems else 0
