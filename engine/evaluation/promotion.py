"""The promotion gate: a candidate against the champion under an SPRT.

    result = run_promotion(candidate, champion, "square8_2p", PromotionSettings.from_config(cfg),
                           evaluators=EvaluatorCache(loader))
    if result.promote: ...          # the caller moves the champion pointer

Games are played in blocks sharing one random opening (``play.py``): two players, a colour-swapped
pair (candidate seat 1, then seat 2); ``n`` players, the candidate in each seat once with every
other seat held by a copy of the champion. ``batch_pairs`` blocks are played per lockstep run
(both networks' positions batch across all games in flight); after each run the blocks are fed to
the ``SPRTState`` in order, one at a time, until it decides. Blocks of the last run after the
decision are not counted by the test (so the test's error rates hold), but their games are real
and are returned in ``records`` (marked by ``counted_games``). Without a decision at ``max_games``
the result is "inconclusive": no promotion.

The candidate's score in a game is its pairwise score against the champion's seats (two players:
1 win, 1/2 draw or move cap, 0 loss).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from engine.config import PromotionSettings
from engine.players import Evaluator
from engine.players.spec import EvaluatorCache, PlayerSpec, as_cache

from .play import Seating, default_run_id, play_missing, rotations
from .records import MatchRecord, make_match_id, match_record
from .settings import parse_config_key
from .sprt import SPRTState, SPRTSummary


@dataclass(frozen=True)
class PromotionResult:
    """decision: the SPRT's "accept" / "reject" / "inconclusive"; promote: decision == "accept".
    wins/draws/losses: the candidate's, over the counted games. records: every game played
    (``counted_games`` first ones were fed to the test)."""

    candidate: PlayerSpec
    champion: PlayerSpec
    config_key: str
    run_id: str
    decision: str
    promote: bool
    sprt: SPRTSummary
    wins: int
    draws: int
    losses: int
    counted_games: int
    records: tuple[MatchRecord, ...]
    seconds: float

    def to_json(self) -> dict[str, Any]:
        """A JSON-able summary (without the records)."""
        return {"candidate": self.candidate.to_json(), "champion": self.champion.to_json(),
                "config_key": self.config_key, "run_id": self.run_id, "decision": self.decision,
                "promote": self.promote, "sprt": self.sprt.to_json(), "wins": self.wins, "draws": self.draws,
                "losses": self.losses, "counted_games": self.counted_games, "games_played": len(self.records),
                "seconds": self.seconds}


def run_promotion(candidate: PlayerSpec, champion: PlayerSpec, config_key: str,
                  settings: PromotionSettings | Any = None, *,
                  evaluators: EvaluatorCache | Callable[[str], Evaluator] | None = None, seed: int = 0,
                  run_id: str | None = None, created_at: str | None = None,
                  on_block: Callable[[SPRTState], None] | None = None,
                  done: Mapping[str, MatchRecord] | None = None,
                  on_counted: Callable[[list[MatchRecord]], None] | None = None) -> PromotionResult:
    """Play colour-swapped blocks of ``candidate`` vs ``champion`` until the SPRT decides or
    ``max_games`` (module doc). ``settings``: ``PromotionSettings``, or a ``ForgeConfig`` / mapping
    with a ``promotion`` section. ``on_block`` sees the test after each counted block.

    Resuming: ``done`` maps match ids to the records the match log already has; those games are
    not played again, the test counts them as it did the first time. ``on_counted`` sees the
    records of each block as the test counts it (before ``on_block``), so a caller can store them
    at once; games played after the decision are never counted, nor passed."""
    st = settings if isinstance(settings, PromotionSettings) else PromotionSettings.from_config(settings)
    if candidate.spec_id == champion.spec_id:
        raise ValueError("candidate and champion are the same player spec")
    board, n = parse_config_key(config_key)
    cache = as_cache(evaluators)
    sprt = SPRTState.from_settings(st)
    rid = run_id or default_run_id("promotion", config_key, candidate.spec_id, champion.spec_id, seed,
                                   st.opening_moves, st.max_moves)
    block_specs = rotations(candidate, champion, n)
    max_blocks = math.ceil(st.max_games / n)
    t0 = time.perf_counter()
    records: list[MatchRecord] = []
    done = done or {}
    counted = wins = draws = 0
    block = 0
    cid, hid = candidate.spec_id, champion.spec_id
    while sprt.decision == "continue" and block < max_blocks:
        k = min(st.batch_pairs, max_blocks - block)
        seatings = [Seating(specs, b) for b in range(block, block + k) for specs in block_specs]
        first = block * n
        ids = [make_match_id("promotion", rid, first + j) for j in range(len(seatings))]
        known = [i in done for i in ids]
        results, _, _ = play_missing(board, n, seatings, known.__getitem__, seed=seed, first_game=first,
                                     evaluators=cache, opening_moves=st.opening_moves, max_moves=st.max_moves,
                                     concurrency=st.concurrency)
        recs = [match_record(results[j], seatings[j].specs, source="promotion", run_id=rid, game_index=first + j,
                             created_at=created_at) if j in results else done[ids[j]] for j in range(len(seatings))]
        records.extend(recs)
        for j in range(k):
            if sprt.decision != "continue":
                break
            blk = recs[j * n:(j + 1) * n]
            for r in blk:
                out = r.outcome(cid)
                wins += out == "win"
                draws += out == "draw"
            counted += n
            sprt.update([r.score(cid, hid) for r in blk])
            if on_counted is not None:
                on_counted(blk)
            if on_block is not None:
                on_block(sprt)
        block += k
    summary = sprt.summary()
    return PromotionResult(candidate=candidate, champion=champion, config_key=config_key, run_id=rid,
                           decision=summary.decision, promote=summary.decision == "accept", sprt=summary, wins=wins,
                           draws=draws, losses=counted - wins - draws, counted_games=counted,
                           records=tuple(records), seconds=time.perf_counter() - t0)
