"""A file dropped on the studio page may extend only the scenarios it is allowed to.

A page visitor is not the owner of the server: an uploaded file that says
``extends: /some/server/file`` must be refused before that file is opened, so
that nothing of it (not even whether it exists) reaches the page.
"""

from __future__ import annotations

from pathlib import Path

import ipyvuetify as v
import pytest
import solara

from sim.errors import ScenarioError
from sim.studio import app
from sim.studio.app import Studio, extendable, open_upload

ROOT = Path(__file__).resolve().parents[1]
SECRET = "hunter2-SECRET"
SECRET_SCENARIO = f"name: {SECRET}\noperations: {{demand: {SECRET}}}\n"
"""A scenario-like file whose values would be shown if it were read and validated."""


@pytest.fixture
def server(tmp_path, monkeypatch):
    """A studio folder with the offered scenarios, and a secret file beside it."""
    monkeypatch.chdir(tmp_path)
    offered = tmp_path / "scenarios"
    offered.mkdir()
    (offered / "as_is.yaml").write_text("name: as-is\nhorizon: 20\n")
    (tmp_path / "secret.yaml").write_text(SECRET_SCENARIO)
    (offered / "link.yaml").symlink_to(tmp_path / "secret.yaml")
    monkeypatch.delenv("PMOSIM_STUDIO_ALLOW", raising=False)
    return tmp_path


def refusal(server: Path, extends: str) -> str:
    with pytest.raises(ScenarioError) as caught:
        open_upload(server / "scenarios" / "up.yaml", f"extends: {extends}\n".encode(),
                    extendable(server / "scenarios"))
    return str(caught.value)


@pytest.mark.parametrize("extends", [
    "{server}/secret.yaml",         # an absolute path outside
    "../secret.yaml",               # a relative path out of the folder
    "link.yaml",                    # a link inside that points outside
    "/etc/passwd",                  # a system file
    "/no/such/file.yaml",           # a file that does not exist: said the same way
])
def test_an_upload_cannot_extend_a_file_outside_the_allowed_folders(server, extends):
    message = refusal(server, extends.format(server=server))
    assert "outside the allowed folders" in message
    assert SECRET not in message and "root:" not in message
    assert "no such file" not in message


def test_an_upload_may_extend_the_offered_and_the_allowed_scenarios(server):
    base = open_upload(server / "scenarios" / "up.yaml", b"extends: as_is.yaml\nseed: 3\n",
                       extendable(server / "scenarios"))
    assert (base.scenario.horizon, base.scenario.seed) == (20, 3)
    shipped = ROOT / "scenarios" / "baseline.yaml"
    base = open_upload(server / "scenarios" / "up.yaml", f"extends: {shipped}\n".encode(),
                       extendable(server / "scenarios"))
    assert base.scenario.levers == open_upload(
        shipped, shipped.read_bytes(), [ROOT / "scenarios"]).scenario.levers
    mine = server / "mine"
    mine.mkdir()
    (mine / "p.yaml").write_text("horizon: 30\n")
    text = f"extends: {mine / 'p.yaml'}\n".encode()
    with pytest.raises(ScenarioError):
        open_upload(server / "scenarios" / "up.yaml", text, extendable(server / "scenarios"))
    allowed = extendable(server / "scenarios", [mine])
    assert open_upload(server / "scenarios" / "up.yaml", text, allowed).scenario.horizon == 30


def test_the_page_shows_the_refusal_of_a_dropped_file_without_the_file(server, monkeypatch):
    @solara.component
    def DroppedOnce(label, lazy, on_file):
        """Stands in for the drop zone: drops one file as a browser would."""
        solara.use_effect(lambda: on_file({"name": "../../evil.yaml", "size": 1,
                                           "data": f"extends: {server}/secret.yaml\n".encode()}),
                          [])
        return solara.Text(label)

    class NoRunner:
        def cancel(self):
            pass

    monkeypatch.setattr(app.solara, "FileDrop", DroppedOnce)
    baseline = ROOT / "scenarios" / "baseline.yaml"
    _, rc = solara.render(Studio(baseline, root=server / "scenarios",
                                 runner_factory=NoRunner), handle_error=False)
    shown = rc.find(v.Alert, class_="pmosim-base-error")
    shown.wait_for(timeout=10)
    text = str(shown.widget.children)
    assert "outside the allowed folders" in text and "evil.yaml" in text
    assert SECRET not in text
    rc.close()


def test_the_command_tells_the_page_which_folders_to_allow(server, monkeypatch, capsys):
    import sim.studio
    from sim.cli import main

    monkeypatch.setenv(sim.studio.ALLOW_ENV, "")  # restored after the test
    monkeypatch.setattr(sim.studio, "serve", lambda file, host, port: 0)
    (server / "mine").mkdir()
    baseline = str(ROOT / "scenarios" / "baseline.yaml")
    assert main(["studio", baseline, "--allow", "nowhere"]) == 2
    assert "--allow nowhere: no such folder" in capsys.readouterr().err
    assert main(["studio", baseline, "--allow", "mine"]) == 0
    assert extendable(server / "scenarios")[-1] == server / "mine"
