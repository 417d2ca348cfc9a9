"""Territory disconnection and region processing (RR-CANON-R140-R145).

Region detection follows the executable definition of the reference engines (docs/RULES.md):
for every marker colour B, the components of the board with collapsed cells and B's markers as
walls; plus the components with only collapsed cells as walls that hold stacks of exactly one
controller. A component is disconnected when fewer players are represented in it (by controlled
stacks) than own rings on the board.
"""

from __future__ import annotations

from typing import NamedTuple

from .board import collapse, eliminate, extract_bottom_ring, remove_top_rings, set_stack
from .geometry import bit_cells
from .moves import CHOOSE_TERRITORY_OPTION, ELIM_RECOVERY, ELIM_TERRITORY, ELIMINATE_RINGS_FROM_STACK, Move


class Region(NamedTuple):
    cells: frozenset  # cell ids
    owner: int  # controlling player: the border colour, or the sole represented player
    bb: int  # the same cells as a bitboard


def find_regions(s) -> list[Region]:
    """All disconnected regions, each cell set once, in a deterministic order (cached per board)."""
    n = s.num_players
    active = tuple(s.board_rings[p] > 0 for p in range(1, n + 1))
    key = (s.cbb, tuple(s.mbb), tuple(s.kbb), active)
    cached = s._regions
    if cached is not None and cached[0] == key:
        return cached[1]
    regions = _detect(s, sum(active))
    s._regions = (key, regions)
    return regions


_COMPONENT_CACHE_LIMIT = 50_000


def components(geom, open_bb: int) -> tuple[int, ...]:
    """The territory-connected components of ``open_bb`` (bitboards), memoised per board.

    Between two turns most walls are unchanged (only the mover's markers and, rarely, the
    collapsed cells change), so most lookups hit.
    """
    cache = geom.memo.get("components")
    if cache is None:
        cache = geom.memo["components"] = {}
    comps = cache.get(open_bb)
    if comps is None:
        if len(cache) >= _COMPONENT_CACHE_LIMIT:
            cache.clear()
        flood = geom.terr_flood
        out = []
        rest = open_bb
        while rest:
            comp = flood(rest & -rest, open_bb)
            rest &= ~comp
            out.append(comp)
        comps = cache[open_bb] = tuple(out)
    return comps


def _detect(s, n_active: int) -> list[Region]:
    if n_active == 0:
        return []
    geom = s.geom
    kbb = s.kbb
    players = range(1, s.num_players + 1)
    holders = [p for p in players if kbb[p]]
    open_all = geom.valid_bb & ~s.cbb
    found: dict[int, int] = {}
    for colour in players:
        mb = s.mbb[colour]
        if not mb:
            continue
        for comp in components(geom, open_all & ~mb):
            if comp not in found and sum(1 for p in holders if comp & kbb[p]) < n_active:
                found[comp] = colour
    if n_active > 1:
        for comp in components(geom, open_all):
            rep = [p for p in holders if comp & kbb[p]]
            if len(rep) == 1 and comp not in found:
                found[comp] = rep[0]
    pos_cell = geom.pos_cell
    return [Region(frozenset(bit_cells(comp, pos_cell)), owner, comp) for comp, owner in found.items()]


def _buried_outside(s, player: int, region: frozenset) -> list[int]:
    """Cells outside ``region`` whose stack holds a ``player`` ring below its top (recovery payment)."""
    out = []
    for c, rings in enumerate(s.stacks):
        if rings is not None and c not in region and player in rings[:-1]:
            out.append(c)
    return out


def processable_regions(s, player: int) -> list[Region]:
    """Regions ``player`` can process now: it can pay the self-elimination from outside them."""
    regions = find_regions(s)
    if not regions:
        return regions
    if s.turn_recovery:
        return [r for r in regions if _buried_outside(s, player, r.cells)]
    own = s.kbb[player]
    return [r for r in regions if own & ~r.bb]


def region_moves(s, player: int) -> list[Move]:
    coords = s.geom.coords
    out = []
    for cells, owner, _ in processable_regions(s, player):
        ordered = sorted(cells)
        out.append(Move(CHOOSE_TERRITORY_OPTION, player, to=coords[ordered[0]],
                        region=tuple(coords[c] for c in ordered), region_owner=owner))
    return out


def border_markers(s, region: frozenset) -> list[int]:
    """Markers collapsed with a region: territory-adjacent seeds, grown (except on hexagonal)."""
    geom = s.geom
    markers = s.markers
    seeds = []
    seen = set()
    for c in region:
        for nb in geom.territory_nbrs[c]:
            if nb not in region and markers[nb] and nb not in seen:
                seen.add(nb)
                seeds.append(nb)
    if geom.board_type == "hexagonal":
        return sorted(seeds)
    i = 0
    while i < len(seeds):
        for nb in geom.growth_nbrs[seeds[i]]:
            if nb not in seen and nb not in region and markers[nb]:
                seen.add(nb)
                seeds.append(nb)
        i += 1
    return sorted(seeds)


def apply_region(s, player: int, region: frozenset) -> None:
    """Process a region for ``player``: its stacks are eliminated, it and its border collapse."""
    border = border_markers(s, region)
    for c in sorted(region):
        rings = s.stacks[c]
        if rings is not None:
            set_stack(s, c, None)
            for colour in set(rings):
                eliminate(s, colour, player, rings.count(colour))
    for c in sorted(region):
        collapse(s, c, player)
    for c in border:
        collapse(s, c, player)
    s.territory[player] += len(region) + len(border)
    s.pending_region = region
    s.pending_context = ELIM_RECOVERY if s.turn_recovery else ELIM_TERRITORY


def self_elimination_moves(s, player: int) -> list[Move]:
    coords = s.geom.coords
    region = s.pending_region
    if s.pending_context == ELIM_RECOVERY:
        cells = _buried_outside(s, player, region)
    else:
        cells = [c for c in s.controlled_cells(player) if c not in region]
    return [Move(ELIMINATE_RINGS_FROM_STACK, player, to=coords[c], context=s.pending_context) for c in cells]


def apply_self_elimination(s, player: int, cell: int, context: str) -> None:
    if context == ELIM_RECOVERY:
        extract_bottom_ring(s, cell, player)
    else:
        remove_top_rings(s, cell, s.occ[cell], player)
    s.pending_region = None
    s.pending_context = None
