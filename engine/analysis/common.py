"""Small helpers shared by the analysis modules."""

from __future__ import annotations

BOARDS = ("square8", "hex8", "square19", "hexagonal")


def known_configs() -> list[str]:
    """Every config key the engine plays (board x 2-4 players), small boards first."""
    return [f"{b}_{n}p" for b in BOARDS for n in (2, 3, 4)]


def normalize_config_key(text: str) -> str:
    """``square8-2p`` / ``square8_2p`` -> ``square8_2p`` (ValueError when it names no config)."""
    key = text.strip().replace("-", "_")
    if key not in known_configs():
        raise ValueError(f"unknown config {text!r} (e.g. {', '.join(known_configs()[:4])}, ...)")
    return key
