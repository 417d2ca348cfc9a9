"""``NetworkEvaluator``: the network as an ``engine.players.Evaluator`` for the search players.

    ev = NetworkEvaluator.from_checkpoint("ckpt/model")
    (priors, values), = ev.evaluate([state])

For a batch of states: encode each (``encode_state``), map its legal moves to policy indices
(``moves_to_indices``), run one forward pass, and return per state the softmax of the logits
*restricted to the legal moves* (the legal-move mask of the encoder contract) and the first
``num_players`` seat values. Finished games get their exact ``terminal_values`` and are not sent
to the network. ``temperature`` divides the logits (1 = as trained).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from engine.game import GameState, Move, legal_moves
from engine.players.evaluator import terminal_values  # engine.players imports engine.nn only lazily

from .actions import moves_to_indices
from .checkpoint import Checkpoint, load_checkpoint
from .inference import Inference
from .planes import encode_state


class NetworkEvaluator:
    kind = "network"

    def __init__(self, inference: Inference, model_id: str | None = None, temperature: float = 1.0) -> None:
        self.inference = inference
        self.model_id = model_id
        self.temperature = float(temperature)
        self.evaluated = 0
        arch = inference.arch
        self.board = arch.board
        self.num_players = arch.num_players

    @classmethod
    def from_checkpoint(cls, ckpt: Checkpoint | str, device: str = "auto", **kwargs) -> "NetworkEvaluator":
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
        arch = self.inference.arch
        planes = np.empty((len(todo), arch.in_planes, arch.height, arch.width), dtype=np.float32)
        glob = np.empty((len(todo), arch.num_globals), dtype=np.float32)
        idx_lists = []
        for j, i in enumerate(todo):
            s = states[i]
            planes[j], glob[j] = encode_state(s)
            moves = legal[i] if legal is not None else legal_moves(s)
            idx_lists.append(moves_to_indices(s, list(moves)))
        logits, values = self.inference.predict(planes, glob)
        inv_t = 1.0 / self.temperature
        n = self.num_players
        for j, i in enumerate(todo):
            ids = idx_lists[j]
            if ids:
                z = logits[j, ids] * inv_t
                z = np.exp(z - z.max())
                pri = (z / z.sum()).tolist()
            else:
                pri = []
            out[i] = (pri, tuple(float(v) for v in values[j, :n]))
        self.evaluated += len(todo)
        return out
