"""The champion before there is one: no pointer, generation 0 (the promotion tests move it)."""

from __future__ import annotations

from engine.loop.stages import champion, generation_of


def test_no_champion_yet(ctx):
    assert champion(ctx, "square8_2p") is None and generation_of(ctx, "square8_2p") == 0
