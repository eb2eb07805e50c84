"""The model's feedback loops, as data: variables, causal links with polarities, loops.

This is the one source of the causal-loop diagrams in the teaching notebooks
and of the loop table in ``docs/model.md``. Each :class:`Link` is a causal
link of the code (``+``: cause and effect move in the same direction, ``-``:
in opposite directions), tagged with the loops it belongs to; a link that acts
only under a condition names it. Each :class:`Loop` is a closed path over
links; its polarity is computed from the links (an even number of ``-``
links makes it reinforcing), never typed in.

:func:`loop_figure` draws the loops a lesson teaches with matplotlib, as a
plain :class:`~matplotlib.figure.Figure` (no pyplot state).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

VARIABLES: dict[str, str] = {
    "PI": "Ops pressure",
    "DIV": "Diversion to\nthe day job",
    "DUTY": "Day-job time\non duty",
    "IMP": "Improvement\ntime",
    "CAP": "Operations\ncapability",
    "SUS": "Sustainment\ntime",
    "PT": "Project time",
    "COMP": "Project\ncompletions",
    "BEN": "Realised\nbenefits",
    "REV": "Revenue\nbenefits",
    "LOAD": "Demand, effort\nand defects",
    "ITEMS": "Items in\nsystem",
    "OVL": "Overload and\nmisalignment",
    "STR": "Stress",
    "PROD": "Productivity",
    "LEAVE": "Leavers and\nvacancies",
    "MAT": "PMO maturity",
    "PRAC": "Estimate error,\nrework, discovery",
    "START": "Project starts",
    "WIP": "Projects in\nprogress",
    "ABD": "Customers\ngiving up",
    "SLIP": "Forecast slip",
    "ADD": "People added\nto late projects",
    "OVH": "Communication\nand mentoring",
    "PCAP": "Project team\ncapacity",
}
"""The variables of the diagrams: short id to label (line breaks for drawing)."""


@dataclass(frozen=True)
class Link:
    """A causal link of the model.

    Attributes
    ----------
    cause, effect
        Variable ids (keys of :data:`VARIABLES`).
    sign
        ``+`` or ``-``.
    loops
        Tags of the loops the link belongs to.
    condition
        When the link acts only under a condition, what it is (drawn dashed).
    """

    cause: str
    effect: str
    sign: str
    loops: tuple[str, ...]
    condition: str = ""


LINKS: tuple[Link, ...] = (
    Link("PI", "DIV", "+", ("R1", "R1s", "R4", "B1", "B2", "WH"), "above pressure 1"),
    Link("DIV", "DUTY", "+", ("WH",)),
    Link("DIV", "IMP", "-", ("R1",)),
    Link("DIV", "SUS", "-", ("R1s",)),
    Link("DIV", "PT", "-", ("R4", "B1", "B2")),
    Link("IMP", "CAP", "+", ("R1",), "at each kaizen cycle end"),
    Link("CAP", "LOAD", "-", ("R1",)),
    Link("SUS", "BEN", "+", ("R1s",)),
    Link("PT", "COMP", "+", ("R4", "B1", "B2"), "after a delay"),
    Link("COMP", "BEN", "+", ("R4", "B1")),
    Link("BEN", "LOAD", "-", ("R1s", "R4", "B1")),
    Link("COMP", "REV", "+", ("B2",)),
    Link("REV", "LOAD", "+", ("B2",), "with demand coupling"),
    Link("LOAD", "ITEMS", "+", ("R1", "R1s", "R4", "B1", "B2", "R2d")),
    Link("DUTY", "ITEMS", "-", ("WH", "B4", "R2a")),
    Link("ITEMS", "PI", "+", ("R1", "R1s", "R4", "B1", "B2", "WH", "R2", "R2a", "R2d", "B4")),
    Link("PI", "OVL", "+", ("R2", "R2a", "R2d")),
    Link("OVL", "STR", "+", ("R2", "R2a", "R2d")),
    Link("STR", "PROD", "-", ("R2",), "challenge above its peak; hindrance always"),
    Link("PROD", "ITEMS", "-", ("R2",)),
    Link("STR", "LOAD", "+", ("R2d",), "more defects"),
    Link("STR", "LEAVE", "+", ("R2a",)),
    Link("LEAVE", "DUTY", "-", ("R2a",)),
    Link("COMP", "MAT", "+", ("R3",), "with a PMO"),
    Link("MAT", "PRAC", "-", ("R3",)),
    Link("PRAC", "COMP", "-", ("R3",)),
    Link("PI", "START", "-", ("B4",), "capacity-aware intake"),
    Link("START", "WIP", "+", ("B4",)),
    Link("WIP", "DUTY", "-", ("B4",)),
    Link("ITEMS", "ABD", "+", ("B3",), "with impatient customers"),
    Link("ABD", "ITEMS", "-", ("B3",)),
    Link("SLIP", "ADD", "+", ("R5", "B5"), "with rescues of late projects"),
    Link("ADD", "OVH", "+", ("R5",)),
    Link("OVH", "PCAP", "-", ("R5",)),
    Link("ADD", "PCAP", "+", ("B5",), "once ramped up"),
    Link("PCAP", "SLIP", "-", ("R5", "B5")),
)
"""Every link of the diagrams, with the loops it closes."""


@dataclass(frozen=True)
class Loop:
    """A feedback loop: a closed path of links.

    Attributes
    ----------
    tag
        Short name, e.g. ``"R1"`` (R: reinforcing, B: balancing, WH: work harder).
    name
        Its name in words.
    path
        The variables in order; the last links back to the first.
    story
        The loop told in one sentence.
    source
        Where the loop comes from, if anywhere.
    note
        What a reader must know, e.g. why its letter and its computed polarity differ.
    """

    tag: str
    name: str
    path: tuple[str, ...]
    story: str
    source: str = ""
    note: str = ""

    def links(self) -> list[Link]:
        """The loop's links, in order around the path."""
        found = []
        for cause, effect in zip(self.path, self.path[1:] + self.path[:1], strict=True):
            found.append(link(cause, effect))
        return found

    @property
    def polarity(self) -> str:
        """``reinforcing`` (an even number of ``-`` links) or ``balancing``."""
        negative = sum(1 for x in self.links() if x.sign == "-")
        return "reinforcing" if negative % 2 == 0 else "balancing"


LOOPS: tuple[Loop, ...] = (
    Loop("R1", "capability trap", ("PI", "DIV", "IMP", "CAP", "LOAD", "ITEMS"),
         "Under pressure people divert improvement time to the day job; capability erodes, "
         "so each item takes more effort and fails more often, and pressure rises further.",
         "Repenning & Sterman (2001)"),
    Loop("R1s", "benefits left to erode", ("PI", "DIV", "SUS", "BEN", "LOAD", "ITEMS"),
         "Under pressure sustainment time goes to the day job; unsustained benefits erode, "
         "demand and defects come back, and pressure rises further.",
         "Medina Nieves, The essential partnership"),
    Loop("R4", "firefighting", ("PI", "DIV", "PT", "COMP", "BEN", "LOAD", "ITEMS"),
         "Under pressure project time goes to the day job; fewer projects finish, fewer "
         "benefits arrive, and pressure stays high: past a tipping point the desk does not "
         "recover.", "Repenning (2001)"),
    Loop("B1", "benefits relieve the day job", ("COMP", "BEN", "LOAD", "ITEMS", "PI", "DIV",
                                                "PT"),
         "Completed projects cut demand, effort and defects; less pressure means less "
         "diversion and more project time, so more projects complete.",
         note="B1 runs along the same path as R4, read from a completion: counted around, "
              "it has two negative links, so it is reinforcing; what balances is the single "
              "link from benefits to the load."),
    Loop("B2", "limits to success", ("COMP", "REV", "LOAD", "ITEMS", "PI", "DIV", "PT"),
         "Revenue benefits bring more customers, whose demand raises pressure and pulls "
         "time away from the projects that brought them.", "Senge (1990), limits to growth"),
    Loop("WH", "work harder", ("PI", "DIV", "DUTY", "ITEMS"),
         "Diverting project and improvement time puts more hands on the queue, so pressure "
         "falls within days: the quick fix.", "Repenning & Sterman (2001)"),
    Loop("R2", "burnout: slower people", ("PI", "OVL", "STR", "PROD", "ITEMS"),
         "Overload and misalignment raise stress; past its peak challenge stress, and "
         "hindrance stress always, slow people down, and the queue grows.",
         "Homer (1985); LePine, Podsakoff & LePine (2005)"),
    Loop("R2d", "burnout: more defects", ("PI", "OVL", "STR", "LOAD", "ITEMS"),
         "Stressed people make more mistakes, and the defects come back as failure demand.",
         "Homer (1985)"),
    Loop("R2a", "burnout: leavers", ("PI", "OVL", "STR", "LEAVE", "DUTY", "ITEMS"),
         "Stress, hindrance stress above all, drives people out; empty seats mean fewer "
         "hands on the day job.", "Podsakoff, LePine & LePine (2007)"),
    Loop("R3", "learning", ("COMP", "MAT", "PRAC"),
         "With a PMO each completed project adds maturity; better estimates and less rework "
         "make the next projects finish sooner.", "OPM3-style maturity; a modelling choice"),
    Loop("B4", "capacity-aware intake", ("PI", "START", "WIP", "DUTY", "ITEMS"),
         "Holding project starts while the desk is overloaded leaves more people on the day "
         "job, which brings pressure down."),
    Loop("B3", "patience", ("ITEMS", "ABD"),
         "A long queue makes customers give up, which shortens the queue, at a cost in lost "
         "customers.", "Garnett, Mandelbaum & Reiman (2002)"),
    Loop("R5", "Brooks's law", ("SLIP", "ADD", "OVH", "PCAP"),
         "People added to a late project need teaching and add communication, so the team "
         "does less and the project slips further.",
         "Brooks (1975); Abdel-Hamid & Madnick (1991)"),
    Loop("B5", "more hands", ("SLIP", "ADD", "PCAP"),
         "Once they have learned the project, the people added do help."),
)
"""The loops, in the order the notebooks meet them."""


RAD = -0.18
"""Curvature of the arrows (matplotlib's ``arc3`` radius)."""


def link(cause: str, effect: str) -> Link:
    """The link from ``cause`` to ``effect``."""
    for x in LINKS:
        if x.cause == cause and x.effect == effect:
            return x
    raise KeyError(f"no link {cause} -> {effect} in sim.teaching.loops.LINKS")


def loop(tag: str) -> Loop:
    """The loop called ``tag``."""
    for x in LOOPS:
        if x.tag == tag:
            return x
    raise KeyError(f"no loop {tag!r}; loops: {', '.join(x.tag for x in LOOPS)}")


def layout(tags: tuple[str, ...]) -> dict[str, tuple[float, float]]:
    """Positions of the variables of the loops ``tags``, on an ellipse in path order.

    Variables are placed in the order the loops visit them (the first loop's
    path, then each later loop's new variables next to the variable they
    follow), so that each loop runs round the ellipse as far as it can.
    """
    order: list[str] = []
    for tag in tags:
        for k, var in enumerate(loop(tag).path):
            if var in order:
                continue
            before = next((p for p in reversed(loop(tag).path[:k]) if p in order), None)
            order.insert(order.index(before) + 1 if before else len(order), var)
    n = len(order)
    return {var: (2.1 * math.cos(math.pi / 2 - 2 * math.pi * k / n),
                  math.sin(math.pi / 2 - 2 * math.pi * k / n)) for k, var in enumerate(order)}


def loop_figure(tags: tuple[str, ...] | list[str], title: str = "") -> Figure:
    """The causal-loop diagram of the loops ``tags``.

    Arrows are the links of those loops, labelled with their sign (dashed when a
    condition applies). Each loop's tag sits inside it with its computed
    polarity; the legend below tells each loop in one line.

    Returns
    -------
    matplotlib.figure.Figure
    """
    tags = tuple(tags)
    where = layout(tags)
    shown = [x for x in LINKS if set(x.loops) & set(tags)
             and x.cause in where and x.effect in where]
    width, height = 9.0, 6.8
    box = (0.02, 0.30, 0.96, 0.64)
    fig = Figure(figsize=(width, height))
    ax = fig.add_axes(box)
    # Equal scales on both axes: the x range is the y range stretched to the axes' shape, so
    # the limits already agree with the aspect and matplotlib has nothing to adjust.
    half_height = 1.35
    half_width = half_height * (box[2] * width) / (box[3] * height)
    ax.set_xlim(-half_width, half_width)
    ax.set_ylim(-half_height, half_height)
    ax.set_aspect("equal", adjustable="box")
    ax.set_axis_off()
    boxes = [ax.text(x, y, VARIABLES[var], ha="center", va="center", fontsize=9, zorder=3,
                     bbox={"boxstyle": "round,pad=0.3", "facecolor": "#f4f4f4",
                           "edgecolor": "#888888"})
             for var, (x, y) in where.items()]
    taken = _extents(fig, ax, boxes)
    for x in shown:
        start, end = np.array(where[x.cause]), np.array(where[x.effect])
        arrow = FancyArrowPatch(tuple(start), tuple(end), arrowstyle="-|>", mutation_scale=14,
                                connectionstyle=f"arc3,rad={RAD}", shrinkA=24, shrinkB=24,
                                linestyle="--" if x.condition else "-",
                                color="#b03030" if x.sign == "-" else "#305080", zorder=2)
        ax.add_patch(arrow)
        # The arc bulges by rad / 2 times the chord's perpendicular (dy, -dx) at its middle.
        perpendicular = np.array([end[1] - start[1], start[0] - end[0]])
        unit = perpendicular / (np.linalg.norm(perpendicular) or 1.0)
        label = (start + end) / 2 + RAD / 2 * perpendicular + math.copysign(0.09, RAD) * unit
        label = _free_spot(label, math.copysign(1.0, RAD) * unit, taken)
        taken.append((label[0] - SIGN_HALF[0], label[1] - SIGN_HALF[1],
                      label[0] + SIGN_HALF[0], label[1] + SIGN_HALF[1]))
        ax.text(label[0], label[1], "+" if x.sign == "+" else "\N{MINUS SIGN}",
                ha="center", va="center", fontsize=12, fontweight="bold",
                color=arrow.get_edgecolor(), zorder=4)
    placed: list[np.ndarray] = []
    for tag in tags:
        points = np.array([where[v] for v in loop(tag).path])
        centre = 0.55 * points.mean(axis=0)
        while (any(np.linalg.norm(centre - p) < 0.22 for p in placed)
               or _overlaps(centre, taken, half_width=0.3, half_height=0.08)):
            # keep tags of loops with one centre apart, and off the boxes and signs
            centre = centre + np.array([0.0, -0.2])
        placed.append(centre)
        symbol = "\N{CLOCKWISE OPEN CIRCLE ARROW}"
        ax.text(centre[0], centre[1], f"{symbol} {tag}", ha="center", va="center",
                fontsize=11, fontweight="bold", color="#404040", zorder=4)
    lines = []
    for tag in tags:
        x = loop(tag)
        lines.append(f"{tag} {x.name} ({x.polarity}): {x.story}")
    conditions = sorted({f"{_flat(x.cause)} \N{RIGHTWARDS ARROW} {_flat(x.effect)}: "
                         f"{x.condition}" for x in shown if x.condition})
    legend = fig.add_axes((0.03, 0.0, 0.94, 0.28))
    legend.set_axis_off()
    if conditions:
        lines.append("Dashed links act only under a condition: " + "; ".join(conditions))
    legend.text(0, 1, "\n".join(_wrap(line, 130) for line in lines),
                va="top", ha="left", fontsize=8, transform=legend.transAxes, wrap=True)
    fig.suptitle(title or "Feedback loops: " + ", ".join(tags))
    return fig


SIGN_HALF = (0.06, 0.08)
"""Half the width and height a link's sign takes, in data units (with a little margin)."""


def _extents(fig: Figure, ax, texts: list) -> list[tuple[float, float, float, float]]:
    """Where ``texts`` are, in data coordinates, as (x0, y0, x1, y1), measured as drawn.

    The rounded boxes round the texts reach a few points further (their padding).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    to_data = ax.transData.inverted()
    found = []
    for text in texts:
        (x0, y0), (x1, y1) = to_data.transform(text.get_window_extent(renderer).get_points())
        found.append((x0, y0, x1, y1))
    return found


def _free_spot(point: np.ndarray, away: np.ndarray,
               taken: list[tuple[float, float, float, float]], step: float = 0.05,
               tries: int = 14) -> np.ndarray:
    """A spot near ``point`` where a sign touches none of the boxes ``taken``.

    Tries ``point``, then steps along ``away`` and back the other way; gives
    ``point`` itself if no nearby spot is free.
    """
    for k in range(tries + 1):
        for direction in (1.0, -1.0) if k else (1.0,):
            candidate = point + direction * k * step * away
            if not _overlaps(candidate, taken, *SIGN_HALF):
                return candidate
    return point


def _overlaps(point: np.ndarray, taken: list[tuple[float, float, float, float]],
              half_width: float, half_height: float) -> bool:
    """Whether a label of that half size centred on ``point`` touches a box ``taken``."""
    return any(x0 - half_width < point[0] < x1 + half_width
               and y0 - half_height < point[1] < y1 + half_height
               for x0, y0, x1, y1 in taken)


def _flat(var: str) -> str:
    """A variable's label on one line."""
    return VARIABLES[var].replace("\n", " ")


def _wrap(text: str, width: int) -> str:
    """Break ``text`` into lines of at most ``width`` characters at spaces."""
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = "    " + word
        else:
            line = f"{line} {word}" if line else word
    return "\n".join([*lines, line])
