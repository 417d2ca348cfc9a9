"""A tiny vector drawing: shapes in pixel coordinates (y down), written as SVG or drawn with matplotlib.

The renderer builds one ``Drawing`` per position; ``to_svg`` serialises it and ``to_png`` draws
the very same shapes with matplotlib (Agg), so a PNG shows exactly what the SVG shows on a machine
without an SVG rasteriser.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

Point = tuple[float, float]


@dataclass(frozen=True)
class Polygon:
    points: tuple[Point, ...]
    fill: str = "none"
    stroke: str = "none"
    width: float = 1.0
    opacity: float = 1.0
    dash: str | None = None  # SVG dash array, e.g. "4 3"
    klass: str = ""  # SVG class (for tests and styling)


@dataclass(frozen=True)
class Circle:
    center: Point
    r: float
    fill: str = "none"
    stroke: str = "none"
    width: float = 1.0
    opacity: float = 1.0
    klass: str = ""


@dataclass(frozen=True)
class Line:
    a: Point
    b: Point
    stroke: str = "#000000"
    width: float = 1.0
    opacity: float = 1.0
    arrow: bool = False  # an arrow head at ``b``
    dash: str | None = None
    klass: str = ""


@dataclass(frozen=True)
class Text:
    at: Point
    text: str
    size: float = 10.0
    fill: str = "#000000"
    anchor: str = "middle"  # start | middle | end
    bold: bool = False
    klass: str = ""


Shape = Polygon | Circle | Line | Text


@dataclass
class Drawing:
    width: float
    height: float
    background: str = "#ffffff"
    shapes: list[Shape] = field(default_factory=list)
    title: str = ""

    def add(self, shape: Shape) -> None:
        self.shapes.append(shape)

    def rect(self, x: float, y: float, w: float, h: float, **kw) -> None:
        self.add(Polygon(((x, y), (x + w, y), (x + w, y + h), (x, y + h)), **kw))


# -- SVG ------------------------------------------------------------------------------------------

def _f(v: float) -> str:
    s = f"{v:.2f}".rstrip("0").rstrip(".")
    return s if s not in ("-0", "") else "0"


def _common(fill: str, stroke: str, width: float, opacity: float, dash: str | None, klass: str) -> str:
    out = f' fill="{fill}" stroke="{stroke}"'
    if stroke != "none":
        out += f' stroke-width="{_f(width)}"'
    if opacity != 1.0:
        out += f' opacity="{_f(opacity)}"'
    if dash:
        out += f' stroke-dasharray="{dash}"'
    if klass:
        out += f' class="{klass}"'
    return out


def _arrow_head(a: Point, b: Point, size: float) -> tuple[Point, Point, Point]:
    ang = math.atan2(b[1] - a[1], b[0] - a[0])
    left = (b[0] - size * math.cos(ang - 0.45), b[1] - size * math.sin(ang - 0.45))
    right = (b[0] - size * math.cos(ang + 0.45), b[1] - size * math.sin(ang + 0.45))
    return b, left, right


def to_svg(d: Drawing) -> str:
    """The drawing as a standalone SVG document."""
    w, h = _f(d.width), _f(d.height)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
             f'font-family="DejaVu Sans, Helvetica, Arial, sans-serif">']
    if d.title:
        parts.append(f"<title>{escape(d.title)}</title>")
    parts.append(f'<rect x="0" y="0" width="{w}" height="{h}" fill="{d.background}"/>')
    for s in d.shapes:
        if isinstance(s, Polygon):
            pts = " ".join(f"{_f(x)},{_f(y)}" for x, y in s.points)
            parts.append(f'<polygon points="{pts}"{_common(s.fill, s.stroke, s.width, s.opacity, s.dash, s.klass)}/>')
        elif isinstance(s, Circle):
            parts.append(f'<circle cx="{_f(s.center[0])}" cy="{_f(s.center[1])}" r="{_f(s.r)}"'
                         f'{_common(s.fill, s.stroke, s.width, s.opacity, None, s.klass)}/>')
        elif isinstance(s, Line):
            parts.append(f'<line x1="{_f(s.a[0])}" y1="{_f(s.a[1])}" x2="{_f(s.b[0])}" y2="{_f(s.b[1])}"'
                         f'{_common("none", s.stroke, s.width, s.opacity, s.dash, s.klass)} stroke-linecap="round"/>')
            if s.arrow:
                tip, left, right = _arrow_head(s.a, s.b, 4 + 2.5 * s.width)
                pts = " ".join(f"{_f(x)},{_f(y)}" for x, y in (tip, left, right))
                parts.append(f'<polygon points="{pts}"{_common(s.stroke, "none", 0, s.opacity, None, s.klass)}/>')
        elif isinstance(s, Text):
            weight = ' font-weight="bold"' if s.bold else ""
            klass = f' class="{s.klass}"' if s.klass else ""
            parts.append(f'<text x="{_f(s.at[0])}" y="{_f(s.at[1])}" font-size="{_f(s.size)}" fill="{s.fill}" '
                         f'text-anchor="{s.anchor}" dominant-baseline="central"{weight}{klass}>'
                         f"{escape(s.text)}</text>")
    parts.append("</svg>")
    return "\n".join(parts)


# -- PNG (matplotlib) -----------------------------------------------------------------------------

def _rgba(colour: str, opacity: float):
    from matplotlib.colors import to_rgba

    if colour == "none":
        return (0.0, 0.0, 0.0, 0.0)
    r, g, b, a = to_rgba(colour)
    return (r, g, b, a * opacity)


def _mpl_dash(dash: str | None):
    if not dash:
        return "solid"
    nums = tuple(float(x) for x in dash.replace(",", " ").split())
    return (0, nums)


def to_png(d: Drawing, path: str | Path, *, dpi: int = 100) -> Path:
    """Draw the same shapes with matplotlib (Agg) into a PNG of ``width x height`` pixels."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure
    from matplotlib.patches import Circle as MCircle
    from matplotlib.patches import Polygon as MPolygon

    fig = Figure(figsize=(d.width / dpi, d.height / dpi), dpi=dpi)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, d.width)
    ax.set_ylim(d.height, 0)  # y down, as in SVG
    ax.set_axis_off()
    fig.patch.set_facecolor(d.background)
    pt = 72.0 / dpi  # one pixel in points
    for z, s in enumerate(d.shapes):
        if isinstance(s, Polygon):
            ax.add_patch(MPolygon(s.points, closed=True, facecolor=_rgba(s.fill, s.opacity),
                                  edgecolor=_rgba(s.stroke, s.opacity),
                                  linewidth=s.width * pt if s.stroke != "none" else 0,
                                  linestyle=_mpl_dash(s.dash), zorder=z))
        elif isinstance(s, Circle):
            ax.add_patch(MCircle(s.center, s.r, facecolor=_rgba(s.fill, s.opacity), edgecolor=_rgba(s.stroke,
                                                                                                    s.opacity),
                                 linewidth=s.width * pt if s.stroke != "none" else 0, zorder=z))
        elif isinstance(s, Line):
            ax.plot([s.a[0], s.b[0]], [s.a[1], s.b[1]], color=_rgba(s.stroke, s.opacity), linewidth=s.width * pt,
                    linestyle=_mpl_dash(s.dash), solid_capstyle="round", zorder=z)
            if s.arrow:
                tip, left, right = _arrow_head(s.a, s.b, 4 + 2.5 * s.width)
                ax.add_patch(MPolygon((tip, left, right), closed=True, facecolor=_rgba(s.stroke, s.opacity),
                                      edgecolor="none", zorder=z))
        elif isinstance(s, Text):
            ax.text(s.at[0], s.at[1], s.text, fontsize=s.size * pt, color=s.fill,
                    ha={"start": "left", "middle": "center", "end": "right"}[s.anchor], va="center_baseline",
                    fontweight="bold" if s.bold else "normal", zorder=z)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi, facecolor=d.background)
    return path
