"""Soak test: many uniformly random games, every invariant checked after every move.

    python -m engine.game.checks.soak --games 100 --configs all
    python -m engine.game.checks.soak --games 20 --configs square8_2p,hex8_3p --seed 7 --workers 2

A game is identified by its config and its *game seed* (``seed + game index``); the random policy
is ``random.Random(game_seed).choice(legal_moves(state))`` at every step, bookkeeping moves
included, so any reported failure is reproduced with ``play_game(board, players, game_seed)``
(or ``--configs CONFIG --seed GAME_SEED --games 1``).

Per move the soak checks ``check_invariants(state, previous)`` (zobrist included), that an active
state has at least one legal move, every legal move belongs to the player to act, and that the
game ends within ``max_moves``; every ``check_json_every`` moves (and at the end) the JSON round
trip too. After a game it replays the recorded moves (through their JSON form) from the initial
state and compares the final state's hash and JSON. Exceptions raised by the engine are caught and
recorded with the move that raised them.

Prints a table comparing the game statistics with the reference engine's (REFERENCE_FIGURES.md)
and, on the last line, a JSON object with the full report.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
import traceback
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field

BOARDS = ("square8", "square19", "hex8", "hexagonal")
ALL_CONFIGS = tuple(f"{b}_{n}p" for b in BOARDS for n in (2, 3, 4))

# Reference figures of the public RingRift Python engine, random vs random, bookkeeping moves counted
# as moves. Source: /work/shared/rules/REFERENCE_FIGURES.md (measured 2026-11-23 on a 2-core machine).
# "reasons" are shares of how games ended (None = not given there); the hexagonal shares come from the
# second run quoted in the text of that file (13 games: 38% ring elimination, 62% LPS).
REFERENCE: dict[str, dict] = {
    "square8_2p": {"moves_per_s": 442, "games_per_s": 3.46, "moves_per_game": 128, "decisions_per_game": 71,
                   "reasons": {"ring_elimination": 0.68, "territory_control": 0.25, "last_player_standing": 0.07}},
    "square8_3p": {"moves_per_s": 440, "games_per_s": 3.05, "moves_per_game": 144, "decisions_per_game": 89,
                   "reasons": {"ring_elimination": 0.55, "territory_control": 0.22, "last_player_standing": 0.22,
                               "stalemate": 0.01}},
    "square8_4p": {"moves_per_s": 392, "games_per_s": 2.30, "moves_per_game": 170, "decisions_per_game": 104,
                   "reasons": {"ring_elimination": 0.31, "territory_control": 0.29, "last_player_standing": 0.26,
                               "stalemate": 0.14}},
    "hex8_2p": {"moves_per_s": 567, "games_per_s": 3.49, "moves_per_game": 163, "decisions_per_game": 76,
                "reasons": {"ring_elimination": 0.68, "territory_control": 0.19, "last_player_standing": 0.12}},
    "square19_2p": {"moves_per_s": 118, "games_per_s": 0.21, "moves_per_game": 564, "decisions_per_game": 324,
                    "reasons": None},  # "(few games) ring elimination and territory"
    "hexagonal_2p": {"moves_per_s": 61, "games_per_s": 0.06, "moves_per_game": 992, "decisions_per_game": 476,
                     "reasons": {"ring_elimination": 0.38, "last_player_standing": 0.62}},
}

REASON_ABBREV = {"ring_elimination": "elim", "territory_control": "terr", "last_player_standing": "lps",
                 "stalemate": "stale"}

DEFAULT_MAX_MOVES = 20_000  # far above any real game (hexagonal 4p: ~1,300): a hang detector
MAX_FAILURES_KEPT = 10  # per config: the first few failures, with their seeds


def parse_config(name: str) -> tuple[str, int]:
    """``"hex8_3p"`` -> ``("hex8", 3)``."""
    try:
        board, p = name.rsplit("_", 1)
        n = int(p.rstrip("p"))
    except ValueError:
        raise ValueError(f"bad config {name!r}: expected BOARD_Np, e.g. square8_2p") from None
    if board not in BOARDS or n not in (2, 3, 4) or not p.endswith("p"):
        raise ValueError(f"bad config {name!r}: board must be one of {', '.join(BOARDS)} and N in 2..4")
    return board, n


def parse_configs(spec: str) -> list[str]:
    if spec.strip() in ("all", ""):
        return list(ALL_CONFIGS)
    out = []
    for part in spec.split(","):
        part = part.strip()
        if part:
            parse_config(part)
            out.append(part)
    return out


@dataclass
class Failure:
    """One invariant violation or exception, with what is needed to reproduce it."""

    config: str
    game_seed: int
    move_index: int  # index of the move just applied (0-based; -1 = before any move / after the game)
    move: str | None  # the move as str(Move), None when not tied to a move
    move_json: dict | None
    kind: str  # "violation" | "exception" | "unfinished" | "replay"
    messages: list[str]

    def __str__(self) -> str:
        where = f"{self.config} seed {self.game_seed} move {self.move_index}"
        mv = f" ({self.move})" if self.move else ""
        return f"[{self.kind}] {where}{mv}: " + " | ".join(self.messages)


@dataclass
class GameResult:
    config: str
    game_seed: int
    moves: int
    decisions: int
    finished: bool
    reason: str | None
    winner: int | None
    seconds: float
    move_types: dict[str, int]
    violations: int  # moves after which at least one invariant failed
    exceptions: int
    failures: list[Failure]


@dataclass
class ConfigStats:
    config: str
    games: int = 0
    finished: int = 0
    moves: int = 0
    decisions: int = 0
    seconds: float = 0.0  # summed per-game time (engine + checks), over all workers
    violations: int = 0
    exceptions: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    winners: dict[str, int] = field(default_factory=dict)
    move_types: dict[str, int] = field(default_factory=dict)
    min_moves: int | None = None
    max_moves: int | None = None

    @property
    def mean_moves(self) -> float:
        return self.moves / self.games if self.games else 0.0

    @property
    def mean_decisions(self) -> float:
        return self.decisions / self.games if self.games else 0.0

    def reason_shares(self) -> dict[str, float]:
        total = sum(self.reasons.values())
        return {r: c / total for r, c in sorted(self.reasons.items())} if total else {}

    def add(self, g: GameResult) -> None:
        self.games += 1
        self.finished += g.finished
        self.moves += g.moves
        self.decisions += g.decisions
        self.seconds += g.seconds
        self.violations += g.violations
        self.exceptions += g.exceptions
        if g.finished:
            self.reasons[g.reason] = self.reasons.get(g.reason, 0) + 1
            self.winners[str(g.winner)] = self.winners.get(str(g.winner), 0) + 1
        for t, k in g.move_types.items():
            self.move_types[t] = self.move_types.get(t, 0) + k
        self.min_moves = g.moves if self.min_moves is None else min(self.min_moves, g.moves)
        self.max_moves = g.moves if self.max_moves is None else max(self.max_moves, g.moves)

    def to_json(self) -> dict:
        d = asdict(self)
        d["mean_moves"] = round(self.mean_moves, 2)
        d["mean_decisions"] = round(self.mean_decisions, 2)
        d["reason_shares"] = {r: round(v, 4) for r, v in self.reason_shares().items()}
        d["mean_move_types"] = {t: round(k / self.games, 3) for t, k in sorted(self.move_types.items())} \
            if self.games else {}
        d["seconds"] = round(self.seconds, 3)
        d["moves_per_s_checked"] = round(self.moves / self.seconds, 1) if self.seconds else None
        d["reference"] = REFERENCE.get(self.config)
        del d["move_types"]
        return d


@dataclass
class SoakReport:
    seed: int
    games_per_config: int
    configs: dict[str, ConfigStats]
    failures: list[Failure]
    wall_seconds: float
    workers: int
    rules: dict | None = None

    @property
    def violations(self) -> int:
        return sum(c.violations for c in self.configs.values())

    @property
    def exceptions(self) -> int:
        return sum(c.exceptions for c in self.configs.values())

    @property
    def unfinished(self) -> int:
        return sum(c.games - c.finished for c in self.configs.values())

    @property
    def ok(self) -> bool:
        return self.violations == 0 and self.exceptions == 0 and self.unfinished == 0 and not self.failures

    def to_json(self) -> dict:
        return {
            "soak": "engine.game",
            "ok": self.ok,
            "seed": self.seed,
            "games_per_config": self.games_per_config,
            "workers": self.workers,
            "rules": self.rules,
            "wall_seconds": round(self.wall_seconds, 3),
            "violations": self.violations,
            "exceptions": self.exceptions,
            "unfinished": self.unfinished,
            "games": sum(c.games for c in self.configs.values()),
            "moves": sum(c.moves for c in self.configs.values()),
            "configs": {k: c.to_json() for k, c in self.configs.items()},
            "failures": [asdict(f) for f in self.failures],
        }


# -- one game ---------------------------------------------------------------------------------------

def play_game(board: str, players: int, game_seed: int, *, check_json_every: int = 50,
              check_replay: bool = True, max_moves: int = DEFAULT_MAX_MOVES, swap_rule: bool = False,
              config: str | None = None, rules: dict | None = None) -> GameResult:
    """Play one uniformly random game, checking the invariants after every move. ``rules``: extra
    keyword arguments for ``new_game`` (rules options such as ``early_lps=True``)."""
    from .. import apply_move, legal_moves, move_from_json, move_to_json, new_game, replay, state_to_json
    from ..moves import BOOKKEEPING_TYPES
    from .invariants import check_invariants

    config = config or f"{board}_{players}p"
    rng = random.Random(game_seed)
    failures: list[Failure] = []
    violations = exceptions = 0
    move_types: Counter = Counter()
    t0 = time.perf_counter()

    def fail(kind, idx, move, messages):
        if len(failures) < MAX_FAILURES_KEPT:
            mj = None
            if move is not None:
                try:
                    mj = move_to_json(move)
                except Exception:  # noqa: BLE001
                    mj = None
            failures.append(Failure(config, game_seed, idx, None if move is None else str(move), mj, kind,
                                    list(messages)))

    state = new_game(board, players, swap_rule=swap_rule, **(rules or {}))
    initial = state
    errs = check_invariants(state, check_json=check_json_every > 0)
    if errs:
        violations += 1
        fail("violation", -1, None, errs)
    idx = -1
    move = None
    try:
        while not state.is_over and state.move_count < max_moves:
            idx = state.move_count
            move = None
            legal = legal_moves(state)
            if not legal:
                exceptions += 1
                fail("exception", idx, None, [f"no legal move in an active state ({state.phase}, player "
                                              f"{state.current_player})"])
                break
            wrong = [m for m in legal if m.player != state.current_player]
            if wrong:
                violations += 1
                fail("violation", idx, wrong[0], [f"legal_moves lists a move of player {wrong[0].player} while "
                                                  f"player {state.current_player} is to act"])
            move = rng.choice(legal)
            prev = state
            state = apply_move(state, move)
            move_types[move.type] += 1
            errs = check_invariants(state, prev,
                                    check_json=check_json_every > 0 and state.move_count % check_json_every == 0)
            if errs:
                violations += 1
                fail("violation", idx, move, errs)
    except Exception as e:  # noqa: BLE001 - the soak's job is to record them
        exceptions += 1
        tb = traceback.format_exc(limit=-3).strip().splitlines()
        fail("exception", idx, move, [f"{type(e).__name__}: {e}"] + tb[-3:])
    finished = state.is_over
    if not finished and not exceptions:
        fail("unfinished", state.move_count, None, [f"game not over after {state.move_count} moves"])
    if finished and check_json_every > 0:
        errs = check_invariants(state, check_json=True, check_zobrist=False, check_caches=False)
        if errs:
            violations += 1
            fail("violation", state.move_count - 1, None, errs)
    if check_replay and finished and not exceptions:
        try:
            moves = [move_from_json(json.loads(json.dumps(move_to_json(m)))) for m in state.moves]
            final = replay(initial, moves)[-1]
            msgs = []
            if final.zobrist != state.zobrist:
                msgs.append(f"replay: final hash {final.zobrist:#018x} != played {state.zobrist:#018x}")
            if state_to_json(final) != state_to_json(state):
                msgs.append("replay: final state_to_json differs from the played game's")
            if msgs:
                violations += 1
                fail("replay", -1, None, msgs)
        except Exception as e:  # noqa: BLE001
            exceptions += 1
            fail("exception", -1, None, [f"replay raised {type(e).__name__}: {e}"])
    decisions = sum(k for t, k in move_types.items() if t not in BOOKKEEPING_TYPES)
    return GameResult(config, game_seed, sum(move_types.values()), decisions, finished,
                      state.victory_reason if finished else None, state.winner if finished else None,
                      time.perf_counter() - t0, dict(move_types), violations, exceptions, failures)


def _play_task(args) -> GameResult:
    config, game_seed, kwargs = args
    board, n = parse_config(config)
    return play_game(board, n, game_seed, config=config, **kwargs)


# -- the soak -------------------------------------------------------------------------------------

def soak(configs=ALL_CONFIGS, games_per_config: int = 10, seed: int = 0, check_json_every: int = 50, *,
         workers: int | None = None, check_replay: bool = True, max_moves: int = DEFAULT_MAX_MOVES,
         rules: dict | None = None, progress=None) -> SoakReport:
    """Play ``games_per_config`` random games per config (game seeds ``seed .. seed + games - 1``),
    checking every invariant after every move. ``workers`` processes (default os.cpu_count(); 1 =
    in this process). ``rules``: extra ``new_game`` keyword arguments (rules options, e.g.
    ``{"early_lps": True}``). ``progress(game_result)`` is called as games finish."""
    if isinstance(configs, str):
        configs = parse_configs(configs)
    configs = list(configs)
    for c in configs:
        parse_config(c)
    workers = (os.cpu_count() or 1) if workers is None else max(1, int(workers))
    kwargs = {"check_json_every": check_json_every, "check_replay": check_replay, "max_moves": max_moves,
              "rules": dict(rules) if rules else None}
    # Big boards first so that the long games do not end up last on one worker.
    weight = {"hexagonal": 0, "square19": 1, "hex8": 2, "square8": 3}
    tasks = [(c, seed + i, kwargs) for c in sorted(configs, key=lambda c: weight[parse_config(c)[0]])
             for i in range(games_per_config)]
    t0 = time.perf_counter()
    results: list[GameResult] = []
    if workers == 1 or len(tasks) <= 1:
        for t in tasks:
            r = _play_task(t)
            results.append(r)
            if progress:
                progress(r)
    else:
        with ProcessPoolExecutor(max_workers=min(workers, len(tasks))) as pool:
            for r in pool.map(_play_task, tasks, chunksize=1):
                results.append(r)
                if progress:
                    progress(r)
    wall = time.perf_counter() - t0
    stats = {c: ConfigStats(c) for c in configs}
    failures: list[Failure] = []
    for r in sorted(results, key=lambda r: (configs.index(r.config), r.game_seed)):
        stats[r.config].add(r)
        kept = sum(1 for f in failures if f.config == r.config)
        failures.extend(r.failures[:max(0, MAX_FAILURES_KEPT - kept)])
    return SoakReport(seed, games_per_config, stats, failures, wall, workers, dict(rules) if rules else None)


# -- reporting ------------------------------------------------------------------------------------

def _fmt_reasons(shares: dict[str, float] | None) -> str:
    if shares is None:
        return "-"
    if not shares:
        return ""
    return " ".join(f"{REASON_ABBREV.get(r, r)} {v:.2f}" for r, v in sorted(shares.items(), key=lambda kv: -kv[1]))


def format_table(report: SoakReport) -> str:
    """The per-config statistics next to the reference engine's (REFERENCE_FIGURES.md)."""
    head = ["config", "games", "moves/game", "ref", "decisions/game", "ref", "end reasons", "ref end reasons",
            "viol", "exc", "sec"]
    rows = []
    for name, c in report.configs.items():
        ref = REFERENCE.get(name) or {}
        rows.append([
            name, str(c.games), f"{c.mean_moves:.1f}", str(ref.get("moves_per_game", "-")),
            f"{c.mean_decisions:.1f}", str(ref.get("decisions_per_game", "-")),
            _fmt_reasons(c.reason_shares()), _fmt_reasons(ref.get("reasons")) if ref else "-",
            str(c.violations), str(c.exceptions), f"{c.seconds:.1f}",
        ])
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(head)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths)) for r in rows]
    lines.append(f"total: {sum(c.games for c in report.configs.values())} games, "
                 f"{sum(c.moves for c in report.configs.values())} moves, {report.violations} violations, "
                 f"{report.exceptions} exceptions, {report.unfinished} unfinished, "
                 f"{report.wall_seconds:.1f} s wall on {report.workers} worker(s)")
    lines.append("(ref = REFERENCE_FIGURES.md, random vs random; abbreviations: elim = ring elimination, "
                 "terr = territory, lps = last player standing, stale = stalemate)")
    for f in report.failures:
        lines.append(str(f))
    return "\n".join(lines)


def add_arguments(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--games", type=int, default=10, help="games per config (default 10)")
    ap.add_argument("--configs", default="all", help="'all' or a comma list like square8_2p,hex8_3p")
    ap.add_argument("--seed", type=int, default=0, help="game seeds are seed .. seed+games-1")
    ap.add_argument("--workers", type=int, default=None, help="processes (default: os.cpu_count())")
    ap.add_argument("--check-json-every", type=int, default=50,
                    help="JSON round trip every N moves and at the end (0 = never)")
    ap.add_argument("--no-replay", action="store_true", help="skip the replay check after each game")
    ap.add_argument("--max-moves", type=int, default=DEFAULT_MAX_MOVES)
    ap.add_argument("--early-lps", action="store_true",
                    help="enable the reference engines' immediate last-player-standing shortcut (new_game early_lps)")
    ap.add_argument("--quiet", action="store_true", help="no per-game progress on stderr")


def run(args: argparse.Namespace) -> int:
    """Play the soak, print the table and then one JSON line; exit status 1 on any failure."""
    done = [0]

    def progress(r: GameResult) -> None:
        done[0] += 1
        if not args.quiet:
            flag = "" if not (r.violations or r.exceptions or r.failures) else "  <-- FAILURES"
            print(f"[{done[0]}] {r.config} seed {r.game_seed}: {r.moves} moves, {r.reason}, "
                  f"{r.seconds:.2f}s{flag}", file=sys.stderr, flush=True)

    report = soak(parse_configs(args.configs), args.games, args.seed, args.check_json_every, workers=args.workers,
                  check_replay=not args.no_replay, max_moves=args.max_moves,
                  rules={"early_lps": True} if args.early_lps else None, progress=progress)
    print(format_table(report))
    print(json.dumps(report.to_json(), sort_keys=True))
    return 0 if report.ok else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m engine.game.checks.soak", description=__doc__.split("\n\n")[0])
    add_arguments(ap)
    return run(ap.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
