"""Hand-made position features and the linear evaluator of the heuristic player.

``player_scores(state, weights)`` returns ``v[q]`` for every player ``q`` (index 0 unused): a weighted
sum of the features below, each computed from ``q``'s point of view. The heuristic compares
positions by ``v[p] - max(v[q] for q != p)`` ("my score minus the best opponent's"), which is the
plain difference in 2-player games.

Features (per player q; ``FEATURES`` fixes the order, the JSON profile names them):
  stacks            stacks q controls
  stack_height      total height of those stacks
  cap_height        total cap height of those stacks
  buried_rings      rings of q's colour inside stacks other players control
  rings_in_hand     rings q still holds
  eliminated        rings credited to q as eliminated / the ring-elimination victory threshold
  territory         collapsed cells q owns / the territory victory threshold
  markers           q's markers on the board
  mobility          over q's stacks: directions with a non-capture move (capped at 4 per stack)
  capture_threats   opponent stacks q can capture now (each counted once, weighted 1 + height/4)
  under_threat      q's stacks some opponent can capture now (weighted 1 + height/4)
  near_lines        runs of L-1 of q's markers along a line axis (one short of a line)
  victory_proximity max(eliminated, territory) ratio, squared: grows fast near either threshold
  region_rings      rings inside disconnected regions q could process (they would be eliminated and
                    credited to q) / the ring-elimination threshold. A player can take a region when it
                    controls a stack outside it, or holds rings and a free cell outside it is left to
                    place on (place there, move, process). A region the player to act can take is
                    credited to it alone (it processes first), otherwise to every player who can take it
  region_cells      cells of those regions / the territory threshold (they would collapse to q)
  region_win        1 when q's eliminated or territory ratio plus its region_rings / region_cells reaches
                    1, i.e. processing the regions credited to q would win the game, else 0
A finished game scores +/-``WIN_SCORE`` (the winner / everyone else; 0 for all without a winner).
Appended features keep the earlier indices; a profile without a weight for one gives it 0.

Everything is one pass over the stacks (ray walks for mobility and captures) plus a few bitboard
operations, so one evaluation costs some tens of microseconds on square8.
"""

from __future__ import annotations

from engine.game.geometry import step_back
from engine.game.state import COMPLETED
from engine.game.territory import components

FEATURES = ("stacks", "stack_height", "cap_height", "buried_rings", "rings_in_hand", "eliminated",
            "territory", "markers", "mobility", "capture_threats", "under_threat", "near_lines",
            "victory_proximity", "region_rings", "region_cells", "region_win")
N_FEATURES = len(FEATURES)
WIN_SCORE = 1000.0


def feature_vectors(s, regions: bool = True) -> list[list[float] | None]:
    """Raw features per player: ``out[q]`` is a list aligned with ``FEATURES`` (``out[0]`` None).
    ``regions=False`` skips the region detection (region_rings / region_cells stay 0)."""
    n = s.num_players
    geom = s.geom
    rays = geom.rays
    stacks, occ = s.stacks, s.occ
    pos_cell = geom.pos_cell
    vt, tt = s.victory_threshold, s.territory_threshold
    threats: list = [None] * (n + 1)  # per q: {target cell: weight} of capturable enemy stacks
    rows: list = [None] * (n + 1)
    for q in range(1, n + 1):
        kb = s.kbb[q]
        nst = height = caps = own = mob = 0
        tq = {}
        while kb:
            low = kb & -kb
            kb ^= low
            c = pos_cell[low.bit_length() - 1]
            rings = stacks[c]
            h = len(rings)
            k = occ[c]
            nst += 1
            height += h
            caps += k
            own += rings.count(q)
            m = 0
            for ray in rays[c]:
                i = 0
                for t in ray:
                    i += 1
                    o = occ[t]
                    if o:
                        if i > h:
                            m += 1
                        if 0 < o <= k and stacks[t][-1] != q:
                            j = i
                            for c2 in ray[i:]:
                                if occ[c2]:
                                    break
                                j += 1
                                if j >= h:
                                    if t not in tq:
                                        tq[t] = 1.0 + len(stacks[t]) * 0.25
                                    break
                        break
                else:
                    if i >= h:
                        m += 1
            mob += m if m < 4 else 4
        threats[q] = tq
        el = s.eliminated[q] / vt
        te = s.coll_count[q] / tt
        pr = el if el > te else te
        rows[q] = [nst, height, caps, s.board_rings[q] - own, s.rings_in_hand[q], el, te,
                   s.mbb[q].bit_count(), mob, sum(tq.values()), 0.0, 0, pr * pr, 0.0, 0.0, 0.0]
    # under_threat: q's stacks in some opponent's threat set
    for q in range(1, n + 1):
        u = 0.0
        for r in range(1, n + 1):
            if r != q:
                for t, w in threats[r].items():
                    if stacks[t][-1] == q:
                        u += w
        rows[q][10] = u
    # near_lines: (L-1)-runs of markers along each line axis (bitboards)
    steps = s.line_length - 2
    shifts, opp = geom.dir_shifts, geom.opposite
    axes = geom.line_axes
    for q in range(1, n + 1):
        mb = s.mbb[q]
        if mb.bit_count() <= steps:
            continue
        total = 0
        for d in axes:
            back = shifts[opp[d]]
            run = mb
            for _ in range(steps):
                run = mb & step_back(run, back)
                if not run:
                    break
            total += run.bit_count()
        rows[q][11] = total
    # regions: a disconnected region can be processed by a player who can pay from outside it
    found = _regions(s) if regions else None
    if found:
        sbb, kbb, hand = s.sbb, s.kbb, s.rings_in_hand
        mover = s.current_player
        free = geom.valid_bb & ~s.cbb  # cells a ring can go on: not collapsed, no marker (empty or a stack)
        for q in range(1, n + 1):
            free &= ~s.mbb[q]
        for rb in found:
            out = ~rb
            rings = 0
            inside = rb & sbb
            while inside:
                low = inside & -inside
                inside ^= low
                rings += len(stacks[pos_cell[low.bit_length() - 1]])
            rings /= vt
            cells = rb.bit_count() / tt
            if kbb[mover] & out or (hand[mover] and free & out):
                takers = (mover,)
            else:
                takers = [q for q in range(1, n + 1) if kbb[q] & out or (hand[q] and free & out)]
            for q in takers:
                row = rows[q]
                row[13] += rings
                row[14] += cells
        for q in range(1, n + 1):
            row = rows[q]
            if (row[13] or row[14]) and (row[5] + row[13] >= 1.0 or row[6] + row[14] >= 1.0):
                row[15] = 1.0
    return rows


def _regions(s) -> list[int]:
    """The disconnected regions of ``territory.find_regions`` as bitboards (same detection, without
    building the cell sets): components with collapsed cells and one colour's markers as walls that
    miss some active player's stacks, and components with collapsed cells as walls held by one player."""
    n = s.num_players
    n_active = sum(1 for q in range(1, n + 1) if s.board_rings[q] > 0)
    if n_active == 0:
        return []
    geom = s.geom
    kbb = s.kbb
    holders = [kbb[q] for q in range(1, n + 1) if kbb[q]]
    open_all = geom.valid_bb & ~s.cbb
    found: list[int] = []
    for colour in range(1, n + 1):
        mb = s.mbb[colour]
        if mb:
            for comp in components(geom, open_all & ~mb):
                if comp not in found and sum(1 for k in holders if comp & k) < n_active:
                    found.append(comp)
    if n_active > 1:
        for comp in components(geom, open_all):
            if comp not in found and sum(1 for k in holders if comp & k) == 1:
                found.append(comp)
    return found


def player_scores(s, weights) -> list[float]:
    """``v[q]`` per player (index 0 unused): the weighted feature sum, or +/-WIN_SCORE when over."""
    n = s.num_players
    if s.status == COMPLETED:
        w = s.winner
        if w is None:
            return [0.0] * (n + 1)
        return [0.0] + [WIN_SCORE if q == w else -WIN_SCORE for q in range(1, n + 1)]
    rows = feature_vectors(s, bool(weights[13] or weights[14] or weights[15]))
    out = [0.0] * (n + 1)
    for q in range(1, n + 1):
        out[q] = sum(w * f for w, f in zip(weights, rows[q]))
    return out


def relative(scores: list[float], q: int) -> float:
    """``q``'s score minus the best opponent's."""
    best = None
    for r in range(1, len(scores)):
        if r != q and (best is None or scores[r] > best):
            best = scores[r]
    return scores[q] - (best or 0.0)
