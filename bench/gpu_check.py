"""The GPU check (run by bench/gpu_check.sh): CUDA tests, network forward positions/s, training
samples/s and lockstep self-play positions/s with the GPU evaluator; ONE JSON object last.

    python3 bench/gpu_check.py                      # on the GPU machine (defaults below, < 8 minutes)
    python3 bench/gpu_check.py --device cpu --quick # anywhere: tiny counts, to know the script runs

Made for a bare machine with only PyTorch, numpy, safetensors, PyYAML and fsspec: no pytest (the CUDA
tests go through a small runner with a stand-in ``pytest`` module), no Prefect, no zstandard (a
stand-in module that fails only if something really compresses; nothing here does), no
``engine.config`` (the network sizes are read from the YAML file directly).

Sections (each one's failure is reported, the rest still run; a time budget skips what would not
fit): CUDA-only tests (test functions under tests/ whose skip condition names CUDA); forward
positions/s at each ``--batches`` for each network size; training samples/s (forward, the project's
policy and value losses, backward, AdamW; bf16 autocast on CUDA as the trainer does) for each size;
self-play positions/s (Gumbel, ``--sims`` simulations, ``--considered`` actions, ``--moves`` moves
per game) with ``G`` games in lockstep for each ``--lockstep`` G, sharing one network evaluator.
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
import ast  # noqa: E402
import contextlib  # noqa: E402
import importlib  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
import types  # noqa: E402
from pathlib import Path  # noqa: E402

# -- stand-ins for what the bare GPU machine lacks -------------------------------------------------------


def _stand_in_zstandard() -> None:
    """engine.data imports zstandard at module level but uses it only to (de)compress files; this
    check never does, so a module that fails on first real use is enough."""
    try:
        import zstandard  # noqa: F401
    except ImportError:
        m = types.ModuleType("zstandard")

        def missing(name: str):
            if name.startswith("__"):
                raise AttributeError(name)
            raise ImportError(f"zstandard is not installed on this machine (zstandard.{name})")

        m.__getattr__ = missing  # type: ignore[attr-defined]
        sys.modules["zstandard"] = m


class Skipped(Exception):
    pass


def _stand_in_pytest() -> types.ModuleType:
    """Enough of pytest for importing test modules and running plain test functions."""
    m = types.ModuleType("pytest")

    class _Mark:
        def __getattr__(self, name):
            def mark(*args, **kwargs):
                if len(args) == 1 and callable(args[0]) and not kwargs:
                    return args[0]
                return lambda f: f
            return mark

    @contextlib.contextmanager
    def raises(exc, match=None):
        class Info:
            value = None
        info = Info()
        try:
            yield info
        except exc as e:  # noqa: B902
            info.value = e
            if match is not None and not re.search(match, str(e)):
                raise AssertionError(f"{e!r} does not match {match!r}") from None
        else:
            raise AssertionError(f"DID NOT RAISE {exc}")

    def fixture(*args, **kwargs):
        if len(args) == 1 and callable(args[0]):
            return args[0]
        return lambda f: f

    def skip(msg=""):
        raise Skipped(msg)

    def importorskip(name, *a, **k):
        try:
            return importlib.import_module(name)
        except ImportError:
            raise Skipped(f"{name} not installed") from None

    m.mark = _Mark()
    m.raises, m.fixture, m.skip, m.importorskip = raises, fixture, skip, importorskip
    m.param = lambda *a, **k: a
    return m


# -- CUDA tests ----------------------------------------------------------------------------------------------

def cuda_only_tests(root: Path) -> list[tuple[str, str]]:
    """(module, function) of every test function under tests/ that is skipped without CUDA: a
    ``skipif`` decorator naming cuda (``@pytest.mark.skipif(not torch.cuda.is_available(), ...)``),
    or every test of a module whose ``pytestmark`` is such a skipif."""
    out = []
    for path in sorted((root / "tests").rglob("test_*.py")):
        try:
            tree = ast.parse(path.read_text())
        except (OSError, SyntaxError):
            continue
        mod = ".".join(path.relative_to(root).with_suffix("").parts)

        def cuda_skip(expr: ast.AST) -> bool:
            text = ast.unparse(expr).lower()
            return "skipif" in text and "cuda" in text

        whole = any(isinstance(n, ast.Assign) and any(getattr(t, "id", "") == "pytestmark" for t in n.targets)
                    and cuda_skip(n.value) for n in tree.body)
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
                if whole or any(cuda_skip(d) for d in node.decorator_list):
                    out.append((mod, node.name))
    return out


def run_tests(tests: list[tuple[str, str]], use_pytest: bool, root: Path, timeout: float) -> list[dict]:
    """Each test through pytest when it is installed (and allowed), else called directly with a
    stand-in pytest module (a test that needs fixtures is reported, not run)."""
    if not tests:
        return []
    if use_pytest:
        import subprocess

        ids = [f"{m.replace('.', '/')}.py::{f}" for m, f in tests]
        t0 = time.perf_counter()
        p = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0", *ids],
                           cwd=root, capture_output=True, text=True, timeout=timeout)
        if "unrecognized arguments: -n" in p.stderr:  # no xdist there
            p = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *ids], cwd=root,
                               capture_output=True, text=True, timeout=timeout)
        tail = (p.stdout + p.stderr).strip().splitlines()[-1:] or [""]
        return [{"tests": ids, "runner": "pytest", "ok": p.returncode == 0, "summary": tail[0],
                 "seconds": round(time.perf_counter() - t0, 1)}]
    if "pytest" not in sys.modules:
        try:
            import pytest  # noqa: F401
        except ImportError:
            sys.modules["pytest"] = _stand_in_pytest()
    import inspect

    out = []
    for mod, fn in tests:
        t0 = time.perf_counter()
        row = {"test": f"{mod}::{fn}", "runner": "direct"}
        try:
            f = getattr(importlib.import_module(mod), fn)
            if inspect.signature(f).parameters:
                row.update(ok=None, error=f"needs fixtures {list(inspect.signature(f).parameters)}: not run")
            else:
                f()
                row["ok"] = True
        except Skipped as e:
            row.update(ok=None, error=f"skipped: {e}")
        except Exception as e:  # noqa: BLE001 - reported, the next test still runs
            row.update(ok=False, error=f"{type(e).__name__}: {e}"[:500],
                       where=traceback.format_exc().strip().splitlines()[-3:])
        row["seconds"] = round(time.perf_counter() - t0, 2)
        out.append(row)
    return out


# -- measurements ----------------------------------------------------------------------------------------------

def network_sizes(config_path: Path) -> dict[str, dict]:
    """``network.sizes`` of the config file (PyYAML only; engine.config is not imported)."""
    import yaml

    data = yaml.safe_load(config_path.read_text()) or {}
    sizes = (data.get("network") or {}).get("sizes") or {}
    if not sizes:
        raise ValueError(f"{config_path}: no network.sizes")
    return {str(k): dict(v) for k, v in sizes.items()}


def _arch(board: str, players: int, size: dict):
    from engine.nn.network import NetworkArch

    return NetworkArch.for_config(board, players, channels=int(size["channels"]), blocks=int(size["blocks"]),
                                  se_ratio=int(size.get("se_ratio", 4)), policy_channels=int(size["policy_channels"]),
                                  value_hidden=int(size["value_hidden"]))


def sample_positions(board: str, players: int, count: int, seed: int = 0):
    """States (with their legal moves) from random games, cycled to ``count``."""
    import random

    from engine.game import apply_in_place, legal_moves, new_game

    rng = random.Random(seed)
    states = []
    while len(states) < min(count, 512):
        s = new_game(board, players)
        while not s.is_over and s.move_count < 300:
            moves = legal_moves(s)
            if not (len(moves) == 1 and moves[0].is_bookkeeping) and rng.random() < 0.3:
                states.append((s.clone(), moves))
            apply_in_place(s, rng.choice(moves))
    return [states[i % len(states)] for i in range(count)]


def _sync(device) -> None:
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)


def forward_rate(net, device: str, positions, batches: list[int], seconds: float) -> list[dict]:
    import numpy as np

    from engine.nn import encode_state
    from engine.nn.inference import Inference

    inf = Inference(net, device=device, max_batch=max(batches))
    enc = [encode_state(s) for s, _ in positions[:max(batches)]]
    planes, glob = np.stack([e[0] for e in enc]), np.stack([e[1] for e in enc])
    out = []
    for b in batches:
        x, g = planes[:b], glob[:b]
        inf.predict(x, g)
        _sync(inf.device)
        n, t0 = 0, time.perf_counter()
        while True:
            inf.predict(x, g)  # numpy in and out: includes the host<->device copies the evaluator pays
            n += b
            dt = time.perf_counter() - t0
            if dt >= seconds:
                break
        out.append({"batch": b, "positions_per_s": round(n / dt, 1), "ms_per_batch": round(1000 * dt * b / n, 3)})
    return out


def training_rate(net, device: str, positions, batch: int, steps: int, warmup: int) -> dict:
    """Optimizer steps on real positions (policy target: one legal move, value: +-1), samples/s."""
    import numpy as np
    import torch

    from engine.nn import encode_state
    from engine.nn.actions import moves_to_indices
    from engine.nn.inference import resolve_device
    from engine.training.losses import LossBatch, policy_loss, value_loss

    dev = resolve_device(device)
    net = net.to(dev).train()
    pos = positions[:batch]
    enc = [encode_state(s) for s, _ in pos]
    lrow, lidx, trow, tidx = [], [], [], []
    for i, (s, moves) in enumerate(pos):
        ids = moves_to_indices(s, list(moves))
        lrow += [i] * len(ids)
        lidx += list(ids)
        trow.append(i)
        tidx.append(ids[i % len(ids)])
    n = len(pos)
    t = lambda a, dt: torch.as_tensor(np.asarray(a), dtype=dt)  # noqa: E731
    vals = np.zeros((n, 4), dtype=np.float32)
    vals[:, 0] = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
    vals[:, 1] = -vals[:, 0]
    b = LossBatch(planes=t(np.stack([e[0] for e in enc]), torch.float32),
                  globals=t(np.stack([e[1] for e in enc]), torch.float32), values=t(vals, torch.float32),
                  legal_row=t(lrow, torch.int64), legal_index=t(lidx, torch.int64), target_row=t(trow, torch.int64),
                  target_index=t(tidx, torch.int64), target_prob=t(np.ones(n), torch.float32),
                  weight=t(np.ones(n), torch.float32), num_players=pos[0][0].num_players).to(dev)
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=1e-4)
    amp = torch.bfloat16 if dev.type == "cuda" else None

    def step() -> float:
        opt.zero_grad(set_to_none=True)
        with torch.autocast(device_type=dev.type, dtype=amp) if amp else contextlib.nullcontext():
            logits, values = net(b.planes, b.globals)
        loss = (policy_loss(logits.float(), b) + value_loss(values.float(), b)).mean()
        loss.backward()
        opt.step()
        return float(loss.detach())

    for _ in range(warmup):
        first = step()
    _sync(dev)
    t0 = time.perf_counter()
    for _ in range(steps):
        last = step()
    _sync(dev)
    dt = time.perf_counter() - t0
    return {"batch": n, "steps": steps, "samples_per_s": round(n * steps / dt, 1),
            "ms_per_step": round(1000 * dt / steps, 2), "loss_first": round(first, 4), "loss_last": round(last, 4),
            "amp": str(amp)}


def selfplay_rate(net, device: str, board: str, players: int, games: int, sims: int, considered: int,
                  moves: int, seed: int = 0) -> dict:
    from engine.nn.evaluator import NetworkEvaluator
    from engine.nn.inference import Inference
    from engine.players import GumbelPlayer, play_lockstep

    ev = NetworkEvaluator(Inference(net.eval(), device=device, max_batch=4096), model_id="gpu-check")

    def make(g: int):
        return [GumbelPlayer(ev, simulations=sims, max_considered=considered, seed=seed + 97 * g + i)
                for i in range(players)]

    t0 = time.perf_counter()
    run = play_lockstep(board, players, make, games=games, seed=seed, max_moves=moves)
    dt = time.perf_counter() - t0
    return {"games": games, "decisions": run.decisions, "seconds": round(dt, 2),
            "positions_per_s": round(run.decisions / dt, 1), "mean_batch": round(run.mean_batch, 1),
            "forward_passes": run.evaluator_calls}


def _ints(s: str) -> list[int]:
    return [int(x) for x in s.split(",") if x.strip()]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench/gpu_check.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("--device", default="cuda", help="cuda (default) or cpu")
    ap.add_argument("--quick", action="store_true", help="tiny counts (a smoke run, e.g. with --device cpu)")
    ap.add_argument("--sizes", default="", help="network sizes (default: every size of network.sizes)")
    ap.add_argument("--selfplay-sizes", default="tiny", help="sizes for the self-play section (default tiny)")
    ap.add_argument("--batches", type=_ints, default=None, help="forward batch sizes (default 256,1024)")
    ap.add_argument("--train-batch", type=int, default=None, help="training batch (default 256)")
    ap.add_argument("--lockstep", type=_ints, default=None, help="games in lockstep (default 64,128,256,512)")
    ap.add_argument("--sims", type=int, default=None, help="Gumbel simulations per move (default 32)")
    ap.add_argument("--considered", type=int, default=8)
    ap.add_argument("--moves", type=int, default=None, help="moves per self-play game (default 16)")
    ap.add_argument("--board", default="square8")
    ap.add_argument("--players", type=int, default=2)
    ap.add_argument("--budget", type=float, default=420.0, help="seconds; sections that would start later are skipped")
    ap.add_argument("--no-pytest", action="store_true", help="run the tests directly even if pytest is installed")
    ap.add_argument("--also-test", default="", help="extra MODULE::FUNCTION tests for the runner (checks it works)")
    ap.add_argument("--config", default=os.environ.get("RINGRIFT_CONFIG_PATH") or str(Path(_ROOT) / "config" /
                                                                                       "unified_loop.yaml"))
    args = ap.parse_args(argv)
    q = args.quick
    batches = args.batches or ([4, 8] if q else [256, 1024])
    train_batch = args.train_batch or (8 if q else 256)
    lockstep = args.lockstep or ([2] if q else [64, 128, 256, 512])
    moves = args.moves or (2 if q else 16)
    sims = args.sims if args.sims is not None else (4 if q else 32)
    fwd_seconds, train_steps, warmup = (0.1, 1, 1) if q else (2.0, 20, 3)
    t_start = time.perf_counter()
    left = lambda: args.budget - (time.perf_counter() - t_start)  # noqa: E731

    _stand_in_zstandard()
    import torch

    if args.device == "cpu":
        torch.set_num_threads(1)  # a smoke run on a shared CPU: more threads only thrash
    out: dict = {"bench": "gpu_check", "device": args.device, "quick": q, "python": platform.python_version(),
                 "torch": torch.__version__, "cuda_available": torch.cuda.is_available(), "errors": []}
    if args.device == "cuda":
        if not torch.cuda.is_available():
            print("gpu_check: --device cuda but torch sees no CUDA GPU (use --device cpu for a smoke run)",
                  file=sys.stderr)
            out["errors"].append("no CUDA GPU")
            print(json.dumps(out))
            return 1
        out["gpu"] = torch.cuda.get_device_name(0)
        out["cuda"] = torch.version.cuda
        torch.backends.cudnn.benchmark = True
    print(f"gpu_check: device {args.device}{' (' + out.get('gpu', '') + ')' if 'gpu' in out else ''}, "
          f"torch {torch.__version__}, python {platform.python_version()}", flush=True)

    def section(name: str, fn):
        if left() <= 0:
            out.setdefault("skipped", []).append(name)
            print(f"  {name}: skipped (time budget)", flush=True)
            return None
        t0 = time.perf_counter()
        try:
            r = fn()
            print(f"  {name}: {json.dumps(r)} [{time.perf_counter() - t0:.1f} s]", flush=True)
            return r
        except Exception as e:  # noqa: BLE001 - one failed section must not hide the others
            out["errors"].append(f"{name}: {type(e).__name__}: {e}"[:500])
            print(f"  {name}: FAILED {type(e).__name__}: {e}", flush=True)
            traceback.print_exc()
            return None

    root = Path(_ROOT)
    # 1. the CUDA-only tests (on a CPU run: listed, not run), and any --also-test through the same runner
    found = cuda_only_tests(root)
    extra = [tuple(x.split("::", 1)) for x in args.also_test.split(",") if "::" in x]
    have_pytest = importlib.util.find_spec("pytest") is not None and not args.no_pytest
    runnable = (found if args.device == "cuda" else []) + extra
    results = section("tests", lambda: run_tests(runnable, have_pytest, root, timeout=max(60.0, left())))
    out["cuda_tests"] = {"found": [f"{m}::{f}" for m, f in found], "runner": "pytest" if have_pytest else "direct",
                         "ran": results if results is not None else [],
                         "ok": results is not None and all(r.get("ok") is not False for r in results)}
    if args.device != "cuda":
        out["cuda_tests"]["note"] = "not run: no CUDA device in this run"

    from engine.nn.network import build_network, parameter_count

    sizes = network_sizes(Path(args.config))
    names = [s for s in args.sizes.split(",") if s] or list(sizes)
    unknown = [s for s in names + [x for x in args.selfplay_sizes.split(",") if x] if s not in sizes]
    if unknown:
        print(f"gpu_check: unknown network size {unknown[0]!r} in {args.config} (known: {', '.join(sizes)})",
              file=sys.stderr)
        return 2
    positions = sample_positions(args.board, args.players, max(max(batches), train_batch))
    out["forward"], out["training"], out["selfplay"], out["parameters"] = {}, {}, {}, {}
    for name in names:
        net = build_network(_arch(args.board, args.players, sizes[name]), seed=0)
        out["parameters"][name] = parameter_count(net)
        out["forward"][name] = section(f"forward {name}", lambda net=net: forward_rate(
            net, args.device, positions, batches, fwd_seconds))
        out["training"][name] = section(f"training {name}", lambda name=name: training_rate(
            build_network(_arch(args.board, args.players, sizes[name]), seed=0), args.device, positions, train_batch,
            train_steps, warmup))
    for name in [x for x in args.selfplay_sizes.split(",") if x]:
        net = build_network(_arch(args.board, args.players, sizes[name]), seed=0)
        rows = []
        for g in lockstep:
            if rows and g * moves / max(rows[-1]["positions_per_s"], 1e-9) > left():
                out.setdefault("skipped", []).append(f"self-play {name} {g} games (would not fit the budget)")
                print(f"  self-play {name} {g} games: skipped (would not fit the time budget)", flush=True)
                continue
            r = section(f"self-play {name} {g} games", lambda net=net, g=g: selfplay_rate(
                net, args.device, args.board, args.players, g, sims, args.considered, moves))
            if r is not None:
                rows.append({"lockstep": g, **r})
        out["selfplay"][name] = rows
    out["settings"] = {"batches": batches, "train_batch": train_batch, "lockstep": lockstep, "moves": moves,
                       "sims": sims, "considered": args.considered, "board": args.board, "players": args.players}
    out["seconds"] = round(time.perf_counter() - t_start, 1)
    out["ok"] = not out["errors"] and out["cuda_tests"]["ok"]
    print(json.dumps(out, sort_keys=True))
    return 0 if out["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
