"""Quality gates on a window of game records, checked before anything is exported.

``evaluate_gates(stats, config) -> GateReport`` with one ``GateResult`` per gate (name, ok, the
measured value, the limit, and a reason when it fails):

==================  ================================================================================
gate                fails when
==================  ================================================================================
min_games           fewer than ``min_games`` new games (``stats.new_games``: games the caller says
                    are new, else every parity-clean game of the window)
parity_failures     (parity failures + malformed lines) / (games + malformed lines) >
                    ``max_parity_fail_share``
game_length         the mean moves per game (bookkeeping included) is outside
                    [``min_mean_moves``, ``max_mean_moves``], or the shortest game is below
                    ``min_game_moves`` or the longest above ``max_game_moves`` (None = no bound)
draw_share          share of games without a winner (stalemates without one, move-capped games) >
                    ``max_draw_share``
stalemate_share     share of games ended by stalemate > ``max_stalemate_share``
capped_share        share of games stopped by the move cap > ``max_capped_share``
encoder_version     a record was made with an encoder version other than this code's
                    (``engine.nn.check_encoder_version``)
==================  ================================================================================

Outcome and length gates are computed over the parity-clean games. With no clean game at all,
those gates fail (there is nothing to judge) except when ``min_games`` is 0.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field

from engine.config import GateConfig
from engine.nn.encoding import EncoderVersionError, check_encoder_version


@dataclass
class WindowStats:
    """What the scan of a window found (filled by the exporter, or by hand in tests)."""

    games: int = 0  # records of the export's config (duplicates and excluded games not counted)
    malformed: int = 0  # shard lines that could not be read as a record
    parity_failed: int = 0
    new_games: int | None = None
    lengths: list[int] = field(default_factory=list)  # moves per parity-clean game
    no_winner: int = 0
    stalemates: int = 0
    capped: int = 0
    encoder_versions: Counter = field(default_factory=Counter)

    @property
    def clean_games(self) -> int:
        return self.games - self.parity_failed

    def add_game(self, moves: int, winner: int | None, reason: str | None, capped: bool) -> None:
        self.lengths.append(int(moves))
        self.no_winner += winner is None
        self.stalemates += reason == "stalemate"
        self.capped += bool(capped)

    def to_json(self) -> dict:
        n = len(self.lengths)
        return {"games": self.games, "malformed": self.malformed, "parity_failed": self.parity_failed,
                "new_games": self.new_games, "clean_games": self.clean_games,
                "mean_moves": round(sum(self.lengths) / n, 3) if n else None,
                "min_moves": min(self.lengths) if n else None, "max_moves": max(self.lengths) if n else None,
                "no_winner": self.no_winner, "stalemates": self.stalemates, "capped": self.capped,
                "encoder_versions": dict(self.encoder_versions)}


@dataclass(frozen=True)
class GateResult:
    name: str
    ok: bool
    value: float | int | str | None
    limit: str
    reason: str | None = None


@dataclass(frozen=True)
class GateReport:
    ok: bool
    gates: tuple[GateResult, ...]

    def failed(self) -> tuple[GateResult, ...]:
        return tuple(g for g in self.gates if not g.ok)

    def __getitem__(self, name: str) -> GateResult:
        for g in self.gates:
            if g.name == name:
                return g
        raise KeyError(name)

    def summary(self) -> str:
        if self.ok:
            return "all gates passed"
        return "; ".join(f"{g.name}: {g.reason}" for g in self.failed())

    def to_json(self) -> dict:
        return {"ok": self.ok, "gates": [asdict(g) for g in self.gates]}


def evaluate_gates(stats: WindowStats, config: GateConfig | None = None) -> GateReport:
    cfg = config or GateConfig()
    out = []
    clean = len(stats.lengths)

    new = stats.new_games if stats.new_games is not None else clean
    out.append(GateResult("min_games", new >= cfg.min_games, new, f">= {cfg.min_games}",
                          None if new >= cfg.min_games else f"{new} new games, at least {cfg.min_games} needed"))

    denom = stats.games + stats.malformed
    bad = stats.parity_failed + stats.malformed
    share = bad / denom if denom else 0.0
    ok = share <= cfg.max_parity_fail_share
    out.append(GateResult("parity_failures", ok, round(share, 6), f"<= {cfg.max_parity_fail_share}",
                          None if ok else f"{stats.parity_failed} parity failures and {stats.malformed} malformed "
                                          f"lines in {denom} ({share:.1%} > {cfg.max_parity_fail_share:.1%})"))

    nothing = clean == 0 and cfg.min_games > 0
    if clean:
        mean = sum(stats.lengths) / clean
        lo, hi = min(stats.lengths), max(stats.lengths)
        problems = []
        if mean < cfg.min_mean_moves:
            problems.append(f"mean {mean:.1f} moves < {cfg.min_mean_moves}")
        if cfg.max_mean_moves is not None and mean > cfg.max_mean_moves:
            problems.append(f"mean {mean:.1f} moves > {cfg.max_mean_moves}")
        if cfg.min_game_moves is not None and lo < cfg.min_game_moves:
            problems.append(f"shortest game {lo} moves < {cfg.min_game_moves}")
        if cfg.max_game_moves is not None and hi > cfg.max_game_moves:
            problems.append(f"longest game {hi} moves > {cfg.max_game_moves}")
        out.append(GateResult("game_length", not problems, round(mean, 3),
                              f"mean in [{cfg.min_mean_moves}, {cfg.max_mean_moves}], min >= {cfg.min_game_moves}, "
                              f"max <= {cfg.max_game_moves}", "; ".join(problems) or None))
    else:
        out.append(GateResult("game_length", not nothing, None, f"mean >= {cfg.min_mean_moves}",
                              "no parity-clean game to measure" if nothing else None))

    for name, count, limit, what in (
            ("draw_share", stats.no_winner, cfg.max_draw_share, "games without a winner"),
            ("stalemate_share", stats.stalemates, cfg.max_stalemate_share, "stalemates"),
            ("capped_share", stats.capped, cfg.max_capped_share, "move-capped games")):
        if clean:
            s = count / clean
            ok = s <= limit
            out.append(GateResult(name, ok, round(s, 6), f"<= {limit}",
                                  None if ok else f"{count} {what} of {clean} ({s:.1%} > {limit:.1%})"))
        else:
            out.append(GateResult(name, not nothing, None, f"<= {limit}",
                                  "no parity-clean game to measure" if nothing else None))

    bad_versions = []
    for v in sorted(stats.encoder_versions):
        try:
            check_encoder_version(v)
        except EncoderVersionError as e:
            bad_versions.append(f"{stats.encoder_versions[v]} record(s): {e}")
    out.append(GateResult("encoder_version", not bad_versions, ",".join(sorted(stats.encoder_versions)) or None,
                          "== this encoder", "; ".join(bad_versions) or None))
    return GateReport(all(g.ok for g in out), tuple(out))
