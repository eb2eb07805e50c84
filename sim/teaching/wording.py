"""The words the studio and the workshop notebooks share, written once.

Both show AS-IS against TO-BE comparisons of a few replications, and the
notebooks' claim lessons also show what the shipped claims run found. The
phrases that say how to read such a comparison, and the sentences that put a
small run beside the shipped verdict, are here; :mod:`sim.studio.app` and
:mod:`sim.teaching.lessons` read them, so a room hears the same words in both.
"""

from __future__ import annotations

NO_CLEAR_AT_THIS_SIZE = "no clear difference at this size"
"""What a small run says of a change whose 95% interval includes zero."""

VERDICT_RULE = ("Better or worse when the 95% interval of the paired difference excludes zero; "
                "no clear difference when it includes zero, which in a run this small means "
                "it cannot tell, not that nothing changes (more replications or a longer "
                "horizon may tell).")
"""How to read a comparison's verdicts: under the studio's table and every lesson's reading."""

SHIPPED_FOUND = "The shipped claims run found"
"""How a claim lesson introduces the verdict of the full claims run."""

SHIPPED_MISSING = "The shipped verdicts are not available"
"""How a claim lesson says that the docs carry no verdict for its claim."""

CLAIMS_DOCS = "docs/claims.md"
"""Where the shipped claims run's verdicts are, relative to the project folder."""


def shipped_found(claim: str, verdict: str, bullet: str, settings: str) -> str:
    """The shipped claims run's verdict on ``claim``, with its line from the docs (Markdown)."""
    line = f" Its line there: {bullet}" if bullet else ""
    run = f" {settings}" if settings else ""
    return (f"**{SHIPPED_FOUND}** that claim {claim} is **{verdict}**, as `{CLAIMS_DOCS}` "
            f"gives it (`pmosim claims --docs` writes it there).{line}{run} This is the "
            "verdict of the claim; the run below does not replace it.")


def shipped_missing(claim: str) -> str:
    """What a claim lesson says when the docs carry no verdict for ``claim`` (Markdown)."""
    return (f"**{SHIPPED_MISSING}**: `{CLAIMS_DOCS}` carries no verdict for claim {claim} yet "
            "(`pmosim claims --docs docs/claims.md` writes them after the full run). Until "
            "then only the small run below can be shown, and it cannot stand in for the "
            "verdict.")


def demonstration(replications: int, horizon: str, quick: bool) -> str:
    """What the room's own run is: a small demonstration, not the claim's verdict (Markdown)."""
    size = (f"{replications} paired replications of {horizon}"
            + (" (quick mode, so the numbers illustrate nothing)" if quick else ""))
    return (f"The comparison below is the room's own small re-run, {size}: a demonstration "
            "of the mechanism, not the claim's verdict. A run this small often cannot tell a "
            f"difference that the full run finds, and then says *{NO_CLEAR_AT_THIS_SIZE}*.")


def expectation(label: str, expected: str, went: str, because: str = "") -> str:
    """One sentence on a KPI the claim expects to move.

    ``went`` is ``higher``, ``lower``, ``unclear`` (the 95% interval of the change
    includes zero, or there is none) or ``undefined`` (no replication has a value:
    ``because`` says why, e.g. no project was due).
    """
    if went == "undefined":
        why = f" ({because})" if because else ""
        text = (f"the claim expects {label} to be {expected}: this run cannot tell, it has no "
                f"value for it{why}")
    elif went == "unclear":
        text = f"the claim expects {label} to be {expected}: {NO_CLEAR_AT_THIS_SIZE}, so this " \
               "run cannot tell"
    elif went == expected:
        text = f"the claim expects {label} to be {expected}, and in this run it is"
    else:
        text = f"the claim expects {label} to be {expected}, but in this run it is {went}"
    return f"{text[0].upper()}{text[1:]}."


def small_run_note(verdict: str | None) -> str:
    """The line that closes a claim lesson's reading: which verdict counts (Markdown)."""
    if verdict is None:
        return (f"This small run is a demonstration. {SHIPPED_MISSING} yet "
                f"(`{CLAIMS_DOCS}`).")
    return (f"This small run is a demonstration; the claim's verdict is the shipped claims "
            f"run's: **{verdict}**.")
