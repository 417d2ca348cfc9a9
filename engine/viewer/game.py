"""Whole games: the frames of a record, as SVG images, an HTML page with a slider, PNG files.

A frame is the position after a move with that move highlighted (frame 0: the empty start
position). By default the frames after bookkeeping moves (``no_*_action``: nothing changes on the
board) are left out.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from engine.data.records import GameRecord
from engine.game import GameState, Move, apply_move
from engine.game.moves import BOOKKEEPING_TYPES

from .drawing import Drawing, to_png, to_svg
from .render import PLAYER_NAMES, describe_move, state_drawing


@dataclass(frozen=True)
class Frame:
    ply: int  # moves applied (0 = the start position)
    state: GameState
    move: Move | None  # the move that led here (None for the start)


def game_states(record: GameRecord) -> list[GameState]:
    """Every position of the game: the start, then the position after each move (validated)."""
    s = record.config.initial_state()
    out = [s]
    for m in record.moves:
        s = apply_move(s, m)
        out.append(s)
    return out


def game_frames(record: GameRecord, *, plies: Iterable[int] | None = None, skip_bookkeeping: bool = True,
                every: int = 1) -> list[Frame]:
    """The frames to show: ``plies`` (move numbers, 0 = start) when given, else every ``every``-th
    frame that is not after a bookkeeping move; the final position is always included."""
    states = game_states(record)
    moves = (None,) + tuple(record.moves)
    last = len(states) - 1
    if plies is not None:
        wanted = sorted({int(p) if int(p) >= 0 else last + 1 + int(p) for p in plies})
        bad = [p for p in wanted if not 0 <= p <= last]
        if bad:
            raise ValueError(f"ply {bad[0]} is out of range 0..{last}")
    else:
        cand = [0] + [i for i in range(1, last + 1) if not (skip_bookkeeping and moves[i].type in BOOKKEEPING_TYPES)]
        wanted = cand[::max(1, int(every))]
        if last not in wanted:
            wanted.append(last)
    return [Frame(p, states[p], moves[p]) for p in wanted]


def _title(record: GameRecord) -> str:
    return f"{record.board} {record.num_players}p · {record.game_id[:14]}"


def frame_drawing(record: GameRecord, frame: Frame, *, cell: float | None = None) -> Drawing:
    return state_drawing(frame.state, move=frame.move, title=_title(record), cell=cell, ply=frame.ply,
                         total=len(record.moves))


def render_game_svgs(record: GameRecord, *, plies: Iterable[int] | None = None, skip_bookkeeping: bool = True,
                     every: int = 1, cell: float | None = None) -> list[str]:
    """One SVG document per frame (see ``game_frames``)."""
    return [to_svg(frame_drawing(record, f, cell=cell))
            for f in game_frames(record, plies=plies, skip_bookkeeping=skip_bookkeeping, every=every)]


def _players_line(record: GameRecord) -> str:
    from engine.data.records import model_identity

    return ", ".join(f"p{i + 1} ({PLAYER_NAMES.get(i + 1, '?')}): {model_identity(p)}"
                     for i, p in enumerate(record.players))


def render_game_html(record: GameRecord, *, plies: Iterable[int] | None = None, skip_bookkeeping: bool = True,
                     every: int = 1, cell: float | None = None) -> str:
    """A self-contained HTML page: every frame's SVG inline, a slider and prev/next (arrow keys)."""
    frames = game_frames(record, plies=plies, skip_bookkeeping=skip_bookkeeping, every=every)
    svgs = [to_svg(frame_drawing(record, f, cell=cell)) for f in frames]
    o = record.outcome
    result = ("move-capped" if o.capped else
              f"p{o.winner} wins by {o.victory_reason}" if o.winner else f"no winner ({o.victory_reason})")
    divs = "\n".join(f'<div class="frame" id="f{i}" data-ply="{f.ply}"{"" if i == 0 else " hidden"}>{s}</div>'
                     for i, (f, s) in enumerate(zip(frames, svgs)))
    moves = json.dumps([describe_move(f.move) for f in frames])
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{html.escape(record.game_id)}</title>
<style>
body {{ font-family: DejaVu Sans, Helvetica, Arial, sans-serif; margin: 16px; color: #222; }}
.controls {{ margin: 8px 0; }} .controls input[type=range] {{ width: 420px; vertical-align: middle; }}
.meta {{ font-size: 13px; color: #555; }}
</style></head><body>
<h3>{html.escape(record.board)} {record.num_players}p &middot; game {html.escape(record.game_id)}</h3>
<div class="meta">{html.escape(_players_line(record))}<br>
{len(record.moves)} moves, {len(record.decisions)} decisions &middot; result: {html.escape(result)} &middot;
seed {record.seed} &middot; {html.escape(record.engine_version)}</div>
<div class="controls">
<button id="prev">&#9664;</button> <input type="range" id="slider" min="0" max="{len(frames) - 1}" value="0">
<button id="next">&#9654;</button> <span id="label"></span></div>
{divs}
<script>
const n = {len(frames)}, moves = {moves};
let cur = 0;
const slider = document.getElementById('slider'), label = document.getElementById('label');
function show(i) {{
  i = Math.max(0, Math.min(n - 1, i));
  document.getElementById('f' + cur).hidden = true;
  document.getElementById('f' + i).hidden = false;
  cur = i; slider.value = i;
  label.textContent = 'frame ' + (i + 1) + '/' + n + ' (move ' + document.getElementById('f' + i).dataset.ply +
                      '): ' + moves[i];
}}
slider.oninput = () => show(+slider.value);
document.getElementById('prev').onclick = () => show(cur - 1);
document.getElementById('next').onclick = () => show(cur + 1);
document.addEventListener('keydown', e => {{ if (e.key === 'ArrowLeft') show(cur - 1);
                                            if (e.key === 'ArrowRight') show(cur + 1); }});
show(0);
</script>
</body></html>
"""


def svg_data_uri(svg: str) -> str:
    """``data:image/svg+xml;base64,...`` (for markdown artifacts: ``![pos](uri)``)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def game_markdown(record: GameRecord, *, plies: Sequence[int] | None = None, max_frames: int = 6,
                  cell: float | None = None) -> str:
    """Markdown for a Prefect artifact: the game's summary and a few positions as inline SVG images
    (``plies``, default: ``max_frames`` evenly spread frames, the final position included)."""
    if plies is None:
        frames = game_frames(record)
        k = max(1, max_frames)
        pick = sorted({frames[round(i * (len(frames) - 1) / max(1, k - 1))].ply for i in range(k)}) if frames else []
    else:
        pick = list(plies)
    lines = [f"### {record.board} {record.num_players}p · game `{record.game_id}`", "",
             f"{_players_line(record)} · {len(record.moves)} moves · outcome: winner {record.outcome.winner}, "
             f"{record.outcome.victory_reason}", ""]
    for f in game_frames(record, plies=pick):
        lines.append(f"**move {f.ply}**: {describe_move(f.move)}")
        lines.append("")
        lines.append(f"![move {f.ply}]({svg_data_uri(to_svg(frame_drawing(record, f, cell=cell)))})")
        lines.append("")
    return "\n".join(lines)


@dataclass(frozen=True)
class SavedGame:
    out_dir: Path
    svgs: tuple[Path, ...]
    pngs: tuple[Path, ...]
    html: Path | None
    frames: int


def save_game(record: GameRecord, out_dir: str | Path, *, plies: Iterable[int] | None = None,
              skip_bookkeeping: bool = True, every: int = 1, svg: bool = True, png: bool = False,
              html_page: bool = True, cell: float | None = None) -> SavedGame:
    """Write ``move-NNNN.svg`` (and ``.png`` with ``png``) per frame and ``index.html`` to ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    frames = game_frames(record, plies=plies, skip_bookkeeping=skip_bookkeeping, every=every)
    width = max(4, len(str(len(record.moves))))
    svgs, pngs = [], []
    for f in frames:
        d = frame_drawing(record, f, cell=cell)
        stem = f"move-{f.ply:0{width}d}"
        if svg:
            p = out / f"{stem}.svg"
            p.write_text(to_svg(d))
            svgs.append(p)
        if png:
            pngs.append(to_png(d, out / f"{stem}.png"))
    page = None
    if html_page:
        page = out / "index.html"
        page.write_text(render_game_html(record, plies=[f.ply for f in frames], cell=cell))
    return SavedGame(out, tuple(svgs), tuple(pngs), page, len(frames))
