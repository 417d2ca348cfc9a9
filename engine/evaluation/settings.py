"""Config keys: ``"square8_2p"`` <-> ``("square8", 2)``.

The settings of the evaluation package (``EloSettings``, ``GauntletSettings``,
``PromotionSettings``, ``LadderSettings``: the ``evaluation:``, ``gauntlet:``, ``promotion:`` and
``ladder:`` sections) are defined in ``engine.config`` with every other section; ``X.from_config(cfg)``
copies whatever of its keys ``cfg`` has (a ``ForgeConfig``, the section, a mapping or any object
with those attributes) and keeps the defaults for the rest.
"""

from __future__ import annotations

from engine.game import BOARD_TYPES


def make_config_key(board: str, num_players: int) -> str:
    """``("square8", 2) -> "square8_2p"`` (the ``NetworkArch.config_key`` format)."""
    return f"{board}_{int(num_players)}p"


def parse_config_key(config_key: str) -> tuple[str, int]:
    """``"square8_2p" -> ("square8", 2)``; ValueError for anything else."""
    board, sep, tail = str(config_key).rpartition("_")
    if not sep or board not in BOARD_TYPES or not tail.endswith("p") or tail[:-1] not in ("2", "3", "4"):
        raise ValueError(f"bad config key {config_key!r}: expected BOARD_Np with BOARD in {BOARD_TYPES}, N in 2..4")
    return board, int(tail[:-1])

