"""One identity recipe: config fingerprints per stage, batch ids, run ids."""

from __future__ import annotations

import pytest

from engine.config import config_from_dict
from engine.loop.identity import (
    config_diff,
    config_fingerprint,
    generation_seed,
    plan_batches,
    selfplay_batch_id,
    stage_config,
    training_run_id,
)


def _cfg(**sections):
    return config_from_dict(sections, env={})


def test_a_stage_fingerprint_changes_with_the_keys_it_reads_only():
    base = _cfg()
    lr = _cfg(training={"lr": 0.01})
    assert config_fingerprint(lr, "train") != config_fingerprint(base, "train")
    for stage in ("selfplay", "export", "gauntlet", "promotion"):
        assert config_fingerprint(lr, stage) == config_fingerprint(base, stage)
    # runtime-only keys do not change what a stage produces
    assert config_fingerprint(_cfg(selfplay={"concurrency": 7}), "selfplay") == config_fingerprint(base, "selfplay")
    assert config_fingerprint(_cfg(network={"device": "cpu"}), "train") == config_fingerprint(base, "train")
    # the search settings decide the candidate's player in gauntlet and promotion
    sims = _cfg(selfplay={"simulations": 3})
    assert config_fingerprint(sims, "promotion") != config_fingerprint(base, "promotion")
    assert config_fingerprint(sims, "selfplay") != config_fingerprint(base, "selfplay")
    assert config_fingerprint(_cfg(network={"size": "standard"}), "train") != config_fingerprint(base, "train")
    with pytest.raises(ValueError, match="unknown stage"):
        stage_config(base, "bogus")


def test_changing_the_learning_rate_gives_a_new_training_run_id():
    a = training_run_id("square8_2p", "d" * 64, "scratch", config_fingerprint(_cfg(), "train"))
    b = training_run_id("square8_2p", "d" * 64, "scratch", config_fingerprint(_cfg(training={"lr": 0.01}), "train"))
    c = training_run_id("square8_2p", "d" * 64, "m" * 64, config_fingerprint(_cfg(), "train"))
    assert len({a, b, c}) == 3
    assert a == training_run_id("square8_2p", "d" * 64, "scratch", config_fingerprint(_cfg(), "train"))


def test_batch_ids_carry_the_champion_and_the_search_settings():
    kw = dict(index=0, games=4, seed=5, engine="gumbel", champion="a" * 64, simulations=8, fingerprint="f")
    ref = selfplay_batch_id("square8_2p", **kw)
    assert ref == selfplay_batch_id("square8_2p", **kw)
    assert ref != selfplay_batch_id("square8_2p", **(kw | {"champion": "b" * 64}))
    assert ref != selfplay_batch_id("square8_2p", **(kw | {"simulations": 16}))
    assert ref != selfplay_batch_id("square8_2p", **(kw | {"seed": 6}))
    assert ref != selfplay_batch_id("square8_2p", **(kw | {"fingerprint": "g"}))
    # without a network the champion and the simulations play no part
    h = kw | {"engine": "heuristic"}
    assert selfplay_batch_id("square8_2p", **h) == selfplay_batch_id("square8_2p", **(h | {"champion": None,
                                                                                           "simulations": 1}))


def test_a_plan_is_a_function_of_its_arguments_and_continues_by_index():
    kw = dict(engine="heuristic", champion=None, simulations=8, fingerprint="f")
    plan = plan_batches("square8_2p", 10, 4, 3, **kw)
    assert [g for g, _, _ in plan] == [4, 4, 2]
    assert plan == plan_batches("square8_2p", 10, 4, 3, **kw)
    assert len({b for _, _, b in plan}) == 3 and [s for _, s, _ in plan] == [3000, 3001, 3002]
    rest = plan_batches("square8_2p", 6, 4, 3, first_index=1, **kw)
    assert rest[0] == plan[1]  # a rerun that starts at batch 1 re-finds the same batch 1
    with pytest.raises(ValueError, match="nothing to play"):
        plan_batches("square8_2p", 0, 4, 3, **kw)


def test_the_generation_seed_follows_the_champion():
    assert generation_seed("square8_2p", None) == generation_seed("square8_2p", None)
    assert generation_seed("square8_2p", None) != generation_seed("square8_2p", "a" * 64)
    assert 0 <= generation_seed("hex8_3p", "b" * 64) < 2**31


def test_config_diff_names_the_dotted_keys():
    assert config_diff({"a": 1, "b": {"c": 2, "d": 3}}, {"a": 1, "b": {"c": 5}, "e": 0}) == ["b.c", "b.d", "e"]
    assert config_diff({"a": (1, 2)}, {"a": [1, 2]}) == []
