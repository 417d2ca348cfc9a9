"""Replay parity of stored games, and the conformance vectors (``check_ts_python_replay_parity`` of
the seed, for this engine).

    rep = check_replay_parity(records)                        # GameRecords (local shards)
    rep = check_replay_parity(db, store=store, last=50)       # newest 50 games per config, vs their rows
    rep = check_replay_parity(records, conformance="../shared/conformance")
    print(rep.format()); rep.ok

Every game is replayed move by move from its config's start position and checked, in order:

1. the record's own parity gate (``engine.data.check_parity``): every move legal at its ply,
   decisions on the decision plies and consistent with the legal moves, the final position gives
   the recorded outcome;
2. the public, validated replay (``engine.game.apply_move`` on fresh copies) reaches the same
   position hash after every move as the engine's fast in-place path;
3. with ``deep=True``, after every move the position survives the wire format
   (``state_to_json`` -> ``state_from_json``: the format the TypeScript engine and the contract
   vectors speak) with the same hash, phase, player to move and legal moves;
4. a game read from the database agrees with its row (moves, decisions, winner, ranking, reason).

The first problem of a game is reported with its ply and the move played there (the first
diverging move). The conformance vectors (``engine.game.checks.conformance``) run when a folder is given
or found at the default place; a trusted vector that does not pass fails the report.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from engine.data.records import GameRecord

from .tables import markdown_table, text_table


@dataclass(frozen=True)
class GameParity:
    game_id: str
    config_key: str
    moves: int
    ok: bool
    first_bad_ply: int | None = None  # the ply of the first divergence (moves applied before it)
    move: str | None = None  # the move at that ply
    check: str | None = None  # which check diverged: record | replay | wire | database | load
    reason: str | None = None


@dataclass(frozen=True)
class ConformanceSummary:
    folder: str
    total: int
    passed: int
    failed: int
    errors: int
    trusted: int
    trusted_passed: int
    trusted_bad: tuple[str, ...]  # trusted ids that failed, errored or are missing
    summary: str

    @property
    def ok(self) -> bool:
        return not self.trusted_bad


@dataclass(frozen=True)
class ParityReport:
    games: tuple[GameParity, ...]
    conformance: ConformanceSummary | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def failed(self) -> tuple[GameParity, ...]:
        return tuple(g for g in self.games if not g.ok)

    @property
    def ok(self) -> bool:
        return not self.failed and (self.conformance is None or self.conformance.ok)

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "games": len(self.games), "failed": [asdict(g) for g in self.failed],
                "conformance": asdict(self.conformance) if self.conformance else None, "notes": list(self.notes)}

    def _rows(self):
        per: dict[str, list[GameParity]] = {}
        for g in self.games:
            per.setdefault(g.config_key, []).append(g)
        head = ["config", "games", "ok", "diverged", "moves replayed"]
        rows = [[ck, len(v), sum(g.ok for g in v), sum(not g.ok for g in v), sum(g.moves for g in v)]
                for ck, v in sorted(per.items())]
        return head, rows

    def _fail_rows(self, limit: int):
        head = ["game", "config", "check", "ply", "move", "reason"]
        rows = [[g.game_id[:20], g.config_key, g.check, g.first_bad_ply, g.move or "-", (g.reason or "")[:160]]
                for g in self.failed[:limit]]
        return head, rows

    def format(self, limit: int = 20) -> str:
        parts = []
        if self.games:
            head, rows = self._rows()
            parts.append("Replay parity\n" + text_table(head, rows))
            if self.failed:
                h, r = self._fail_rows(limit)
                more = f" (first {limit} of {len(self.failed)})" if len(self.failed) > limit else ""
                parts.append(f"First diverging move per game{more}\n" + text_table(h, r))
        else:
            parts.append("Replay parity: no games checked")
        if self.conformance is not None:
            c = self.conformance
            line = f"Conformance vectors ({c.folder}): {c.summary}"
            if c.trusted_bad:
                line += "\n  trusted not passing: " + ", ".join(c.trusted_bad[:10])
            parts.append(line)
        parts += [f"note: {n}" for n in self.notes]
        parts.append("parity: OK" if self.ok else "parity: FAILED")
        return "\n\n".join(parts)

    def to_markdown(self, title: str = "Replay parity") -> str:
        parts = [f"## {title}"]
        if self.games:
            parts.append(markdown_table(*self._rows()))
            if self.failed:
                parts.append("### First diverging move per game\n\n" + markdown_table(*self._fail_rows(50)))
        if self.conformance is not None:
            parts.append(f"Conformance vectors: {self.conformance.summary}")
        parts.append("**OK**" if self.ok else "**FAILED**")
        return "\n\n".join(parts)


# -- one game ------------------------------------------------------------------------------------------

def _bad(rec: GameRecord, check: str, ply: int | None, reason: str) -> GameParity:
    move = str(rec.moves[ply]) if ply is not None and 0 <= ply < len(rec.moves) else None
    return GameParity(rec.game_id, f"{rec.board}_{rec.num_players}p", len(rec.moves), False, ply, move, check, reason)


def _wire_problem(state) -> str | None:
    from engine.game import legal_moves, state_from_json, state_to_json

    try:
        back = state_from_json(state_to_json(state))
    except Exception as e:  # noqa: BLE001 - any failure is the finding
        return f"state_to_json/state_from_json failed: {type(e).__name__}: {e}"
    if back.zobrist != state.zobrist:
        return f"position hash changes through the wire format ({state.zobrist:#x} -> {back.zobrist:#x})"
    if (back.phase, back.current_player, back.status) != (state.phase, state.current_player, state.status):
        return (f"turn differs through the wire format: {state.phase}/p{state.current_player}/{state.status} -> "
                f"{back.phase}/p{back.current_player}/{back.status}")
    if not state.is_over:
        a, b = legal_moves(state), legal_moves(back)
        if set(a) != set(b):
            extra = next(iter(set(b) - set(a)), None)
            missing = next(iter(set(a) - set(b)), None)
            return (f"legal moves differ through the wire format ({len(a)} vs {len(b)}; e.g. missing {missing}, "
                    f"extra {extra})")
    return None


def check_game_parity(record: GameRecord, *, row=None, deep: bool = False) -> GameParity:
    """Replay one game (see the module doc); ``row``: its ``engine.db.GameRow`` to compare with."""
    from engine.data import check_parity
    from engine.game import IllegalMoveError, apply_in_place, apply_move, legal_moves, resolve_move

    res = check_parity(record)
    if not res.ok:
        return _bad(record, "record", res.first_bad_ply, res.reason or "")
    fast = record.config.initial_state()
    slow = record.config.initial_state()
    if deep:
        problem = _wire_problem(fast)
        if problem:
            return _bad(record, "wire", None, f"start position: {problem}")
    for ply, move in enumerate(record.moves):
        legal = legal_moves(fast)
        try:
            m = move if move in legal else resolve_move(fast, move)
            apply_in_place(fast, m)
            slow = apply_move(slow, move)
        except IllegalMoveError as e:
            return _bad(record, "replay", ply, f"illegal on replay: {e}")
        if slow.zobrist != fast.zobrist or slow.move_count != fast.move_count:
            return _bad(record, "replay", ply, f"validated replay reaches hash {slow.zobrist:#x}, the in-place "
                                               f"replay {fast.zobrist:#x}")
        if deep:
            problem = _wire_problem(fast)
            if problem:
                return _bad(record, "wire", ply, f"after the move: {problem}")
    if row is not None:
        o = record.outcome
        diffs = []
        for name, db_v, rec_v in (("moves", row.num_moves, len(record.moves)),
                                  ("decisions", row.num_decisions, len(record.decisions)),
                                  ("winner", row.winner, o.winner), ("ranking", tuple(row.ranking), tuple(o.ranking)),
                                  ("victory_reason", row.victory_reason, o.victory_reason)):
            if db_v != rec_v:
                diffs.append(f"{name}: database {db_v!r}, record {rec_v!r}")
        if diffs:
            return _bad(record, "database", None, "; ".join(diffs))
    return GameParity(record.game_id, f"{record.board}_{record.num_players}p", len(record.moves), True)


# -- conformance ---------------------------------------------------------------------------------------------

def run_conformance(folder: str | os.PathLike | None = None, *, force: bool = True) -> ConformanceSummary | None:
    """Run the contract vectors of ``folder`` (default: ``$RINGRIFT_CONFORMANCE_DIR``, else
    ``../shared/conformance``); None when there are none."""
    from engine.game.checks import conformance as conf

    folder = Path(folder) if folder is not None else conf.default_folder()
    if not conf.vectors_dir(folder).is_dir() or not conf.load_vectors(folder):
        return None
    report = conf.run_all(folder, force=force)
    trusted = conf.load_trusted(folder)
    c = conf.summarize(report, trusted)
    bad = sorted({r.id for r in report.results if r.id in trusted and r.outcome != conf.PASS}
                 | (trusted - {r.id for r in report.results}))
    return ConformanceSummary(str(folder), c["total"], c[conf.PASS], c[conf.FAIL], c[conf.ERROR], len(trusted),
                              c["trusted_pass"], tuple(bad), conf.summary_line(report, trusted))


# -- many games ------------------------------------------------------------------------------------------------

def check_replay_parity(source: Iterable[GameRecord] | Any, *, store=None, configs: Sequence[str] | None = None,
                        last: int | None = None, game_ids: Sequence[str] | None = None, deep: bool = False,
                        conformance: str | os.PathLike | bool | None = False, include_quarantined: bool = False,
                        fallbacks=()) -> ParityReport:
    """Replay stored games and report the first divergence of each (see the module doc).

    ``source``: game records, or an ``engine.db.Database`` (``store`` required; the games of
    ``configs`` with status ``ok`` -- ``include_quarantined`` adds the ones the ingest quarantined --,
    the newest ``last`` per config, or exactly ``game_ids``). ``conformance``: a folder, ``True`` for
    the default folder when it exists, ``False``/``None`` to skip the vectors.
    """
    games: list[GameParity] = []
    notes: list[str] = []
    keep = set(configs) if configs else None
    if hasattr(source, "session") and hasattr(source, "engine"):
        if store is None:
            raise ValueError("check_replay_parity(db): the artifact store is needed to read the records")
        from .sources import load_database_games

        for g in load_database_games(source, store, configs=configs, last=last, game_ids=game_ids,
                                     status=None if include_quarantined else "ok", fallbacks=fallbacks):
            if g.record is None:
                row = g.row
                gid = row if isinstance(row, str) else row.game_id
                ck = "?" if isinstance(row, str) else row.config_key
                games.append(GameParity(gid, ck, 0, False, None, None, "load", g.error))
            else:
                games.append(check_game_parity(g.record, row=g.row, deep=deep))
    else:
        ids = set(game_ids) if game_ids else None
        for rec in source:
            if keep is not None and f"{rec.board}_{rec.num_players}p" not in keep:
                continue
            if ids is not None and rec.game_id not in ids:
                continue
            games.append(check_game_parity(rec, deep=deep))
    conf = None
    if conformance is not False and conformance is not None:
        conf = run_conformance(None if conformance is True else conformance)
        if conf is None:
            notes.append("no conformance vectors found" + ("" if conformance is True else f" in {conformance}"))
    return ParityReport(tuple(games), conf, tuple(notes))
