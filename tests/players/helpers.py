"""Shared builders for the player tests."""

from __future__ import annotations

import random

from engine.game import apply_in_place, legal_moves, new_game


def decision_positions(board="square8", players=2, n=12, seed=0):
    """Up to ``n`` positions of a random game where the player to act has a real decision."""
    rng = random.Random(seed)
    s = new_game(board, players)
    out = []
    while not s.is_over and len(out) < n:
        legal = legal_moves(s)
        if not (len(legal) == 1 and legal[0].is_bookkeeping):
            out.append(s.clone())
        apply_in_place(s, rng.choice(legal))
    return out
