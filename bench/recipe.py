"""Recipe ablations: bootstrap data, training length, search budget, measured outside the loop.

    python bench/recipe.py data  --work W --name v2soft --games 4000 --profile heuristic_v2 --target soft
    python bench/recipe.py train --work W --name r1 --data v2soft --reuse 4
    python bench/recipe.py eval  --work W --name r1 --players policy,gumbel-32 --vs random,heuristic_v1,heuristic_v2

``selfplay`` plays Gumbel self-play with run ``--init``'s network and exports it like ``data``.
``data`` plays heuristic self-play with exploratory openings (``engine.data.bootstrap``), writes one
shard and exports it (``W/data/<name>/``). ``train`` trains a network from scratch (or ``--init`` a
run's final checkpoint) on one or more exports for ``samples x reuse / batch`` optimizer steps
(``W/runs/<name>/``). ``eval`` plays the run's network as each player spec against each opponent,
colour-balanced (every opening twice, seats swapped), 4 random opening moves shared by a pair, and
prints score, 95% interval and CPU seconds per move; one JSON object per line, also appended to
``W/results.jsonl``. Each step is skipped when its output exists, so a script of steps can be rerun.
"""

from __future__ import annotations

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
_ROOT = os.path.dirname(_HERE)
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402


def _data(args) -> dict:
    from engine.data import export_replay_dataset, write_shard
    from engine.data.bootstrap import bootstrap_games

    out = Path(args.work) / "data" / args.name
    done = out / "data.json"
    if done.exists():
        return json.loads(done.read_text())
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    recs = bootstrap_games(args.board, args.players, args.games, seed=args.seed, profile=args.profile,
                           plies=args.plies, temperature=args.temperature, epsilon=args.epsilon,
                           mistakes=args.mistakes, target=args.target, max_moves=2000, namespace=f"recipe:{args.name}")
    t_play = time.perf_counter() - t0
    write_shard(recs, out / "games.jsonl.zst")
    rep = export_replay_dataset([out / "games.jsonl.zst"], out / "export", board=args.board,
                                num_players=args.players, seed=args.seed, overwrite=True)
    if not rep.ok:
        raise SystemExit(f"export refused: {rep.gates}")
    res = {"step": "data", "name": args.name, "games": len(recs), "profile": args.profile, "plies": args.plies,
           "temperature": args.temperature, "epsilon": args.epsilon, "mistakes": args.mistakes,
           "target": args.target, "samples": rep.samples, "play_s": round(t_play, 1),
           "seconds": round(time.perf_counter() - t0, 1)}
    done.write_text(json.dumps(res))
    return res


def _selfplay(args) -> dict:
    """Gumbel self-play with run ``--init``'s network: the improved policy is the target, the first
    ``--plies`` moves are drawn from it at ``--temperature`` (as the loop's step schedule)."""
    import random
    from dataclasses import replace

    import torch

    from engine.data import export_replay_dataset, record_from_match, write_shard
    from engine.nn.checkpoint import load_checkpoint
    from engine.nn.evaluator import NetworkEvaluator
    from engine.nn.inference import Inference
    from engine.players import GumbelPlayer, play_lockstep
    from engine.training.temperature import create_scheduler

    torch.set_num_threads(args.threads)
    out = Path(args.work) / "data" / args.name
    done = out / "data.json"
    if done.exists():
        return json.loads(done.read_text())
    out.mkdir(parents=True, exist_ok=True)
    ck = load_checkpoint(_final(args.work, args.init))
    ev = NetworkEvaluator(Inference(ck.net, device="cpu"), model_id=ck.model_id)
    sched = create_scheduler("step", initial=args.temperature, final=0.0, plies=args.plies)

    class Scheduled(GumbelPlayer):
        def search(self, state):
            move = yield from super().search(state)
            st = self.last_stats
            i = sched.choose(st, state.move_count, 0, self.rng)
            if i != st.chosen:
                self.last_stats = replace(st, chosen=i)
                move = st.moves[i]
            return move

    def make(g: int):
        return [Scheduled(ev, simulations=args.sims, max_considered=min(8, args.sims),
                          seed=random.Random(f"{args.seed}/{g}/{i}").randrange(2**31)) for i in range(args.players)]

    t0 = time.perf_counter()
    run = play_lockstep(args.board, args.players, make, args.games, seed=args.seed, max_moves=2000)
    recs = [record_from_match(r, max_moves=2000, namespace=f"recipe:{args.name}") for r in run.results]
    t_play = time.perf_counter() - t0
    write_shard(recs, out / "games.jsonl.zst")
    rep = export_replay_dataset([out / "games.jsonl.zst"], out / "export", board=args.board,
                                num_players=args.players, seed=args.seed, overwrite=True)
    res = {"step": "selfplay", "name": args.name, "init": args.init, "games": len(recs), "sims": args.sims,
           "plies": args.plies, "temperature": args.temperature, "samples": rep.samples,
           "positions_per_s": round(run.decisions / t_play, 1), "play_s": round(t_play, 1),
           "seconds": round(time.perf_counter() - t0, 1)}
    done.write_text(json.dumps(res))
    return res


def _train(args) -> dict:
    import torch

    from engine.config import TrainingConfig, load_config
    from engine.data import augment, load_manifest
    from engine.data.samples import chunk_paths
    from engine.nn.checkpoint import load_checkpoint
    from engine.nn.network import NetworkArch
    from engine.training import TrainingRun, train

    torch.set_num_threads(args.threads)
    run_dir = Path(args.work) / "runs" / args.name
    done = run_dir / "result.json"
    if done.exists():
        return json.loads(done.read_text())
    exports = [Path(args.work) / "data" / d / "export" for d in args.data.split(",")]
    train_chunks = [p for e in exports for p in chunk_paths(e, "train")]
    val_chunks = [p for e in exports for p in chunk_paths(e, "val")]
    samples = sum(load_manifest(e)["splits"]["train"]["samples"] for e in exports)
    steps = max(1, round(samples * args.reuse / args.batch_size))
    cfg = TrainingConfig(batch_size=args.batch_size, lr=args.lr, warmup_steps=min(100, steps // 10),
                         epochs=1000, max_steps=steps, checkpoint_every=10**9, early_stop_patience=0,
                         value_weight=args.value_weight, seed=args.seed)
    init = load_checkpoint(_final(args.work, args.init)) if args.init else None
    arch = NetworkArch.from_size(args.board, args.players, load_config(env={}).network.size_of(args.size))
    t0 = time.perf_counter()
    r = train(TrainingRun(train_chunks, val_chunks, run_dir, arch=None if init else arch, init=init,
                          augment_fn=augment, dataset=args.data, run_id=args.name, device="cpu"), cfg)
    res = {"checkpoint": str(r.checkpoint), "step": "train", "name": args.name, "data": args.data,
           "init": args.init, "samples": samples,
           "reuse": args.reuse, "steps": r.steps, "lr": args.lr, "size": args.size, "best_val": r.best_val,
           "val_history": list(r.val_history), "seconds": round(time.perf_counter() - t0, 1)}
    done.write_text(json.dumps(res))
    return res


_WORK: list[str] = []  # the --work folder, for run names in player words


def _final(work: str, run: str) -> str:
    done = Path(work) / "runs" / run / "result.json"
    if not done.exists():
        raise SystemExit(f"run {run!r} has not been trained ({done} missing)")
    return json.loads(done.read_text())["checkpoint"]


def _spec(word: str, model_id: str, models: dict | None = None):
    """A player word: random, heuristic_vN, policy, gumbel-N; ``WORD@RUN`` = with run RUN's network
    (loaded into ``models``, model id -> checkpoint)."""
    from engine.players import PlayerSpec

    if "@" in word:
        from engine.nn.checkpoint import load_checkpoint

        word, run = word.split("@", 1)
        ck = load_checkpoint(_final(_WORK[0], run))
        models[ck.model_id] = ck
        model_id = ck.model_id

    if word == "random":
        return PlayerSpec("random")
    if word.startswith("heuristic"):
        return PlayerSpec("heuristic", profile=word.split(":", 1)[-1] if ":" in word else word)
    if word == "policy":
        return PlayerSpec("policy", model_id=model_id)
    if word.startswith("gumbel-"):
        sims = int(word.split("-")[1])
        return PlayerSpec("gumbel", model_id=model_id, simulations=sims, max_considered=min(8, sims))
    raise SystemExit(f"unknown player {word!r} (random, heuristic_v1, heuristic_v2, policy, gumbel-N)")


def interval(scores: list[float]) -> tuple[float, float, float]:
    """Mean and 95% interval (normal approximation, clipped to [0, 1]) of per-game scores."""
    n = len(scores)
    m = sum(scores) / n
    sd = math.sqrt(sum((s - m) ** 2 for s in scores) / max(1, n - 1))
    h = 1.96 * sd / math.sqrt(n)
    return m, max(0.0, m - h), min(1.0, m + h)


def play_pair(board: str, players: int, a, b, games: int, seed: int, evaluators) -> dict:
    """``games`` games of spec ``a`` against spec ``b`` (2 players: each opening with both colour
    orders); ``a``'s score, interval and CPU seconds per move of both."""
    from engine.evaluation.ladder_play import TimedEvaluatorCache, TimedPlayer
    from engine.evaluation.play import OpeningPlayer
    from engine.players import make_player, play_lockstep

    cache = TimedEvaluatorCache(evaluators)
    timed: list[tuple[str, TimedPlayer]] = []

    def make(g: int):
        block, swap = divmod(g, 2)
        order = (b, a) if swap else (a, b)
        out = []
        for i, spec in enumerate(order):
            tp = TimedPlayer(make_player(spec, seed=seed + g * 10 + i, evaluators=cache), seed + g)
            timed.append(("a" if spec is a else "b", tp))
            out.append(OpeningPlayer(tp, 4, f"{seed}/{block}"))
        return out

    t0 = time.perf_counter()
    run = play_lockstep(board, players, make, games=games, seed=seed, max_moves=2000)
    scores = []
    for g, r in enumerate(run.results):
        seat_a = 2 if g % 2 else 1
        scores.append(0.5 if r.winner is None else float(r.winner == seat_a))
    m, lo, hi = interval(scores)
    spm = {}
    for who in ("a", "b"):
        cpu = sum(t.cpu for w, t in timed if w == who)
        dec = sum(t.decisions for w, t in timed if w == who)
        spm[who] = cpu / dec if dec else 0.0
    return {"games": games, "score": round(m, 3), "ci": [round(lo, 3), round(hi, 3)],
            "wins": sum(s == 1.0 for s in scores), "draws": sum(s == 0.5 for s in scores),
            "s_per_move": round(spm["a"], 5), "opp_s_per_move": round(spm["b"], 5),
            "seconds": round(time.perf_counter() - t0, 1)}


def _eval(args) -> list[dict]:
    import torch

    from engine.nn.checkpoint import load_checkpoint
    from engine.nn.evaluator import NetworkEvaluator
    from engine.nn.inference import Inference
    from engine.players import EvaluatorCache

    torch.set_num_threads(args.threads)
    _WORK[:] = [args.work]
    ck = load_checkpoint(_final(args.work, args.name))
    models = {ck.model_id: ck}
    cache = EvaluatorCache(lambda mid: NetworkEvaluator(Inference(models[mid].net, device="cpu"), model_id=mid))
    out = []
    for pw in args.players_list.split(","):
        for ow in args.vs.split(","):
            res = play_pair(args.board, args.players, _spec(pw, ck.model_id, models),
                            _spec(ow, ck.model_id, models), args.games, args.seed, cache)
            res = {"step": "eval", "name": args.name, "player": pw, "opponent": ow, **res}
            print(json.dumps(res), flush=True)
            with open(Path(args.work) / "results.jsonl", "a") as f:
                f.write(json.dumps(res) + "\n")
            out.append(res)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench/recipe.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("step", choices=("data", "selfplay", "train", "eval"))
    ap.add_argument("--work", required=True, help="folder of data/, runs/ and results.jsonl")
    ap.add_argument("--name", required=True, help="data set name (data) or run name (train, eval)")
    ap.add_argument("--board", default="square8")
    ap.add_argument("--players", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    # data
    ap.add_argument("--games", type=int, default=2000, help="data: self-play games; eval: games per pair")
    ap.add_argument("--profile", default="heuristic_v2")
    ap.add_argument("--plies", type=int, default=8, help="exploratory plies at the start of each game")
    ap.add_argument("--temperature", type=float, default=1.0, help="sampling temperature of those plies")
    ap.add_argument("--epsilon", type=float, default=0.0, help="share of uniformly random moves among them")
    ap.add_argument("--mistakes", type=float, default=0.0,
                    help="later, share of uniformly random moves that keep the heuristic's target")
    ap.add_argument("--target", default="soft", choices=("soft", "choice"))
    ap.add_argument("--sims", type=int, default=32, help="selfplay: gumbel simulations per move")
    # train
    ap.add_argument("--data", default="", help="comma-separated data set names")
    ap.add_argument("--init", default="", help="start from this run's final network")
    ap.add_argument("--reuse", type=float, default=4.0, help="training samples per train sample")
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--value-weight", type=float, default=1.0)
    ap.add_argument("--size", default="tiny")
    # eval
    ap.add_argument("--players-list", default="policy", help="eval: policy, gumbel-N (comma-separated)")
    ap.add_argument("--vs", default="random,heuristic_v1,heuristic_v2")
    args = ap.parse_args(argv)
    if args.step == "data":
        print(json.dumps(_data(args)))
    elif args.step == "selfplay":
        print(json.dumps(_selfplay(args)))
    elif args.step == "train":
        print(json.dumps(_train(args)))
    else:
        _eval(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
