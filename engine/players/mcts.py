"""PUCT Monte Carlo tree search with per-seat value vectors and max-n backup.

    from engine.players import MCTSPlayer, HeuristicEvaluator
    p = MCTSPlayer(HeuristicEvaluator(), simulations=200, seed=1)

Tree: each ``Node`` holds the state after its move (bookkeeping moves applied on the way: a state
whose only legal move is a ``no_*_action`` is passed through, never branched on), the player to act
there, its legal moves and priors (from the ``Evaluator``), its children (created lazily), the visit
count ``N`` and ``W``, the sum of backed-up values indexed by *absolute* player number (index 0
unused). The seat convention (``base.py``) is used only at the evaluator boundary and in
``SearchStats``.

One simulation: from the root, pick at each expanded node the child maximising
``Q + c_puct * P * sqrt(N_node) / (1 + N_child)`` where ``Q`` is the child's mean value for the
*node's* player (max-n: each player maximises its own entry; an unvisited child gets the node's
own mean for that player as first-play value), create the first unexpanded child met, evaluate it
(exact values when the game is over), and add its value vector to every node on the path.
The game has no chance moves; transpositions are ignored (a tree, not a graph).

Root noise (``add_noise=True``, for self-play): the priors become ``(1 - frac) P + frac Dir(alpha)``.
Choice: ``temperature == 0`` takes the most visited move (ties: higher Q, then lower index);
``temperature > 0`` samples proportionally to ``N^(1/T)``. ``last_stats``: every legal move, the
visit-count policy, the root value vector (seat convention), the chosen index, and ``evaluated``
(evaluator calls); ``last_visits`` and ``last_simulations`` keep the raw counts.
"""

from __future__ import annotations

import math
import random

from engine.game import GameState, Move, apply_in_place, legal_moves

from .base import Player, SearchStats
from .evaluator import Evaluator, HeuristicEvaluator, absolute_values, seat_values, terminal_values


def pass_bookkeeping(state: GameState) -> list[Move]:
    """Apply forced bookkeeping moves in place; return the legal moves of the first real decision
    (``[]`` when the game is over)."""
    while not state.is_over:
        legal = legal_moves(state)
        if len(legal) == 1 and legal[0].is_bookkeeping:
            apply_in_place(state, legal[0])
            continue
        return legal
    return []


class Node:
    __slots__ = ("state", "player", "moves", "priors", "children", "N", "W", "terminal", "value")

    def __init__(self, state: GameState, moves: list[Move]) -> None:
        self.state = state
        self.player = state.current_player
        self.moves = moves
        self.priors: list[float] | None = None  # None = not expanded yet
        self.children: list[Node | None] = [None] * len(moves)
        self.N = 0
        self.W = [0.0] * (state.num_players + 1)
        self.terminal = state.is_over
        self.value: list[float] | None = None  # absolute values of the leaf evaluation

    def q(self, player: int) -> float:
        return self.W[player] / self.N if self.N else 0.0


class Tree:
    """The search machinery shared by ``MCTSPlayer`` and ``GumbelPlayer``."""

    def __init__(self, evaluator: Evaluator, c_puct: float) -> None:
        self.evaluator = evaluator
        self.c_puct = c_puct
        self.evaluated = 0

    def new_root(self, state: GameState) -> Node:
        s = state.clone()
        return Node(s, pass_bookkeeping(s))

    def evaluate(self, node: Node) -> list[float]:
        """Expand ``node`` (priors) and return its absolute value vector (cached)."""
        if node.value is not None:
            return node.value
        s = node.state
        n = s.num_players
        if node.terminal:
            node.value = absolute_values(terminal_values(s), s.current_player, n)
            return node.value
        (priors, vals), = self.evaluator.evaluate([s], [node.moves])
        self.evaluated += 1
        node.priors = list(priors)
        node.value = absolute_values(vals, s.current_player, n)
        return node.value

    def child(self, node: Node, i: int) -> tuple[Node, bool]:
        c = node.children[i]
        if c is not None:
            return c, False
        s = node.state.clone()
        apply_in_place(s, node.moves[i])
        c = node.children[i] = Node(s, pass_bookkeeping(s))
        return c, True

    def select(self, node: Node) -> int:
        p = node.player
        children = node.children
        priors = node.priors
        fpu = node.W[p] / node.N if node.N else 0.0
        k = self.c_puct * math.sqrt(node.N if node.N else 1)
        best = -math.inf
        best_i = 0
        for i, prior in enumerate(priors):
            c = children[i]
            if c is None or c.N == 0:
                sc = fpu + k * prior
            else:
                sc = c.W[p] / c.N + k * prior / (1 + c.N)
            if sc > best:
                best, best_i = sc, i
        return best_i

    def simulate(self, root: Node, first: int | None = None) -> list[float]:
        """One simulation from ``root`` (expanded); ``first`` forces the root's move index."""
        path = [root]
        node = root
        i = first
        while True:
            if node.terminal:
                break
            if i is None:
                i = self.select(node)
            node, created = self.child(node, i)
            path.append(node)
            i = None
            if created or node.priors is None:
                break
        v = self.evaluate(node)
        for nd in path:
            nd.N += 1
            W = nd.W
            for q in range(1, len(W)):
                W[q] += v[q]
        return v


def dirichlet(rng: random.Random, alpha: float, k: int) -> list[float]:
    xs = [rng.gammavariate(alpha, 1.0) for _ in range(k)]
    z = sum(xs)
    return [x / z for x in xs] if z > 0 else [1.0 / k] * k


class MCTSPlayer(Player):
    kind = "mcts"

    def __init__(self, evaluator: Evaluator | None = None, simulations: int = 200, c_puct: float = 1.5,
                 dirichlet_alpha: float = 0.3, dirichlet_frac: float = 0.25, add_noise: bool = False,
                 temperature: float = 0.0, seed: int = 0, name: str | None = None) -> None:
        super().__init__(seed, name)
        if simulations < 1:
            raise ValueError("simulations must be >= 1")
        self.evaluator = evaluator if evaluator is not None else HeuristicEvaluator()
        self.simulations = int(simulations)
        self.c_puct = float(c_puct)
        self.dirichlet_alpha = float(dirichlet_alpha)
        self.dirichlet_frac = float(dirichlet_frac)
        self.add_noise = bool(add_noise)
        self.temperature = float(temperature)
        self.last_visits: tuple[int, ...] = ()
        self.last_simulations = 0

    def spec(self) -> dict:
        ev = getattr(self.evaluator, "spec", None)
        return {"kind": self.kind, "name": self.name, "seed": self.seed, "simulations": self.simulations,
                "c_puct": self.c_puct, "add_noise": self.add_noise, "temperature": self.temperature,
                "evaluator": ev() if callable(ev) else type(self.evaluator).__name__}

    def choose(self, state: GameState) -> Move:
        legal = legal_moves(state)
        if not legal:
            raise ValueError(f"no legal move in {state!r}")
        tree = Tree(self.evaluator, self.c_puct)
        root = Node(state.clone(), legal)
        tree.evaluate(root)
        if self.add_noise and len(legal) > 1:
            noise = dirichlet(self.rng, self.dirichlet_alpha, len(legal))
            f = self.dirichlet_frac
            root.priors = [(1 - f) * p + f * e for p, e in zip(root.priors, noise)]
        root.N = 1
        root.W = list(root.value)
        for _ in range(self.simulations):
            tree.simulate(root)
        visits = [c.N if c is not None else 0 for c in root.children]
        chosen = self._pick(root, visits)
        total = sum(visits)
        policy = tuple(v / total for v in visits)
        n = state.num_players
        p = state.current_player
        values = seat_values([w / root.N for w in root.W], p, n)
        self.last_visits = tuple(visits)
        self.last_simulations = self.simulations
        self.last_stats = SearchStats(moves=tuple(legal), policy=policy, values=values, chosen=chosen,
                                      legal_count=len(legal), evaluated=tree.evaluated)
        return legal[chosen]

    def _pick(self, root: Node, visits: list[int]) -> int:
        p = root.player
        if self.temperature <= 0:
            return max(range(len(visits)), key=lambda i: (visits[i], root.children[i].q(p) if visits[i] else -2.0, -i))
        inv = 1.0 / self.temperature
        top = max(visits)
        w = [(v / top) ** inv if v else 0.0 for v in visits]
        r = self.rng.random() * sum(w)
        acc = 0.0
        for i, x in enumerate(w):
            acc += x
            if r < acc:
                return i
        return max(i for i, x in enumerate(w) if x > 0)
