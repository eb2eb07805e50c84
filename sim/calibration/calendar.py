"""The working calendar: dates and times of an export to the model's clock and back.

The model's clock counts working days (nights and weekends do not exist on it).
An organisation's exports carry dates and times. A :class:`WorkingCalendar`
names the working weekdays and the working hours of a day; working time is then

    (working days from the calendar's origin to the date) + (time into the day's
    working hours) / (length of the working hours)

so 1.0 is one working day whatever its length in hours. A moment outside working
hours counts as the next moment of working time: after hours or on a non-working
day it is the start of the next working day, before hours the start of that day.
The inverse puts working time back into the working hours, so that a run's records
written with a calendar read back to the same working times (to the second).
Holidays are not modelled: every listed weekday is a working day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from sim.errors import UserError

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_SPEC = re.compile(r"^\s*(?P<days>[A-Za-z,\-\s]+?)\s+(?P<start>\d{1,2}:\d{2})"
                   r"(?:\s*-\s*(?P<end>\d{1,2}:\d{2}))?\s*$")
SECONDS_PER_HOUR = 3600.0
CALENDAR_HELP = ("'<weekdays> <start>[-<end>]', e.g. 'Mon-Fri 09:00' or 'Mon,Tue,Thu 08:30-16:00' "
                 "(weekdays Mon..Sun, a range or a comma list; times HH:MM; without an end the "
                 "day lasts the scenario's hours_per_day)")


@dataclass(frozen=True)
class WorkingCalendar:
    """Working weekdays and hours, anchored at an origin (working time 0).

    Parameters
    ----------
    origin
        The first working day, as ``numpy.datetime64`` of unit day: working time 0
        is the start of its working hours.
    weekmask
        Seven flags, Monday first: which weekdays are worked.
    start_hour
        When the working hours start, in hours after midnight.
    hours
        How long the working hours last (at most until midnight).
    """

    origin: np.datetime64
    weekmask: tuple[bool, ...] = (True, True, True, True, True, False, False)
    start_hour: float = 9.0
    hours: float = 7.5

    def __post_init__(self):
        if not any(self.weekmask):
            raise UserError("--calendar: at least one weekday must be a working day")
        if not 0.0 < self.hours <= 24.0 - self.start_hour:
            raise UserError(f"--calendar: working hours from {self.start_hour:g} h lasting "
                            f"{self.hours:g} h must be longer than 0 and end by midnight")
        origin = np.datetime64(self.origin, "D")
        object.__setattr__(self, "origin",
                           np.busday_offset(origin, 0, roll="forward", weekmask=self._mask))

    @property
    def _mask(self) -> list[int]:
        return [int(flag) for flag in self.weekmask]

    def describe(self) -> str:
        """The calendar in the form ``--calendar`` takes, with its origin."""
        days = ",".join(d for d, on in zip(WEEKDAYS, self.weekmask, strict=True) if on)
        end = self.start_hour + self.hours
        return (f"{days} {_clock(self.start_hour)}-{_clock(end)}; working time 0 is "
                f"{np.datetime_as_string(self.origin)} {_clock(self.start_hour)}")

    def anchored(self, moment: np.datetime64) -> WorkingCalendar:
        """The same calendar with its origin on the working day of ``moment`` (or the next)."""
        day = np.datetime64(moment, "D")
        return WorkingCalendar(day, self.weekmask, self.start_hour, self.hours)

    def to_days(self, moments: np.ndarray) -> np.ndarray:
        """Working time (days since the origin) of each moment; NaT gives NaN.

        Parameters
        ----------
        moments
            ``datetime64`` values (any unit) in the organisation's local time.
        """
        moments = np.asarray(moments, dtype="datetime64[s]")
        missing = np.isnat(moments)
        safe = np.where(missing, np.datetime64(self.origin, "s"), moments)
        days = safe.astype("datetime64[D]")
        working = np.is_busday(days, weekmask=self._mask)
        whole = np.busday_count(self.origin, days, weekmask=self._mask).astype(float)
        seconds = (safe - days.astype("datetime64[s]")).astype(np.int64).astype(float)
        into = (seconds / SECONDS_PER_HOUR - self.start_hour) / self.hours
        fraction = np.where(working, np.clip(into, 0.0, 1.0), 0.0)
        return np.where(missing, np.nan, whole + fraction)

    def to_moments(self, days: np.ndarray) -> np.ndarray:
        """The moments (``datetime64[s]``) of working times; NaN gives NaT.

        A whole number of days is the start of that working day's hours.
        """
        days = np.asarray(days, dtype=float)
        missing = ~np.isfinite(days)
        safe = np.where(missing, 0.0, days)
        whole = np.floor(safe)
        dates = np.busday_offset(self.origin, whole.astype(np.int64), roll="forward",
                                 weekmask=self._mask)
        seconds = np.rint((self.start_hour + (safe - whole) * self.hours) * SECONDS_PER_HOUR)
        moments = dates.astype("datetime64[s]") + seconds.astype("timedelta64[s]")
        return np.where(missing, np.datetime64("NaT", "s"), moments)


def parse_calendar(text: str | None, hours_per_day: float,
                   origin: np.datetime64 | None = None) -> WorkingCalendar:
    """Read a ``--calendar`` value (None: Monday to Friday from 09:00 for ``hours_per_day``).

    Raises
    ------
    UserError
        If the text is not of the form ``CALENDAR_HELP`` describes.
    """
    origin = np.datetime64("2000-01-03") if origin is None else origin
    if text is None:
        return WorkingCalendar(origin, hours=hours_per_day)
    match = _SPEC.match(text)
    if not match:
        raise UserError(f"--calendar {text!r}: use {CALENDAR_HELP}")
    mask = [False] * 7
    for part in match["days"].replace(" ", "").split(","):
        ends = part.split("-")
        if len(ends) > 2 or any(e.capitalize() not in WEEKDAYS for e in ends):
            raise UserError(f"--calendar {text!r}: {part!r} is not a weekday or a range of "
                            f"weekdays; use {CALENDAR_HELP}")
        first, last = (WEEKDAYS.index(e.capitalize()) for e in (ends[0], ends[-1]))
        if last < first:
            raise UserError(f"--calendar {text!r}: the range {part!r} runs backwards")
        for day in range(first, last + 1):
            mask[day] = True
    start = _hours(match["start"], text)
    hours = hours_per_day if match["end"] is None else _hours(match["end"], text) - start
    return WorkingCalendar(origin, tuple(mask), start, hours)


def _hours(clock: str, text: str) -> float:
    hour, minute = (int(p) for p in clock.split(":"))
    if hour > 24 or minute > 59 or (hour == 24 and minute):
        raise UserError(f"--calendar {text!r}: {clock} is not a time of day (HH:MM)")
    return hour + minute / 60.0


def _clock(hours: float) -> str:
    minutes = round(hours * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
