"""Game records: one finished (or move-capped) game with everything training needs.

A ``GameRecord`` holds the game's setup (``RecordConfig``), the seated players' specs, every
move (bookkeeping included), one ``Decision`` per decision position (the chooser's search
statistics), the outcome, the versions of the engine and encoder that made it, and timings.
``record.to_json()`` / ``GameRecord.from_json(obj)`` give its JSON form (schema
``RECORD_SCHEMA_VERSION``, documented in docs/DATA.md); a malformed object raises ``RecordError``
naming the field (``"decisions[3].policy[0]: ..."``).

Decisions store their policy as sparse pairs ``(i, p)`` where ``i`` is the move's index in
``legal_moves(state)`` at that ply (a deterministic order for a given engine version) and ``p`` its
probability; ``values`` are the chooser's root values in the seat convention of
``engine.players.base`` (index 0 = the chooser, then turn order). Probabilities and values are
stored rounded to ``ROUND_DIGITS`` decimals.

Game ids: ``game_id_for(config, seed, players, namespace)`` is a sha256 of the canonical JSON of
what determines the game (setup, match seed, player specs, an optional namespace such as a
selfplay batch id), so rerunning the same batch yields the same ids and re-ingesting is
idempotent. A caller may pass its own id instead (``record_from_match(..., game_id=...)``).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from engine.game import (
    BOARD_TYPES,
    GameState,
    Move,
    StateFormatError,
    apply_in_place,
    legal_moves,
    move_from_json,
    move_to_json,
    new_game,
)
from engine.game.initial import LPS_ROUNDS_REQUIRED
from engine.names import check_name, name_problem
from engine.nn.encoding import ENCODER_VERSION

RECORD_SCHEMA_VERSION = 1
ROUND_DIGITS = 6
MOVE_CAP = "move_cap"  # victory_reason of a game stopped by the move cap (engine.players.match.MOVE_CAP)


class RecordError(ValueError):
    """A game record (or a shard line) that cannot be read; the message names the field and, when
    read from a shard, the file and line."""

    def __init__(self, message: str, *, field: str | None = None, source: str | None = None,
                 line: int | None = None) -> None:
        self.field = field
        self.source = source
        self.line = line
        self.detail = message
        where = []
        if source is not None:
            where.append(str(source))
        if line is not None:
            where.append(f"line {line}")
        prefix = (" ".join(where) + ": ") if where else ""
        super().__init__(prefix + (f"record field {field!r}: " if field else "") + message)

    def at(self, source: str | None, line: int | None) -> RecordError:
        """The same error located in a file and line."""
        return RecordError(self.detail, field=self.field, source=source, line=line)


@lru_cache(maxsize=1)
def engine_version() -> str:
    """The installed ringrift-forge version (the engine's version recorded in game records)."""
    try:
        from importlib.metadata import version
        return f"ringrift-forge {version('ringrift-forge')}"
    except Exception:  # noqa: BLE001 - not installed (source checkout without metadata)
        return "ringrift-forge 0+unknown"


# -- the setup ---------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class RecordConfig:
    """What a game starts from: board, player count and rules options; ``max_moves`` = the safety
    cap it was played under (None = none)."""

    board: str
    num_players: int
    swap_rule: bool = False
    early_lps: bool = False
    rings_per_player: int | None = None
    lps_rounds_required: int = LPS_ROUNDS_REQUIRED
    max_moves: int | None = None

    def initial_state(self) -> GameState:
        return new_game(self.board, self.num_players, swap_rule=self.swap_rule, early_lps=self.early_lps,
                        rings_per_player=self.rings_per_player, lps_rounds_required=self.lps_rounds_required)

    def to_json(self) -> dict:
        return {"board": self.board, "num_players": self.num_players, "swap_rule": self.swap_rule,
                "early_lps": self.early_lps, "rings_per_player": self.rings_per_player,
                "lps_rounds_required": self.lps_rounds_required, "max_moves": self.max_moves}

    def key(self) -> str:
        """Canonical JSON text (sorted keys): equal configs have equal keys."""
        return json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, obj: Any, where: str = "config") -> RecordConfig:
        if not isinstance(obj, Mapping):
            raise RecordError(f"expected an object, got {_short(obj)}", field=where)
        board = _get(obj, "board", str, where)
        if board not in BOARD_TYPES:
            raise RecordError(f"unknown board {board!r} (known: {', '.join(BOARD_TYPES)})", field=f"{where}.board")
        n = _get(obj, "num_players", int, where)
        if n not in (2, 3, 4):
            raise RecordError(f"expected 2, 3 or 4, got {n!r}", field=f"{where}.num_players")
        return cls(board=board, num_players=n, swap_rule=_get(obj, "swap_rule", bool, where, False),
                   early_lps=_get(obj, "early_lps", bool, where, False),
                   rings_per_player=_get(obj, "rings_per_player", int, where, None, nullable=True),
                   lps_rounds_required=_get(obj, "lps_rounds_required", int, where, LPS_ROUNDS_REQUIRED),
                   max_moves=_get(obj, "max_moves", int, where, None, nullable=True))


# -- decisions and outcome -----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Decision:
    """The chooser's statistics at one decision position (the state before ``moves[ply]``).

    player: the player to act. legal_count: len(legal_moves(state)). chosen: index of the played
    move in legal_moves(state). policy_index / policy: sparse policy, indices into
    legal_moves(state) (ascending, distinct) and probabilities (None when the player recorded no
    stats). values: root value per seat (seat 0 = the chooser), or None. evaluated: positions the
    player evaluated.
    """

    ply: int
    player: int
    legal_count: int
    chosen: int
    policy_index: tuple[int, ...] | None
    policy: tuple[float, ...] | None
    values: tuple[float, ...] | None
    evaluated: int = 0

    @property
    def has_policy(self) -> bool:
        return self.policy_index is not None

    def to_json(self) -> dict:
        d: dict[str, Any] = {"ply": self.ply, "player": self.player, "legal": self.legal_count, "chosen": self.chosen}
        d["policy"] = None if self.policy_index is None else [[i, p] for i, p in zip(self.policy_index, self.policy)]
        d["values"] = None if self.values is None else list(self.values)
        if self.evaluated:
            d["evaluated"] = self.evaluated
        return d

    @classmethod
    def from_json(cls, obj: Any, where: str) -> Decision:
        if not isinstance(obj, Mapping):
            raise RecordError(f"expected an object, got {_short(obj)}", field=where)
        ply = _get(obj, "ply", int, where)
        legal = _get(obj, "legal", int, where)
        pol = obj.get("policy")
        if pol is None:
            idx = probs = None
        else:
            if not isinstance(pol, list):
                raise RecordError(f"expected a list of [index, probability] pairs or null, got {_short(pol)}",
                                  field=f"{where}.policy")
            idx_l, prob_l = [], []
            for k, e in enumerate(pol):
                if not (isinstance(e, list) and len(e) == 2 and type(e[0]) is int
                        and type(e[1]) in (float, int)):
                    raise RecordError(f"expected an [index, probability] pair, got {_short(e)}",
                                      field=f"{where}.policy[{k}]")
                idx_l.append(e[0])
                prob_l.append(float(e[1]))
            idx, probs = tuple(idx_l), tuple(prob_l)
        vals = obj.get("values")
        if vals is not None:
            if not isinstance(vals, list):
                raise RecordError(f"expected a list of numbers or null, got {_short(vals)}", field=f"{where}.values")
            if not all(type(v) in (float, int) for v in vals):
                raise RecordError(f"expected numbers, got {_short(vals)}", field=f"{where}.values")
            vals = tuple(float(v) for v in vals)
        return cls(ply=ply, player=_get(obj, "player", int, where), legal_count=legal,
                   chosen=_get(obj, "chosen", int, where), policy_index=idx, policy=probs, values=vals,
                   evaluated=_get(obj, "evaluated", int, where, 0))


@dataclass(frozen=True, slots=True)
class Outcome:
    """winner: player number or None; ranking: competition rank per player (index 0 = player 1);
    victory_reason: the engine's reason (or "move_cap"); capped: stopped by the move cap."""

    winner: int | None
    ranking: tuple[int, ...]
    victory_reason: str | None
    capped: bool = False

    def to_json(self) -> dict:
        return {"winner": self.winner, "ranking": list(self.ranking), "victory_reason": self.victory_reason,
                "capped": self.capped}

    @classmethod
    def from_json(cls, obj: Any, where: str = "outcome") -> Outcome:
        if not isinstance(obj, Mapping):
            raise RecordError(f"expected an object, got {_short(obj)}", field=where)
        ranking = obj.get("ranking")
        if not isinstance(ranking, list) or not all(isinstance(r, int) and not isinstance(r, bool) for r in ranking):
            raise RecordError(f"expected a list of ranks, got {_short(ranking)}", field=f"{where}.ranking")
        reason = obj.get("victory_reason")
        if reason is not None and not isinstance(reason, str):
            raise RecordError(f"expected a string or null, got {_short(reason)}", field=f"{where}.victory_reason")
        return cls(winner=_get(obj, "winner", int, where, None, nullable=True, required=True),
                   ranking=tuple(ranking), victory_reason=reason, capped=_get(obj, "capped", bool, where, False))


def outcome_values(outcome: Outcome, num_players: int) -> tuple[float, ...]:
    """Final value per *player* (index 0 = player 1), as ``engine.players.terminal_values`` gives
    them: 2 players: winner +1, other -1, 0 without a winner; 3-4 players: ``1 - 2 (rank-1)/(n-1)``.
    A move-capped game has no result: all 0."""
    n = num_players
    if outcome.capped:
        return (0.0,) * n
    if n == 2:
        w = outcome.winner
        return (0.0, 0.0) if w is None else tuple(1.0 if q == w else -1.0 for q in (1, 2))
    return tuple(1.0 - 2.0 * (r - 1) / (n - 1) for r in outcome.ranking)


# -- players -------------------------------------------------------------------------------------------

def model_identity(spec: Mapping) -> str:
    """A short identity of what generated a player's moves, for the NPZ model table.

    ``spec["model"]`` (or ``model_id``) when the player names a model, else its evaluator's
    ``model`` / ``model_id`` (``NetworkEvaluator.spec()`` has the network's model id); otherwise
    ``kind:profile`` / ``kind:version`` (e.g. ``heuristic:heuristic-v1``), with a search player's evaluator in brackets
    (``gumbel[heuristic:heuristic-v1]``).
    """
    if not isinstance(spec, Mapping):
        return str(spec)
    if spec.get("model") or spec.get("model_id"):
        m = spec.get("model") or spec["model_id"]
        return str(m.get("id", m) if isinstance(m, Mapping) else m)
    ev = spec.get("evaluator")
    kind = str(spec.get("kind", "unknown"))
    if isinstance(ev, Mapping):
        if ev.get("model") or ev.get("model_id"):
            return model_identity(ev)
        return f"{kind}[{model_identity(ev)}]"
    if isinstance(ev, str):
        return f"{kind}[{ev}]"
    ver = spec.get("profile") or spec.get("version")
    return f"{kind}:{ver}" if ver else kind


def game_id_for(config: RecordConfig, seed: int, players: Sequence[Mapping], namespace: str = "") -> str:
    """Deterministic game id: ``g`` + 32 hex digits of sha256(canonical JSON of setup, seed, players,
    namespace)."""
    blob = json.dumps({"config": config.to_json(), "seed": seed, "players": list(players), "ns": namespace},
                      sort_keys=True, separators=(",", ":"), default=str)
    return "g" + hashlib.sha256(blob.encode()).hexdigest()[:32]


# -- the record ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class GameRecord:
    game_id: str
    config: RecordConfig
    seed: int
    players: tuple[dict, ...]  # spec per seat (index 0 = player 1)
    moves: tuple[Move, ...]  # every move, bookkeeping included
    decisions: tuple[Decision, ...]  # one per decision position, in ply order
    outcome: Outcome
    engine_version: str = field(default_factory=engine_version)
    encoder_version: str = ENCODER_VERSION
    seconds: float = 0.0
    schema: int = RECORD_SCHEMA_VERSION

    def __post_init__(self) -> None:
        # game ids become file names (ringrift show, exports): no record with an unsafe one exists
        problem = name_problem(self.game_id)
        if problem is not None:
            raise RecordError(f"{_short(self.game_id)}: {problem}", field="game_id")

    def __hash__(self) -> int:  # the players' spec dicts are not hashable; the id identifies the game
        return hash(self.game_id)

    @property
    def board(self) -> str:
        return self.config.board

    @property
    def num_players(self) -> int:
        return self.config.num_players

    def player_models(self) -> tuple[str, ...]:
        """``model_identity`` of each seat (index 0 = player 1)."""
        return tuple(model_identity(s) for s in self.players)

    def to_json(self) -> dict:
        return {
            "schema": self.schema,
            "game_id": self.game_id,
            "config": self.config.to_json(),
            "seed": self.seed,
            "players": [dict(p) for p in self.players],
            "moves": [move_to_json(m) for m in self.moves],
            "decisions": [d.to_json() for d in self.decisions],
            "outcome": self.outcome.to_json(),
            "versions": {"engine": self.engine_version, "encoder": self.encoder_version},
            "timings": {"seconds": round(self.seconds, 6), "moves": len(self.moves),
                        "decisions": len(self.decisions)},
        }

    def to_line(self) -> str:
        """One JSONL line (no newline)."""
        return json.dumps(self.to_json(), separators=(",", ":"), allow_nan=False)

    @classmethod
    def from_json(cls, obj: Any) -> GameRecord:
        """Read a record; raises ``RecordError`` naming the first missing or bad field."""
        if not isinstance(obj, Mapping):
            raise RecordError(f"a record must be a JSON object, got {_short(obj)}")
        schema = _get(obj, "schema", int, "")
        if schema != RECORD_SCHEMA_VERSION:
            raise RecordError(f"unsupported schema version {schema} (this code reads {RECORD_SCHEMA_VERSION})",
                              field="schema")
        game_id = _get(obj, "game_id", str, "")
        problem = name_problem(game_id)  # game ids name files (viewer, exports): the path-safe rule
        if problem is not None:
            raise RecordError(f"{_short(game_id)}: {problem}", field="game_id")
        config = RecordConfig.from_json(obj.get("config"), "config")
        players = obj.get("players")
        if not isinstance(players, list) or not all(isinstance(p, Mapping) for p in players):
            raise RecordError(f"expected a list of player specs, got {_short(players)}", field="players")
        if len(players) != config.num_players:
            raise RecordError(f"{len(players)} player specs for a {config.num_players}-player game", field="players")
        raw_moves = obj.get("moves")
        if not isinstance(raw_moves, list):
            raise RecordError(f"expected a list of moves, got {_short(raw_moves)}", field="moves")
        moves = []
        for i, m in enumerate(raw_moves):
            try:
                moves.append(move_from_json(m))
            except (StateFormatError, TypeError, ValueError, KeyError, AttributeError, IndexError) as e:
                raise RecordError(str(e), field=f"moves[{i}]") from None
        raw_dec = obj.get("decisions")
        if not isinstance(raw_dec, list):
            raise RecordError(f"expected a list, got {_short(raw_dec)}", field="decisions")
        decisions = tuple(Decision.from_json(d, f"decisions[{i}]") for i, d in enumerate(raw_dec))
        outcome = Outcome.from_json(obj.get("outcome"), "outcome")
        if len(outcome.ranking) != config.num_players:
            raise RecordError(f"{len(outcome.ranking)} ranks for a {config.num_players}-player game",
                              field="outcome.ranking")
        versions = obj.get("versions")
        if not isinstance(versions, Mapping):
            raise RecordError(f"expected {{engine, encoder}}, got {_short(versions)}", field="versions")
        timings = obj.get("timings") or {}
        if not isinstance(timings, Mapping):
            raise RecordError(f"expected an object, got {_short(timings)}", field="timings")
        if "moves" in timings and timings["moves"] != len(moves):
            raise RecordError(f"says {timings['moves']} moves but the record has {len(moves)}", field="timings.moves")
        seconds = timings.get("seconds", 0.0)
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
            raise RecordError(f"expected a number, got {_short(seconds)}", field="timings.seconds")
        return cls(game_id=game_id, config=config, seed=_get(obj, "seed", int, ""),
                   players=tuple(dict(p) for p in players), moves=tuple(moves), decisions=decisions, outcome=outcome,
                   engine_version=_get(versions, "engine", str, "versions"),
                   encoder_version=_get(versions, "encoder", str, "versions"), seconds=float(seconds), schema=schema)

    @classmethod
    def from_line(cls, line: str | bytes) -> GameRecord:
        try:
            obj = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise RecordError(f"invalid JSON: {e}") from None
        return cls.from_json(obj)


# -- from a match --------------------------------------------------------------------------------------

def record_from_match(result, *, swap_rule: bool = False, early_lps: bool = False,
                      rings_per_player: int | None = None, lps_rounds_required: int = LPS_ROUNDS_REQUIRED,
                      max_moves: int | None = None, game_id: str | None = None, namespace: str = "",
                      engine_version_: str | None = None) -> GameRecord:
    """The record of a ``MatchResult`` (``engine.players.play_match``) of a game started from the
    standard initial state with the given rules options (``play_match`` does not report them:
    pass what it was played with). The game is replayed once to express every decision's policy
    over ``legal_moves`` order; a result whose decisions do not line up with its moves raises
    ``RecordError``."""
    config = RecordConfig(board=result.board, num_players=result.num_players, swap_rule=bool(swap_rule),
                          early_lps=bool(early_lps), rings_per_player=rings_per_player,
                          lps_rounds_required=lps_rounds_required, max_moves=max_moves)
    players = tuple(dict(p) for p in result.players)
    gid = check_name(game_id, "game id") if game_id else game_id_for(config, result.seed, players, namespace)
    s = config.initial_state()
    decisions = []
    k = 0
    stats, deciders = result.stats, result.deciders
    for ply, move in enumerate(result.moves):
        legal = legal_moves(s)
        if not (len(legal) == 1 and legal[0].is_bookkeeping):
            if k >= len(deciders):
                raise RecordError(f"ply {ply} is a decision but the match result has only {len(deciders)}",
                                  field="decisions")
            try:
                chosen = legal.index(move)
            except ValueError:
                raise RecordError(f"ply {ply}: move {move} is not legal", field=f"moves[{ply}]") from None
            if deciders[k] != s.current_player:
                raise RecordError(f"decision {k} at ply {ply} was made by player {deciders[k]} but player "
                                  f"{s.current_player} is to act", field="decisions")
            st = stats[k]
            decisions.append(_decision(ply, s.current_player, legal, chosen, st))
            k += 1
        apply_in_place(s, move)
    if k != len(deciders):
        raise RecordError(f"the match result has {len(deciders)} decisions, the moves {k}", field="decisions")
    outcome = Outcome(winner=result.winner, ranking=tuple(result.ranking), victory_reason=result.victory_reason,
                      capped=result.victory_reason == MOVE_CAP)
    return GameRecord(game_id=gid, config=config, seed=int(result.seed), players=players, moves=tuple(result.moves),
                      decisions=tuple(decisions), outcome=outcome,
                      engine_version=engine_version_ or engine_version(), encoder_version=ENCODER_VERSION,
                      seconds=round(float(result.seconds), 6))


def _decision(ply: int, player: int, legal: list[Move], chosen: int, st) -> Decision:
    if st is None:
        return Decision(ply, player, len(legal), chosen, None, None, None)
    pos = {m: i for i, m in enumerate(legal)}
    pairs = {}
    for m, p in zip(st.moves, st.policy):
        i = pos.get(m)
        if i is None:
            raise RecordError(f"ply {ply}: the stats name move {m}, which is not legal", field="decisions")
        pairs[i] = pairs.get(i, 0.0) + float(p)
    idx = tuple(sorted(pairs))
    return Decision(ply, player, len(legal), chosen, idx, tuple(_round(pairs[i]) for i in idx),
                    tuple(_round(v) for v in st.values), int(st.evaluated))


def _round(x: float) -> float:
    if not math.isfinite(x):
        raise RecordError(f"non-finite number {x!r} in search statistics", field="decisions")
    return round(float(x), ROUND_DIGITS)


# -- field helpers -------------------------------------------------------------------------------------

_MISSING = object()


def _get(obj: Mapping, key: str, tp: type, where: str, default: Any = _MISSING, *, nullable: bool = False,
         required: bool = False) -> Any:
    name = f"{where}.{key}" if where else key
    if key not in obj:
        if default is _MISSING or required:
            raise RecordError("missing", field=name)
        return default
    v = obj[key]
    if v is None and nullable:
        return None
    ok = isinstance(v, tp) and not (tp is int and isinstance(v, bool))
    if not ok:
        expected = {int: "an integer", str: "a string", bool: "true/false"}.get(tp, tp.__name__)
        raise RecordError(f"expected {expected}{' or null' if nullable else ''}, got {_short(v)}", field=name)
    return v


def _short(v: Any) -> str:
    r = repr(v)
    return r if len(r) <= 60 else r[:57] + "..."
