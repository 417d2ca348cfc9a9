"""Synthetic match records for the rating and trend tests."""

from __future__ import annotations

import random

from engine.evaluation import MatchRecord, make_match_id
from engine.evaluation.stats import expected_score


def record(config_key, seats, index, run_id="r", source="tournament", reason="territory_control"):
    return MatchRecord(match_id=make_match_id(source, run_id, index), config_key=config_key,
                       seats=tuple(seats), source=source, run_id=run_id, game_index=index, moves=100,
                       victory_reason=reason, created_at="2026-01-01T00:00:00+00:00")


def simulate_2p(true, games_per_ordered_pair, advantage=0.0, seed=0, config_key="square8_2p", run_id="r",
                draw_rate=0.0):
    """Bradley-Terry games between every ordered pair of ``true`` ({spec_id: elo}), the first of the
    pair in seat 1 with ``advantage`` Elo; a draw with probability ``draw_rate``."""
    rng = random.Random(seed)
    ids = list(true)
    out = []
    for a in ids:
        for b in ids:
            if a == b:
                continue
            for _ in range(games_per_ordered_pair):
                if rng.random() < draw_rate:
                    ranks = (1, 1)
                else:
                    p = expected_score(true[a] - true[b] + advantage)
                    ranks = (1, 2) if rng.random() < p else (2, 1)
                out.append(record(config_key, [(a, ranks[0]), (b, ranks[1])], len(out), run_id=run_id))
    return out


def simulate_plackett_luce(true, n, games, advantage=0.0, seed=0, config_key="square8_4p"):
    """``n``-player games between random distinct players of ``true``: the finishing order is drawn
    from Plackett-Luce with strengths 10^(elo/400) (seat 1 boosted by ``advantage``), whose
    pairwise marginals are exactly Bradley-Terry."""
    rng = random.Random(seed)
    ids = list(true)
    out = []
    for g in range(games):
        seats = rng.sample(ids, n)
        gamma = [10 ** ((true[s] + (advantage if i == 0 else 0.0)) / 400) for i, s in enumerate(seats)]
        left = list(range(n))
        ranks = [0] * n
        for place in range(1, n + 1):
            tot = sum(gamma[i] for i in left)
            u = rng.random() * tot
            for i in left:
                u -= gamma[i]
                if u <= 0:
                    break
            ranks[i] = place
            left.remove(i)
        out.append(record(config_key, list(zip(seats, ranks)), g))
    return out


class CountingEvaluator:
    """A stand-in network: the heuristic evaluator, counting calls and batch sizes."""

    def __init__(self, model_id="m"):
        from engine.players import HeuristicEvaluator

        self.model_id = model_id
        self.inner = HeuristicEvaluator()
        self.batches = []

    def evaluate(self, states, legal=None):
        self.batches.append(len(states))
        return self.inner.evaluate(states, legal)


class CountingLoader:
    """``model_loader``: one ``CountingEvaluator`` per model id, remembering every load."""

    def __init__(self):
        self.loaded = []
        self.evaluators = {}

    def __call__(self, model_id):
        self.loaded.append(model_id)
        ev = self.evaluators[model_id] = CountingEvaluator(model_id)
        return ev
