"""Curriculum training: stage config, generation weights, stage chaining, skip/resume, weight transfer."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from engine.data.samples import SampleBatch, load_npz_chunk
from engine.nn.checkpoint import load_checkpoint, save_checkpoint
from engine.nn.network import build_network
from engine.training.curriculum import (
    CurriculumConfig,
    CurriculumError,
    CurriculumStage,
    CurriculumTrainer,
    DataSource,
    GenerationWeights,
    arch_for_config,
    stage_finished,
    transfer_weights,
)
from tests.training.conftest import make_dataset, small_cfg, tiny_arch


@pytest.fixture(scope="module")
def sources(dataset):
    """The conftest dataset as two sources: 'heuristic' (generation 0) and 'gen-1'."""
    t, v = dataset.train, dataset.val
    return [DataSource("heuristic", tuple(t[:3]), tuple(v[:1]), generation=0),
            DataSource("gen-1", tuple(t[3:]), tuple(v[1:]), generation=1)]


@pytest.fixture(scope="module")
def hex_source(tmp_path_factory):
    ds = make_dataset(tmp_path_factory.mktemp("hex-data"), games=4, board="hex8")
    return DataSource("hex", tuple(ds.train), tuple(ds.val), generation=1)


def _cfg(*stages, allow_transfer=False):
    return CurriculumConfig.from_json({"stages": list(stages), "allow_transfer": allow_transfer})


def _lines(run_dir):
    return [json.loads(x) for x in (run_dir / "metrics.jsonl").read_text().splitlines()]


# -- configuration ---------------------------------------------------------------------------------

def test_config_json_round_trip_and_validation():
    cfg = _cfg({"name": "bootstrap", "sources": ["heuristic"], "epochs": 2},
               {"name": "search", "sources": ["gen-*", "heuristic"], "lr_scale": 0.5, "generation_decay": 0.7,
                "min_weight": 0.1, "overrides": {"batch_size": 64}})
    assert CurriculumConfig.from_json(json.dumps(cfg.to_json())) == cfg
    assert cfg.stages[1].sources == ("gen-*", "heuristic") and cfg.stages[1].weighted and not cfg.stages[0].weighted
    assert CurriculumStage(name="a", sources="x").sources == ("x",)
    assert CurriculumConfig.coerce({"stages": [{"name": "a"}], "allow_transfer": True}).allow_transfer
    for bad in ({"name": "a b"}, {"name": ""}, {"name": "a", "lr_scale": 0}, {"name": "a", "generation_decay": 0},
                {"name": "a", "generation_decay": 1.5}, {"name": "a", "init": "best"}, {"name": "a", "epochs": -1},
                {"name": "a", "overrides": {"batchsize": 3}}, {"name": "a", "min_weight": 2}, {"name": "a", "foo": 1}):
        with pytest.raises(CurriculumError):
            _cfg(bad)
    with pytest.raises(CurriculumError, match="unique"):
        _cfg({"name": "a"}, {"name": "a"})
    with pytest.raises(CurriculumError, match="unknown curriculum keys"):
        CurriculumConfig.from_json({"stage": []})
    with pytest.raises(CurriculumError, match="at least one stage"):
        CurriculumTrainer(CurriculumConfig(), small_cfg())


def test_stage_training_config():
    base = small_cfg(lr=1e-2, epochs=3, max_steps=0)
    st = CurriculumStage(name="s", epochs=5, max_steps=7, lr_scale=0.25, overrides={"batch_size": 16, "lr": 2e-2})
    cfg = st.training_config(base)
    assert (cfg.epochs, cfg.max_steps, cfg.batch_size) == (5, 7, 16) and cfg.lr == pytest.approx(5e-3)
    plain = CurriculumStage(name="p").training_config(base)
    assert plain == base


# -- generation weights ----------------------------------------------------------------------------

def test_generation_weights_by_game_and_model(dataset):
    b = SampleBatch.concat([load_npz_chunk(p) for p in dataset.train])
    hashes = np.unique(b.game_hash)
    assert len(hashes) >= 3
    games = {int(h): i % 3 for i, h in enumerate(hashes)}  # generations 0, 1, 2 by game
    w = GenerationWeights(decay=0.5, game_generation=games)
    assert w.latest == 2
    want = np.array([0.5 ** (2 - games[int(h)]) for h in b.game_hash], dtype=np.float32)
    np.testing.assert_allclose(w(b), want)
    assert w(b).dtype == np.float32 and w(b).shape == (len(b),)
    floored = GenerationWeights(decay=0.5, game_generation=games, min_weight=0.3)
    assert floored(b).min() == pytest.approx(0.3)
    # unknown games: the model table, else the default generation
    models = [m.decode() for m in b.models]
    by_model = GenerationWeights(decay=0.5, latest=4, model_generation={models[0]: 4}, default_generation=1)
    gens = by_model.generations(b)
    assert set(gens.tolist()) <= {1, 4} and (gens == 4).sum() == (b.model_index == 0).sum()
    with pytest.raises(ValueError):
        GenerationWeights(decay=0.0)


def test_generation_weights_from_sources(sources):
    w = GenerationWeights.from_sources(sources, decay=0.25)
    assert w.latest == 1 and w.default_generation == 0
    only = {}
    for s in sources:
        for p in s.train:
            for h in np.unique(load_npz_chunk(p).game_hash).tolist():
                only.setdefault(h, set()).add(s.generation)
    merged = SampleBatch.concat([load_npz_chunk(p) for s in sources for p in s.train])
    weights = w(merged)
    for h, x in zip(merged.game_hash.tolist(), weights.tolist()):
        assert x == (1.0 if 1 in only[h] else 0.25)  # a game in both sources takes the newest generation
    assert (weights == 0.25).any() and (weights == 1.0).any()


# -- planning errors -------------------------------------------------------------------------------

def test_plan_errors(sources, hex_source):
    tr = CurriculumTrainer(_cfg({"name": "a", "sources": ["nothing-*"]}), small_cfg())
    with pytest.raises(CurriculumError, match="no data source matches"):
        tr.plan(sources, arch=tiny_arch())
    tr = CurriculumTrainer(_cfg({"name": "a"}), small_cfg())
    with pytest.raises(CurriculumError, match="several configs"):
        tr.plan(sources + [hex_source], arch=tiny_arch())
    with pytest.raises(CurriculumError, match="pass arch="):
        tr.plan(sources)
    with pytest.raises(CurriculumError, match="unique"):
        tr.plan(sources + sources, arch=tiny_arch())
    tr = CurriculumTrainer(_cfg({"name": "sq", "sources": ["heuristic"]}, {"name": "hex", "sources": ["hex"]}),
                           small_cfg())
    with pytest.raises(CurriculumError, match="data is for hex8_2p but it would start from a square8_2p network"):
        tr.plan(sources + [hex_source], arch=tiny_arch())
    # from scratch a stage may change config; with allow_transfer it may start from the previous network
    ok = CurriculumTrainer(_cfg({"name": "sq", "sources": ["heuristic"]}, {"name": "hex", "sources": ["hex"],
                                                                            "init": "scratch"}), small_cfg())
    assert [p.config_key for p in ok.plan(sources + [hex_source], arch=tiny_arch())] == ["square8_2p", "hex8_2p"]
    tr = CurriculumTrainer(_cfg({"name": "sq", "sources": ["heuristic"]}, {"name": "hex", "sources": ["hex"]},
                                allow_transfer=True), small_cfg())
    plans = tr.plan({s.name: s for s in sources + [hex_source]}, arch=tiny_arch())
    assert [p.transfers for p in plans] == [False, True] and [p.dirname for p in plans] == ["00-sq", "01-hex"]


# -- training --------------------------------------------------------------------------------------

TWO_STAGES = ({"name": "bootstrap", "sources": ["heuristic"], "max_steps": 4},
              {"name": "mixed", "lr_scale": 0.5, "generation_decay": 0.5, "max_steps": 6})


def test_stages_chain_and_a_rerun_skips_finished_stages(sources, tmp_path):
    base = small_cfg(epochs=1, checkpoint_every=4)
    tr = CurriculumTrainer(_cfg(*TWO_STAGES), base)
    seen = []
    r = tr.run(sources, tmp_path / "cur", arch=tiny_arch(), device="cpu", run_id="c1",
               progress_cb=lambda line: seen.append((line["stage"], line["step"])))
    a, b = r.stages
    assert [s.name for s in r.stages] == ["bootstrap", "mixed"] and not a.skipped and not b.skipped
    assert a.init == "scratch" and a.result.init == "scratch" and a.result.steps == 4
    assert b.init == f"previous:{a.result.model_id}" and b.result.init == f"champion:{a.result.model_id}"
    assert b.sources == ("heuristic", "gen-1") and b.result.steps == 6 and r.final is b.result
    assert seen == [("bootstrap", k) for k in range(1, 5)] + [("mixed", k) for k in range(1, 7)]
    ck = load_checkpoint(b.result.checkpoint)
    assert ck.meta.lineage.parent == a.result.model_id and ck.meta.lineage.training_run == "c1/mixed"
    assert a.run_dir == tmp_path / "cur" / "00-bootstrap" and b.run_dir == tmp_path / "cur" / "01-mixed"
    la, lb = _lines(a.run_dir), _lines(b.run_dir)
    assert lb[0]["init"] == f"champion:{a.result.model_id}" and lb[0]["config"]["lr"] == pytest.approx(base.lr / 2)
    assert max(x["lr"] for x in lb if x["kind"] == "train") <= base.lr / 2 + 1e-12
    assert la[0]["train_samples"] < lb[0]["train_samples"]  # the second stage sees both sources
    assert stage_finished(a.run_dir) and stage_finished(b.run_dir)
    summary = json.loads((tmp_path / "cur" / "curriculum.json").read_text())
    assert summary["model_id"] == r.model_id and [s["name"] for s in summary["stages"]] == ["bootstrap", "mixed"]

    before = {p: p.read_bytes() for p in (a.run_dir / "metrics.jsonl", b.run_dir / "metrics.jsonl")}
    again = tr.run(sources, tmp_path / "cur", arch=tiny_arch(), device="cpu", run_id="c1")
    assert all(s.skipped for s in again.stages)
    assert [s.result.model_id for s in again.stages] == [a.result.model_id, b.result.model_id]
    assert again.stages[1].result.val_history == b.result.val_history and again.final.steps == 6
    assert again.final.checkpoint == b.result.checkpoint and again.final.stopped == b.result.stopped
    assert {p: p.read_bytes() for p in before} == before  # nothing retrained or rewritten

    changed = CurriculumTrainer(_cfg(TWO_STAGES[0], dict(TWO_STAGES[1], lr_scale=0.25)), base)
    with pytest.raises(CurriculumError, match="another definition .*differs in: stage, training"):
        changed.run(sources, tmp_path / "cur", arch=tiny_arch(), device="cpu", run_id="c1")


class _Stop(Exception):
    pass


def test_an_interrupted_stage_resumes_to_the_same_weights(sources, tmp_path):
    base = small_cfg(epochs=1, checkpoint_every=4)
    tr = CurriculumTrainer(_cfg(*TWO_STAGES), base)
    ref = tr.run(sources, tmp_path / "ref", arch=tiny_arch(), device="cpu")

    def stop(line):
        if line["stage"] == "mixed" and line["step"] == 5:  # after the checkpoint of step 4
            raise _Stop

    with pytest.raises(_Stop):
        tr.run(sources, tmp_path / "cut", arch=tiny_arch(), device="cpu", progress_cb=stop)
    assert stage_finished(tmp_path / "cut" / "00-bootstrap") and not stage_finished(tmp_path / "cut" / "01-mixed")
    r = tr.run(sources, tmp_path / "cut", arch=tiny_arch(), device="cpu")
    assert [s.skipped for s in r.stages] == [True, False] and r.stages[1].result.init == "resume:4"
    assert [s.result.model_id for s in r.stages] == [s.result.model_id for s in ref.stages]
    x, y = load_checkpoint(ref.checkpoint).net.state_dict(), load_checkpoint(r.checkpoint).net.state_dict()
    assert all(torch.equal(x[k], y[k]) for k in x)
    steps = [d["step"] for d in _lines(r.stages[1].run_dir) if d["kind"] == "train"]
    assert steps == list(range(1, 7))


def test_transfer_weights_between_boards_and_player_counts():
    src = build_network(tiny_arch(), seed=5)
    net, rep = transfer_weights(src, "hex8_2p", seed=1)
    assert net.arch.config_key == "hex8_2p" and net.arch.channels == src.arch.channels
    assert rep.reinitialised == ("policy_out.weight", "policy_out.bias") and rep.source == "square8_2p"
    s, d = src.state_dict(), net.state_dict()
    assert all(torch.equal(s[k], d[k]) for k in rep.copied) and len(rep.copied) == len(d) - 2
    assert d["policy_out.weight"].shape[0] == 196 and s["policy_out.weight"].shape[0] == 239
    same_board, rep3 = transfer_weights(src, "square8_3p")
    assert rep3.reinitialised == () and all(torch.equal(s[k], v) for k, v in same_board.state_dict().items())
    assert arch_for_config(src.arch, "square8_2p") is src.arch
    with pytest.raises(CurriculumError, match="not a config key"):
        arch_for_config(src.arch, "square8")
    # the transferred network runs on the new board
    arch = net.arch
    logits, values = net.eval()(torch.zeros(2, arch.in_planes, arch.height, arch.width), torch.zeros(2,
                                                                                                     arch.num_globals))
    assert logits.shape == (2, arch.policy_size) and values.shape == (2, 4)


def test_a_stage_on_another_board_starts_from_a_transfer(sources, hex_source, tmp_path):
    cfg = _cfg({"name": "sq", "sources": ["heuristic"], "max_steps": 2},
               {"name": "hex", "sources": ["hex"], "max_steps": 2, "overrides": {"batch_size": 16}},
               allow_transfer=True)
    tr = CurriculumTrainer(cfg, small_cfg(epochs=1))
    r = tr.run(sources + [hex_source], tmp_path / "cur", arch=tiny_arch(), device="cpu")
    sq, hx = r.stages
    assert sq.config_key == "square8_2p" and hx.config_key == "hex8_2p" and sq.transfer is None
    assert hx.init == f"transfer:previous:{sq.result.model_id}"
    assert hx.transfer.reinitialised == ("policy_out.weight", "policy_out.bias")
    t = load_checkpoint(hx.run_dir / "transfer" / "init")
    assert t.meta.lineage.parent == sq.result.model_id and "policy_out.weight" in t.meta.lineage.notes
    final = load_checkpoint(hx.result.checkpoint)
    assert final.meta.arch.config_key == "hex8_2p" and final.meta.lineage.parent == t.model_id
    again = tr.run(sources + [hex_source], tmp_path / "cur", arch=tiny_arch(), device="cpu")
    assert all(s.skipped for s in again.stages) and again.stages[1].transfer == hx.transfer
    assert again.model_id == r.model_id


def test_base_init_and_foreign_run_dir(sources, tmp_path):
    champ = build_network(tiny_arch(), seed=9)
    save_checkpoint(champ, tmp_path / "champ")
    ck = load_checkpoint(tmp_path / "champ")
    cfg = _cfg({"name": "a", "sources": ["heuristic"], "max_steps": 1}, {"name": "b", "init": "base", "max_steps": 1})
    r = CurriculumTrainer(cfg, small_cfg(epochs=1)).run(sources, tmp_path / "cur", init=ck, device="cpu")
    assert [s.init for s in r.stages] == [f"base:{ck.model_id}"] * 2
    assert all(load_checkpoint(s.result.checkpoint).meta.lineage.parent == ck.model_id for s in r.stages)
    # a stage directory holding some other training run is refused
    other = tmp_path / "other"
    (other / "00-a" / "checkpoints").mkdir(parents=True)
    with pytest.raises(CurriculumError, match="not this curriculum's stage"):
        CurriculumTrainer(cfg, small_cfg(epochs=1)).run(sources, other, init=ck, device="cpu")
