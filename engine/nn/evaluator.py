"""``NetworkEvaluator``: the network as an ``engine.players.Evaluator`` for the search players.

    ev = NetworkEvaluator.from_checkpoint("ckpt/model")
    (priors, values), = ev.evaluate([state])

For a batch of states: encode them (``encode_states``, the batched ``encode_state``), map the
legal moves of each to policy indices (``moves_to_indices``), run one forward pass that computes
the logits of those moves only (``Inference.predict_moves``), and return per state the softmax of
the logits *restricted to the legal moves* (the legal-move mask of the encoder contract, computed
in float64 for the whole batch at once) and the first ``num_players`` seat values. Finished games
get their exact ``terminal_values`` and are not sent to the network. ``temperature`` divides the
logits (1 = as trained).

Evaluation cache: search meets the same positions again and again (the next move's search starts
in the subtree the previous one explored, every game of a batch starts from the same opening, and
transpositions), so the answers are kept in a bounded LRU cache of ``cache_size`` positions (0 =
off) keyed by the 64-bit Zobrist hash of the board and the whole turn context (player to act, phase,
pending decisions, counters: ``position_key``), plus the number of legal moves. Because a position's
network output does not depend on the batch it was in (``Inference.min_batch``), a cached answer
is the answer the network would give again: the cache changes no search result, only the time
(about 30% of the evaluations of Gumbel self-play on square8 are hits). The network must not
change while an evaluator is in use (``clear_cache`` after changing its weights); a Zobrist
collision (two positions with one hash, odds about n^2 / 2^65 for n positions) would return the
other position's answer. ``cache_hits`` counts the answers served from the cache.

On CPU the evaluator runs the network through a frozen traced copy (``Inference.freeze``, on by
default: ``freeze=False`` keeps the module), for the same reason: its network does not change.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from engine.game import GameState, Move, legal_moves
from engine.players.evaluator import terminal_values  # engine.players imports engine.nn only lazily

from .actions import moves_to_indices
from .checkpoint import Checkpoint, load_checkpoint
from .inference import Inference
from .planes import encode_states

DEFAULT_CACHE_SIZE = 16384  # positions; a search's next move needs the last few thousand at most


class NetworkEvaluator:
    kind = "network"

    def __init__(self, inference: Inference, model_id: str | None = None, temperature: float = 1.0,
                 cache_size: int = DEFAULT_CACHE_SIZE, freeze: bool = True) -> None:
        self.inference = inference
        if freeze:
            inference.freeze()
        self.model_id = model_id
        self.temperature = float(temperature)
        self.evaluated = 0
        self.cache_hits = 0
        self.cache_size = max(0, int(cache_size))
        self._cache: OrderedDict = OrderedDict()
        arch = inference.arch
        self.board = arch.board
        self.num_players = arch.num_players

    def clear_cache(self) -> None:
        self._cache.clear()

    @classmethod
    def from_checkpoint(cls, ckpt: Checkpoint | str, device: str = "auto", **kwargs) -> NetworkEvaluator:
        if not isinstance(ckpt, Checkpoint):
            ckpt = load_checkpoint(ckpt)
        return cls(Inference(ckpt.net, device=device), model_id=ckpt.model_id, **kwargs)

    def spec(self) -> dict:
        a = self.inference.arch
        return {"kind": self.kind, "model_id": self.model_id, "config": a.config_key,
                "channels": a.channels, "blocks": a.blocks}

    def evaluate(self, states: Sequence[GameState],
                 legal: Sequence[Sequence[Move]] | None = None) -> list[tuple[list[float], tuple[float, ...]]]:
        out: list = [None] * len(states)
        todo = []
        for i, s in enumerate(states):
            if s.is_over:
                out[i] = ([], terminal_values(s))
            else:
                if s.board_type != self.board or s.num_players != self.num_players:
                    raise ValueError(f"network for {self.board} {self.num_players}p asked to evaluate "
                                     f"{s.board_type} {s.num_players}p")
                todo.append(i)
        if not todo:
            return out
        cache = self._cache if self.cache_size else None
        keys: list = []
        first: dict = {}  # key -> index in ``todo`` of its first occurrence in this batch
        run: list[int] = []  # positions of ``todo`` sent to the network
        moves_of = []
        for j, i in enumerate(todo):
            s = states[i]
            moves = legal[i] if legal is not None else legal_moves(s)
            moves_of.append(moves)
            if cache is None:
                run.append(j)
                continue
            key = position_key(s, len(moves))
            keys.append(key)
            hit = cache.get(key)
            if hit is not None:
                cache.move_to_end(key)
                out[i] = (list(hit[0]), hit[1])
                self.cache_hits += 1
            elif key not in first:
                first[key] = j
                run.append(j)
        if run:
            planes, glob = encode_states([states[todo[j]] for j in run])
            ids: list[int] = []
            bounds = [0]
            for j in run:
                ids += moves_to_indices(states[todo[j]], moves_of[j])
                bounds.append(len(ids))
            rows = np.repeat(np.arange(len(run)), np.diff(bounds))
            z, values = self.inference.predict_moves(planes, glob, rows, np.array(ids, dtype=np.intp))
            pri = _segment_softmax(z, bounds, 1.0 / self.temperature)
            n = self.num_players
            vals = [tuple(v) for v in values[:, :n].astype(np.float64).tolist()]
            for r, j in enumerate(run):
                p = pri[bounds[r]:bounds[r + 1]].tolist()
                out[todo[j]] = (p, vals[r])
                if cache is not None:
                    cache[keys[j]] = (tuple(p), vals[r])  # a tuple: what callers get is always their own list
            if cache is not None:
                while len(cache) > self.cache_size:
                    cache.popitem(last=False)
                for j, key in enumerate(keys):  # repeats within this batch
                    i = todo[j]
                    if out[i] is None:
                        hit = cache.get(key)
                        if hit is None:  # evicted already (a cache smaller than one batch)
                            hit = out[todo[first[key]]]
                            out[i] = (list(hit[0]), hit[1])
                        else:
                            out[i] = (list(hit[0]), hit[1])
                        self.cache_hits += 1
            self.evaluated += len(run)
        return out


def position_key(s: GameState, legal_count: int) -> tuple:
    """The evaluation cache's key: the incremental Zobrist hash of the board (stacks with their
    ring sequences, markers, collapsed cells and owners) and, as they are, the turn-context fields
    that ``GameState.zobrist`` would hash (cheaper than hashing them, and exact), plus the number of
    legal moves."""
    return (s.zboard, s.current_player, s.phase, s.chain_pos, s.must_move_from, s.pending_line_reward,
            s.turn_changed, s.turn_recovery, s.swap_offered, tuple(s.rings_in_hand), tuple(s.eliminated),
            tuple(s.territory), s.pending_region, legal_count)


def _segment_softmax(z: np.ndarray, bounds: list[int], inv_t: float) -> np.ndarray:
    """The softmax of ``z * inv_t`` (the legal moves' logits, float64, changed in place) within each
    segment ``bounds[r]:bounds[r+1]`` (one per position), for the whole batch in a few array
    operations."""
    if inv_t != 1.0:
        z *= inv_t
    starts = np.asarray(bounds[:-1], dtype=np.intp)
    lens = np.diff(np.asarray(bounds, dtype=np.intp))
    nonempty = lens > 0
    if not len(z):
        return z
    st = starts[nonempty]
    top = np.maximum.reduceat(z, st)
    z -= np.repeat(top, lens[nonempty])
    np.exp(z, out=z)
    z /= np.repeat(np.add.reduceat(z, st), lens[nonempty])
    return z
