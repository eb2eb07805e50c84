"""A progress bar with an ETA, fed by :func:`sim.studies.sweeps.run_sweep`'s progress callback."""

from __future__ import annotations


class ProgressBar:
    """A tqdm bar that starts at the runs already done, so its rate and ETA are honest.

    Parameters
    ----------
    name
        The bar's label (the sweep's name).
    notebook
        Use ``tqdm.auto`` (a widget in Jupyter) and always show the bar; otherwise
        the bar shows only on a terminal.
    """

    def __init__(self, name: str, notebook: bool = False):
        self.name = name
        self.notebook = notebook
        self._bar = None

    def __call__(self, finished: int, total: int, failed: int) -> None:
        """Advance to ``finished`` of ``total`` runs (the first call sets the start)."""
        if self._bar is None:
            if self.notebook:
                from tqdm.auto import tqdm
            else:
                from tqdm import tqdm
            self._bar = tqdm(total=total, initial=finished, unit="run", desc=self.name,
                             disable=False if self.notebook else None, smoothing=0.05)
            return
        self._bar.update(finished - self._bar.n)
        if failed:
            self._bar.set_postfix(failed=failed)

    def close(self) -> None:
        """Close the bar (if it was shown)."""
        if self._bar is not None:
            self._bar.close()
