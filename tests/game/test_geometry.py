"""Boards and geometry (RR-CANON-R001-R003) and the per-configuration thresholds (R061/R062)."""

from __future__ import annotations

import pytest

from engine.game import new_game
from engine.game.geometry import geometry, line_length

from .helpers import all_stacks

SQUARE_DIRS = {(1, 0), (1, 1), (0, 1), (-1, 1), (-1, 0), (-1, -1), (0, -1), (1, -1)}
HEX_DIRS = {(1, 0, -1), (0, 1, -1), (-1, 1, 0), (-1, 0, 1), (0, -1, 1), (1, -1, 0)}


@pytest.mark.parametrize("board,cells", [("square8", 64), ("square19", 361), ("hex8", 61), ("hexagonal", 469)])
def test_cell_counts(board, cells):
    g = geometry(board)
    assert g.num_cells == cells
    assert len(g.coords) == cells
    assert len(set(g.coords)) == cells


def test_square_coordinates_cover_the_grid():
    g = geometry("square8")
    assert set(g.coords) == {(x, y) for x in range(8) for y in range(8)}
    assert g.key(g.cell((3, 5))) == "3,5"


@pytest.mark.parametrize("board,size,radius", [("hex8", 9, 4), ("hexagonal", 25, 12),
                                               ("hexagonal", 13, 6), ("hexagonal", 11, 5)])
def test_hex_radius_follows_size(board, size, radius):
    g = geometry(board, size)
    assert g.radius == radius
    assert g.num_cells == 3 * radius * radius + 3 * radius + 1
    assert all(x + y + z == 0 and max(abs(x), abs(y), abs(z)) <= radius for x, y, z in g.coords)
    # the extreme corner is on the board, one step further is not
    assert (radius, -radius, 0) in g.index
    assert (radius + 1, -radius - 1, 0) not in g.index


def test_hex_keys_have_three_parts_and_two_part_lookup_works():
    g = geometry("hex8")
    cell = g.cell((1, -1, 0))
    assert g.key(cell) == "1,-1,0"
    assert g.cell((1, -1)) == cell
    assert g.key(g.cell((0, 0, 0))) == "0,0,0"


def _ray_lengths(g, coord):
    return sorted(len(r) for r in g.rays[g.cell(coord)])


def _ray(g, coord, direction):
    return [g.coords[i] for i in g.rays[g.cell(coord)][g.dirs.index(direction)]]


def test_square_direction_set():
    g = geometry("square8")
    assert set(g.dirs) == SQUARE_DIRS


def test_hex_direction_set():
    assert set(geometry("hex8").dirs) == HEX_DIRS


def test_square8_rays_from_corner():
    g = geometry("square8")
    assert _ray_lengths(g, (0, 0)) == [0, 0, 0, 0, 0, 7, 7, 7]
    assert _ray(g, (0, 0), (1, 0)) == [(x, 0) for x in range(1, 8)]  # nearest first
    assert _ray(g, (0, 0), (1, 1)) == [(i, i) for i in range(1, 8)]
    assert _ray(g, (0, 0), (-1, 0)) == []


def test_square8_rays_from_centre():
    g = geometry("square8")
    # (3,3): E 4, W 3, N 4, S 3, NE 4, SW 3, NW min(3,4)=3, SE min(4,3)=3
    assert _ray_lengths(g, (3, 3)) == [3, 3, 3, 3, 3, 4, 4, 4]
    assert _ray(g, (3, 3), (1, -1)) == [(4, 2), (5, 1), (6, 0)]


def test_square19_ray_lengths():
    g = geometry("square19")
    assert _ray_lengths(g, (0, 0)) == [0, 0, 0, 0, 0, 18, 18, 18]
    assert _ray_lengths(g, (9, 9)) == [9] * 8


def test_hex8_rays_from_centre_and_corner():
    g = geometry("hex8")
    assert _ray_lengths(g, (0, 0, 0)) == [4] * 6
    # corner (4,-4,0): three directions leave the board at once, two run along the rim (4 cells),
    # one crosses the whole board (8 cells)
    assert _ray_lengths(g, (4, -4, 0)) == [0, 0, 0, 4, 4, 8]
    assert _ray(g, (4, -4, 0), (-1, 1, 0))[-1] == (-4, 4, 0)


def test_hexagonal_ray_lengths():
    g = geometry("hexagonal")
    assert _ray_lengths(g, (0, 0, 0)) == [12] * 6
    assert _ray_lengths(g, (12, -12, 0)) == [0, 0, 0, 12, 12, 24]


@pytest.mark.parametrize("board,centre,corner,n_centre,n_corner", [
    ("square8", (3, 3), (0, 0), 4, 2),
    ("square19", (9, 9), (18, 18), 4, 2),
    ("hex8", (0, 0, 0), (4, -4, 0), 6, 3),
    ("hexagonal", (0, 0, 0), (-12, 0, 12), 6, 3),
])
def test_territory_neighbours(board, centre, corner, n_centre, n_corner):
    g = geometry(board)
    assert len(g.territory_nbrs[g.cell(centre)]) == n_centre
    assert len(g.territory_nbrs[g.cell(corner)]) == n_corner


def test_square_territory_neighbours_are_von_neumann():
    g = geometry("square8")
    nbrs = {g.coords[i] for i in g.territory_nbrs[g.cell((3, 3))]}
    assert nbrs == {(3, 4), (4, 3), (3, 2), (2, 3)}


def test_hex_territory_neighbours_are_the_six_hex_neighbours():
    g = geometry("hex8")
    nbrs = {g.coords[i] for i in g.territory_nbrs[g.cell((0, 0, 0))]}
    assert nbrs == HEX_DIRS


def test_movement_adjacency():
    g = geometry("square8")
    assert len(g.adjacent[g.cell((3, 3))]) == 8
    assert len(g.adjacent[g.cell((0, 0))]) == 3
    assert len(g.adjacent[g.cell((0, 3))]) == 5
    h = geometry("hex8")
    assert len(h.adjacent[h.cell((0, 0, 0))]) == 6
    assert len(h.adjacent[h.cell((4, -4, 0))]) == 3


def test_distance():
    g = geometry("square8")
    assert g.distance(g.cell((0, 0)), g.cell((3, 5))) == 5  # Chebyshev
    h = geometry("hex8")
    assert h.distance(h.cell((0, 0, 0)), h.cell((2, -1, -1))) == 2
    assert h.distance(h.cell((4, -4, 0)), h.cell((-4, 4, 0))) == 8


@pytest.mark.parametrize("board,lengths", [
    ("square8", {2: 4, 3: 3, 4: 3}),
    ("square19", {2: 4, 3: 4, 4: 4}),
    ("hex8", {2: 4, 3: 3, 4: 3}),
    ("hexagonal", {2: 4, 3: 4, 4: 4}),
])
def test_line_lengths(board, lengths):
    for n, length in lengths.items():
        assert line_length(board, n) == length
        assert new_game(board, n).line_length == length


THRESHOLDS = {
    # board: {players: (ring elimination, territory minimum)}
    "square8": {2: (18, 33), 3: (24, 22), 4: (30, 17)},
    "hex8": {2: (18, 31), 3: (24, 21), 4: (30, 16)},
    "square19": {2: (72, 181), 3: (96, 121), 4: (120, 91)},
    "hexagonal": {2: (96, 235), 3: (128, 157), 4: (160, 118)},
}


@pytest.mark.parametrize("board,players", [(b, n) for b in THRESHOLDS for n in (2, 3, 4)])
def test_thresholds_for_all_twelve_configurations(board, players):
    ring, terr = THRESHOLDS[board][players]
    s = new_game(board, players)
    assert s.victory_threshold == ring
    assert s.territory_threshold == terr


@pytest.mark.parametrize("board,rings", [("square8", 18), ("square19", 72), ("hex8", 18), ("hexagonal", 96)])
@pytest.mark.parametrize("players", [2, 3, 4])
def test_new_game_initial_state(board, rings, players):
    s = new_game(board, players)
    assert s.phase == "ring_placement"
    assert s.current_player == 1
    assert s.status == "active"
    assert s.winner is None
    assert s.geom.num_cells == {"square8": 64, "square19": 361, "hex8": 61, "hexagonal": 469}[board]
    assert all_stacks(s) == {}
    assert [s.rings_in_hand[p] for p in range(1, players + 1)] == [rings] * players
    assert s.s_invariant() == 0
