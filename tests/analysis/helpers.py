"""A small pipeline history for the analysis tests: games of three generations in the store and the
database, two models (generation 1 and its child, generation 2), a match log and the champion
history -- on whatever database and store a config names (SQLite + folder, PostgreSQL + S3)."""

from __future__ import annotations

import dataclasses
import hashlib
import random
from dataclasses import dataclass
from pathlib import Path

import yaml

from engine.data import generate_games, write_shard
from engine.data.ingest import ShardSource, aggregate_jsonl_to_db, game_row

CK = "square8_2p"


@dataclass
class History:
    cfg: object
    config_path: Path
    m1: str  # generation-1 model id (first champion)
    m2: str  # generation-2 model id (its child, the current champion)
    games: dict  # generation -> [GameRecord] of square8_2p
    hex_games: list  # hex8_3p generation-0 games
    bad_game: str  # a record with an illegal move (quarantined at ingest)
    tampered_game: str  # a record whose database row names another winner
    spec_ids: dict  # "random" / "m1" / "m2" -> player spec id


def write_config(path: Path, home: Path, **sections) -> Path:
    data = {"home": str(home), **sections}
    path.write_text(yaml.safe_dump(data))
    return path


def _model(tag: str, parent: str | None = None):
    from engine.db import ModelRow, model_id_for

    w = hashlib.sha256(tag.encode()).hexdigest()
    return ModelRow(model_id=model_id_for(w, "arch-test", "enc-test"), weights_sha256=w, arch_hash="arch-test",
                    encoder_version="enc-test", config_key=CK, parent_model_id=parent, checkpoint_uri=f"models/{tag}")


def _as_model_games(recs, model_id: str, tag: str):
    out = []
    for r in recs:
        players = tuple({"kind": "gumbel", "model": model_id, "simulations": 8} for _ in range(r.num_players))
        gid = "g" + hashlib.sha256((r.game_id + tag).encode()).hexdigest()[:32]
        out.append(dataclasses.replace(r, players=players, game_id=gid))
    return out


def _ingest(store, db, recs, folder: Path, name: str):
    p = folder / f"{name}.jsonl.zst"
    write_shard(recs, p)
    ref = store.put_file(p)
    aggregate_jsonl_to_db(db, [ShardSource(p, ref.sha256, f"{store.url}#{ref.sha256}", "test")])
    return ref.sha256


def build_history(cfg, config_path: Path, work: Path) -> History:
    from engine.db import (
        GameRow,
        MatchRow,
        MatchSeat,
        database_from_config,
        insert_games,
        record_matches,
        register_model,
        set_champion,
        upsert_player_spec,
    )
    from engine.evaluation import RANDOM_SPEC, PlayerSpec
    from engine.storage import Manifest, ManifestEntry, store_from_config

    work.mkdir(parents=True, exist_ok=True)
    store = store_from_config(cfg)
    db = database_from_config(cfg)
    try:
        m1, m2 = _model("gen-1"), None
        m2 = _model("gen-2", parent=m1.model_id)
        with db.session() as s:
            register_model(s, m1)
            register_model(s, m2)
        g0 = generate_games("square8", 2, ["random", "random"], 4, seed=1)
        g1 = _as_model_games(generate_games("square8", 2, ["random", "random"], 3, seed=11), m1.model_id, "m1")
        g2 = _as_model_games(generate_games("square8", 2, ["random", "random"], 3, seed=21), m2.model_id, "m2")
        hx = generate_games("hex8", 3, ["random"] * 3, 2, seed=5)
        _ingest(store, db, g0 + hx, work, "gen0")
        _ingest(store, db, g1, work, "gen1")
        _ingest(store, db, g2, work, "gen2")
        # a record with two moves swapped: the ingest quarantines it (status "quarantined")
        base = generate_games("square8", 2, ["random", "random"], 1, seed=99)[0]
        mv = list(base.moves)
        mv[6], mv[7] = mv[7], mv[6]
        bad = dataclasses.replace(base, moves=tuple(mv), game_id="g" + "b" * 32)
        # a good record whose database row (inserted by hand) names the other player as winner
        good = dataclasses.replace(generate_games("square8", 2, ["random", "random"], 1, seed=98)[0],
                                   game_id="g" + "c" * 32)
        p = work / "odd.jsonl.zst"
        write_shard([bad, good], p)
        ref = store.put_file(p)
        from engine.db import ShardRow, record_shard

        with db.session() as s:
            record_shard(s, ShardRow(ref.sha256, f"{store.url}#{ref.sha256}", CK, 2, p.stat().st_size))
            row = game_row(good, ref.sha256, 2)
            other = 2 if good.outcome.winner == 1 else 1
            insert_games(s, [dataclasses.replace(row, winner=other),
                             game_row(bad, ref.sha256, 1, status="quarantined")])
        assert isinstance(row, GameRow)

        # the match log: m1 and m2 against random, m2 against m1
        rnd = RANDOM_SPEC
        s1 = PlayerSpec("gumbel", model_id=m1.model_id, simulations=8, label="gen1")
        s2 = PlayerSpec("gumbel", model_id=m2.model_id, simulations=8, label="gen2")
        rng = random.Random(3)
        rows = []
        k = 0

        def play(a, b, p_a: float, n: int):
            nonlocal k
            for i in range(n):
                first, second = (a, b) if i % 2 == 0 else (b, a)
                a_wins = rng.random() < p_a
                win = a if a_wins else b
                seats = (MatchSeat(1, first.spec_id, 1 if first is win else 2, 1.0 if first is win else 0.0),
                         MatchSeat(2, second.spec_id, 1 if second is win else 2, 1.0 if second is win else 0.0))
                rows.append(MatchRow(f"m{k:04d}", CK, "gauntlet", seats, run_id="r", details={"moves": 100}))
                k += 1

        play(s1, rnd, 0.75, 40)
        play(s2, rnd, 0.9, 40)
        play(s2, s1, 0.65, 40)
        with db.session() as s:
            for sp in (rnd, s1, s2):
                assert upsert_player_spec(s, sp.identity(), label=sp.name) == sp.spec_id
            record_matches(s, rows)
            set_champion(s, CK, m1.model_id, previous=None, reason="test")
            set_champion(s, CK, m2.model_id, previous=m1.model_id, reason="test")
        w = store.put_bytes(b"weights")
        man = store.put_manifest(Manifest.build("model", [ManifestEntry.for_object("model.safetensors", w)],
                                                {"model_id": m2.model_id, "config_key": CK}))
        store.swap_pointer(f"champion/{CK}", man, expected=None)
    finally:
        db.dispose()
    return History(cfg, config_path, m1.model_id, m2.model_id, {0: g0, 1: g1, 2: g2}, hx, bad.game_id,
                   good.game_id, {"random": rnd.spec_id, "m1": s1.spec_id, "m2": s2.spec_id})
