"""The organisation's three exports: reading them strictly, and writing a run's records as them.

The formats (documented in ``docs/calibration.md``):

- tickets: ``id``, ``created``, ``started`` (empty if never started), ``closed``
  (empty while open), ``outcome`` (``resolved`` or ``abandoned``; empty while open),
  optional ``reopened_from`` (the id of the ticket a defect reopens);
- people: ``id``, ``start_date``, ``leave_date`` (empty while employed), optional
  ``team``;
- projects: ``name``, ``start``, ``planned_end``, ``actual_end`` (empty while
  running), optional ``planned_effort``, ``actual_effort`` (person-days) and
  ``status`` (``finished``, ``running`` or ``cancelled``; a cancelled project's
  ``actual_end`` is when it was stopped).

Times are ISO 8601 (a date, or a date and time); an offset such as ``+01:00`` or
``Z`` is dropped and the local wall-clock time kept, because working hours are
local. A file is read in chunks and converted to compact arrays as it goes, and a
file larger than :data:`MAX_EXPORT_BYTES` or with more than :data:`MAX_ROWS` rows
is refused, so memory stays bounded whatever the file. A row that breaks the
format stops the reading with a :class:`~sim.errors.UserError` naming the file,
the line, the column, the value and what is allowed; rows that are well formed
but that the model cannot use are dropped, and each reason is counted
(:class:`Reading`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.calibration.calendar import WorkingCalendar
from sim.errors import UserError
from sim.model.records import OUTCOMES, Records

MAX_EXPORT_BYTES = 512 * 1024 * 1024
"""Largest export read (512 MiB: about 5 million tickets); a larger one is refused unread."""
MAX_ROWS = 5_000_000
"""Most rows read from one export."""
CHUNK_ROWS = 100_000
"""Rows converted at a time."""

REQUIRED = {
    "tickets": ("id", "created", "started", "closed", "outcome"),
    "people": ("id", "start_date", "leave_date"),
    "projects": ("name", "start", "planned_end", "actual_end"),
}
OPTIONAL = {
    "tickets": ("reopened_from",),
    "people": ("team",),
    "projects": ("planned_effort", "actual_effort", "status"),
}
TIMES = {
    "tickets": ("created", "started", "closed"),
    "people": ("start_date", "leave_date"),
    "projects": ("start", "planned_end", "actual_end"),
}
STATUSES = ("finished", "running", "cancelled")
_OFFSET = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")


@dataclass
class Reading:
    """What reading the exports kept, dropped and noted.

    Attributes
    ----------
    rows
        Rows read per file kind.
    dropped
        ``(file kind, reason) -> rows dropped``.
    notes
        ``(file kind, note) -> rows`` kept but worth saying (e.g. a reopened ticket
        whose original is not in the file).
    files
        The path read for each file kind.
    """

    rows: dict[str, int] = field(default_factory=dict)
    dropped: dict[tuple[str, str], int] = field(default_factory=dict)
    notes: dict[tuple[str, str], int] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)

    def drop(self, kind: str, reason: str, count: int) -> None:
        """Count ``count`` rows of ``kind`` dropped for ``reason``."""
        if count:
            self.dropped[(kind, reason)] = self.dropped.get((kind, reason), 0) + int(count)

    def note(self, kind: str, note: str, count: int) -> None:
        """Count ``count`` rows of ``kind`` kept with ``note``."""
        if count:
            self.notes[(kind, note)] = self.notes.get((kind, note), 0) + int(count)


@dataclass(frozen=True)
class Raw:
    """One export as read: its columns as arrays, times as ``datetime64[s]``."""

    kind: str
    path: str
    columns: dict[str, np.ndarray]
    lines: np.ndarray
    """The line of the file each row came from (the header is line 1)."""

    def __len__(self) -> int:
        return len(self.lines)


def parse_mapping(pairs: list[str]) -> dict[str, str]:
    """``--map old=new`` values as a mapping from a file's column name to the expected one."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        old, sep, new = pair.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise UserError(f"--map {pair!r}: use OLD=NEW, e.g. --map 'Ticket ID=id'")
        mapping[old.strip()] = new.strip()
    return mapping


def read_export(path: str | Path, kind: str, mapping: dict[str, str] | None = None) -> Raw:
    """Read and check one export file, streaming it in chunks.

    Parameters
    ----------
    path
        The CSV file.
    kind
        ``tickets``, ``people`` or ``projects``.
    mapping
        Column renames, ``{name in the file: expected name}``.

    Raises
    ------
    UserError
        If the file cannot be read, is too large, lacks a column, has no rows, or
        a value breaks the format (the message names the line, column and value).
    """
    path = Path(path)
    where = f"{path}"
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        raise UserError(f"{where}: cannot read the {kind} file ({exc.strerror})") from None
    if size > MAX_EXPORT_BYTES:
        raise UserError(f"{where}: {size / 2**20:,.0f} MiB is larger than the "
                        f"{MAX_EXPORT_BYTES // 2**20} MiB limit of a {kind} export; export "
                        "a shorter period (a year of 300 tickets a day is about 6 MiB)")
    mapping = mapping or {}
    needed = REQUIRED[kind] + OPTIONAL[kind]
    try:
        reader = pd.read_csv(path, dtype=str, keep_default_na=False, chunksize=CHUNK_ROWS,
                             skipinitialspace=True, encoding="utf-8-sig")
        chunks: dict[str, list[np.ndarray]] = {}
        lines: list[np.ndarray] = []
        present: list[str] = []
        first_line = 2
        for chunk in reader:
            if not present:
                present = _check_columns(where, kind, list(chunk.columns), mapping)
            chunk = chunk.rename(columns=mapping)
            line = first_line + np.arange(len(chunk))
            first_line += len(chunk)
            if first_line - 2 > MAX_ROWS:
                raise UserError(f"{where}: more than {MAX_ROWS:,} rows; export a shorter "
                                "period")
            for name in needed:
                if name in present:
                    chunks.setdefault(name, []).append(
                        _convert(where, kind, name, chunk[name], line))
            lines.append(line)
    except (pd.errors.EmptyDataError, StopIteration):
        raise UserError(f"{where}: the {kind} file is empty; it needs a header line "
                        f"({', '.join(REQUIRED[kind])}) and at least one row") from None
    except pd.errors.ParserError as exc:
        raise UserError(f"{where}: not a readable CSV file ({_first_line(exc)})") from None
    except UnicodeDecodeError as exc:
        raise UserError(f"{where}: not UTF-8 text (byte {exc.start}); save the export as "
                        "UTF-8 CSV") from None
    except OSError as exc:
        raise UserError(f"{where}: cannot read the {kind} file ({exc.strerror})") from None
    if not lines or not sum(len(x) for x in lines):
        if not present:
            raise UserError(f"{where}: the {kind} file is empty; it needs a header line "
                            f"({', '.join(REQUIRED[kind])}) and at least one row")
        raise UserError(f"{where}: the {kind} file has a header but no rows")
    columns = {name: np.concatenate(parts) for name, parts in chunks.items()}
    raw = Raw(kind, str(path), columns, np.concatenate(lines))
    _check_rows(raw)
    return raw


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _check_columns(where: str, kind: str, header: list[str], mapping: dict[str, str]) -> list:
    renamed = [mapping.get(c.strip(), c.strip()) for c in header]
    doubled = sorted({c for c in renamed if renamed.count(c) > 1})
    if doubled:
        raise UserError(f"{where}: column {doubled[0]!r} appears twice (after --map)")
    missing = [c for c in REQUIRED[kind] if c not in renamed]
    if missing:
        raise UserError(f"{where}: missing column{'s' if len(missing) > 1 else ''} "
                        f"{', '.join(missing)}; a {kind} file needs "
                        f"{', '.join(REQUIRED[kind])} (optional: {', '.join(OPTIONAL[kind])}); "
                        f"it has {', '.join(header) or 'none'} (rename with --map OLD=NEW)")
    return [c for c in REQUIRED[kind] + OPTIONAL[kind] if c in renamed]


def _convert(where: str, kind: str, name: str, values: pd.Series,
             line: np.ndarray) -> np.ndarray:
    """One column of a chunk as an array: times, numbers or stripped text."""
    text = values.str.strip()
    if name in TIMES[kind]:
        given = text != ""
        parsed = pd.to_datetime(text.str.replace(_OFFSET, "", regex=True).where(given),
                                format="ISO8601", errors="coerce")
        bad = given.to_numpy() & parsed.isna().to_numpy()
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise UserError(f"{where}: line {line[i]}, column {name}: {text.iloc[i]!r} is not "
                            "an ISO 8601 date or date and time (e.g. 2025-03-14 or "
                            "2025-03-14T09:30:00)")
        return parsed.to_numpy(dtype="datetime64[s]")
    if name in ("planned_effort", "actual_effort"):
        numbers = pd.to_numeric(text.where(text != ""), errors="coerce").to_numpy(float)
        bad = ((text != "").to_numpy() & ~np.isfinite(numbers)) | (numbers < 0)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise UserError(f"{where}: line {line[i]}, column {name}: {text.iloc[i]!r} is not "
                            "a number of person-days (0 or more)")
        return numbers
    return text.to_numpy(dtype=object)


def _fail(raw: Raw, mask: np.ndarray, column: str, problem: str) -> None:
    """Raise for the first row in ``mask``, naming its line, column and value."""
    if mask.any():
        i = int(np.flatnonzero(mask)[0])
        value = raw.columns[column][i]
        shown = (np.datetime_as_string(value) if isinstance(value, np.datetime64)
                 else repr(value))
        extra = "" if mask.sum() == 1 else f" (and {int(mask.sum()) - 1:,} more rows)"
        raise UserError(f"{raw.path}: line {raw.lines[i]}, column {column}: {shown}: "
                        f"{problem}{extra}")


def _check_rows(raw: Raw) -> None:
    """The checks that make a row unusable whatever the model: they stop the reading."""
    c, kind = raw.columns, raw.kind
    key = "name" if kind == "projects" else "id"
    _fail(raw, c[key] == "", key, f"every row needs a{'' if key == 'id' else ' project'} {key}")
    if kind == "tickets":
        created, started, closed = c["created"], c["started"], c["closed"]
        _fail(raw, np.isnat(created), "created", "every ticket needs a creation time")
        outcome = np.char.lower(c["outcome"].astype(str))
        c["outcome"] = outcome.astype(object)
        _fail(raw, ~np.isin(outcome, [*OUTCOMES, ""]), "outcome",
              "allowed: resolved, abandoned, or empty for a ticket still open")
        _fail(raw, np.isnat(closed) & (outcome != ""), "closed",
              "a ticket with an outcome needs a closing time")
        _fail(raw, ~np.isnat(closed) & (outcome == ""), "outcome",
              "a closed ticket needs an outcome (resolved or abandoned)")
        _fail(raw, _before(started, created), "started", "earlier than the ticket's created time")
        _fail(raw, _before(closed, created), "closed", "earlier than the ticket's created time")
        _fail(raw, _before(closed, started), "closed", "earlier than the ticket's started time")
    elif kind == "people":
        _fail(raw, np.isnat(c["start_date"]), "start_date", "every person needs a start date")
        _fail(raw, _before(c["leave_date"], c["start_date"]), "leave_date",
              "earlier than the person's start date")
    else:
        _fail(raw, np.isnat(c["start"]), "start", "every project needs a start")
        _fail(raw, np.isnat(c["planned_end"]), "planned_end",
              "every project needs a planned end")
        _fail(raw, ~(c["planned_end"] > c["start"]), "planned_end",
              "must be later than the project's start")
        _fail(raw, _before(c["actual_end"], c["start"]), "actual_end",
              "earlier than the project's start")
        if "status" in c:
            status = np.char.lower(c["status"].astype(str))
            c["status"] = status.astype(object)
            _fail(raw, ~np.isin(status, [*STATUSES, ""]), "status",
                  f"allowed: {', '.join(STATUSES)}, or empty")
            _fail(raw, (status == "cancelled") & np.isnat(c["actual_end"]), "actual_end",
                  "a cancelled project needs the date it was stopped")


def _before(later: np.ndarray, earlier: np.ndarray) -> np.ndarray:
    return ~np.isnat(later) & ~np.isnat(earlier) & (later < earlier)


def latest_moment(raw: Raw) -> np.datetime64:
    """The latest time anywhere in an export."""
    times = [raw.columns[n] for n in TIMES[raw.kind] if n in raw.columns]
    return max(np.max(t[~np.isnat(t)]) for t in times if (~np.isnat(t)).any())


def tickets_in_days(raw: Raw, calendar: WorkingCalendar, reading: Reading) -> pd.DataFrame:
    """The ticket export on the model's clock, with each ticket's parent as a row position.

    Columns: ``created``, ``started``, ``closed`` (working days), ``outcome`` and
    ``parent`` (the row of the ticket it reopens; -1 for value demand, -2 when the
    reopened ticket is not in the file or not earlier). Dropped: later rows of a
    repeated id, resolved tickets without a start time, and abandoned tickets that
    had started (the model finishes every item it starts).
    """
    c = raw.columns
    frame = pd.DataFrame({"id": c["id"], "created": calendar.to_days(c["created"]),
                          "started": calendar.to_days(c["started"]),
                          "closed": calendar.to_days(c["closed"]),
                          "outcome": c["outcome"],
                          "reopened_from": c.get("reopened_from",
                                                 np.full(len(raw), "", dtype=object))})
    reading.rows["tickets"] = len(frame)
    repeated = frame["id"].duplicated().to_numpy()
    reading.drop("tickets", "a repeated id (the first row is kept)", repeated.sum())
    no_start = (frame["outcome"] == "resolved").to_numpy() & np.isnan(frame["started"])
    reading.drop("tickets", "resolved without a start time", (no_start & ~repeated).sum())
    started_left = (frame["outcome"] == "abandoned").to_numpy() & ~np.isnan(frame["started"])
    reading.drop("tickets", "abandoned after service had started (the model finishes every "
                 "item it starts)", (started_left & ~repeated & ~no_start).sum())
    frame = frame[~(repeated | no_start | started_left)].reset_index(drop=True)
    reopens = frame["reopened_from"].to_numpy(dtype=object)
    has_parent = reopens != ""
    position = pd.Index(frame["id"]).get_indexer(reopens)
    parent = np.where(has_parent, position, -1)
    unknown = has_parent & (position < 0)
    reading.note("tickets", "reopens a ticket not in the file: counted as failure demand, "
                 "left out of the defect delay", unknown.sum())
    late = has_parent & (position >= 0)
    late[late] = (frame["created"].to_numpy()[position[late]]
                  >= frame["created"].to_numpy()[late])
    reading.note("tickets", "reopens a ticket created at the same time or later: counted as "
                 "failure demand without a link", late.sum())
    parent[unknown | late] = -2
    frame["parent"] = parent
    return frame[["created", "started", "closed", "outcome", "parent"]]


def people_in_days(raw: Raw, calendar: WorkingCalendar, reading: Reading) -> pd.DataFrame:
    """The people export on the model's clock: ``start``, ``leave``, ``team``."""
    c = raw.columns
    frame = pd.DataFrame({"id": c["id"], "start": calendar.to_days(c["start_date"]),
                          "leave": calendar.to_days(c["leave_date"]),
                          "team": c.get("team", np.full(len(raw), "", dtype=object))})
    reading.rows["people"] = len(frame)
    repeated = frame["id"].duplicated().to_numpy()
    reading.drop("people", "a repeated id (the first row is kept)", repeated.sum())
    return frame[~repeated][["start", "leave", "team"]].reset_index(drop=True)


def projects_in_days(raw: Raw, calendar: WorkingCalendar, reading: Reading) -> pd.DataFrame:
    """The project register on the model's clock.

    Columns: ``start``, ``planned_end``, ``actual_end`` (NaN while running),
    ``planned_effort``, ``actual_effort`` (NaN when not given), ``cancelled``.
    """
    c = raw.columns
    n = len(raw)
    status = c.get("status", np.full(n, "", dtype=object))
    frame = pd.DataFrame({"name": c["name"], "start": calendar.to_days(c["start"]),
                          "planned_end": calendar.to_days(c["planned_end"]),
                          "actual_end": calendar.to_days(c["actual_end"]),
                          "planned_effort": c.get("planned_effort", np.full(n, np.nan)),
                          "actual_effort": c.get("actual_effort", np.full(n, np.nan)),
                          "cancelled": status == "cancelled"})
    reading.rows["projects"] = len(frame)
    repeated = frame["name"].duplicated().to_numpy()
    reading.drop("projects", "a repeated name (the first row is kept)", repeated.sum())
    same_day = (frame["planned_end"] <= frame["start"]).to_numpy() & ~repeated
    reading.drop("projects", "planned to end within the working day it starts (no working "
                 "time to compare with)", same_day.sum())
    return frame[~(repeated | same_day)].drop(columns="name").reset_index(drop=True)


def records_to_frames(records: Records, calendar: WorkingCalendar) -> dict[str, pd.DataFrame]:
    """A run's records as the three exports (text columns), times placed by ``calendar``.

    Ticket and project times are written to the second, people's dates as dates
    (people start and leave at the start of a working day).
    """
    t = records.tickets
    tickets = pd.DataFrame({
        "id": t["id"].astype(str), "created": _iso(calendar, t["created"]),
        "started": _iso(calendar, t["started"]), "closed": _iso(calendar, t["closed"]),
        "outcome": t["outcome"], "reopened_from": t["reopened_from"].astype(str).replace(
            "<NA>", "")})
    p = records.people
    people = pd.DataFrame({"id": p["id"].astype(str), "start_date": _iso(calendar,
                                                                          p["start_date"], True),
                           "leave_date": _iso(calendar, p["leave_date"], True),
                           "team": p["team"]})
    r = records.projects
    projects = pd.DataFrame({"name": r["name"], "start": _iso(calendar, r["start"]),
                             "planned_end": _iso(calendar, r["planned_end"]),
                             "actual_end": _iso(calendar, r["actual_end"]),
                             "planned_effort": r["planned_effort"].map(_number),
                             "actual_effort": r["actual_effort"].map(_number),
                             "status": r["status"]})
    return {"tickets": tickets, "people": people, "projects": projects}


def _iso(calendar: WorkingCalendar, days: pd.Series, dates: bool = False) -> np.ndarray:
    moments = calendar.to_moments(days.to_numpy(dtype=float))
    text = np.datetime_as_string(moments.astype("datetime64[D]" if dates else "datetime64[s]"))
    return np.where(np.isnat(moments), "", text)


def _number(value: float) -> str:
    return "" if not np.isfinite(value) else f"{value:.2f}"
