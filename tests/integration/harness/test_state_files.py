"""Every file the lab writes into its state directory is readable by its owner only."""

from __future__ import annotations

import stat

from harness.lab import Lab, LabOptions


def test_state_directory_files_are_owner_only(tmp_path):
    state = tmp_path / "state"
    lab = Lab(LabOptions(state_dir=state, port_base=0, default_world=True, publish=False)).start()
    try:
        files = [p for p in state.rglob("*") if p.is_file()]
        names = {p.name for p in files}
        assert {"lab.json", "default-world.json", "microsoft.db", "jumpcloud.db"} <= names
        assert any(p.parent.name == "secrets" for p in files)
        loose = {
            str(p.relative_to(state)): oct(stat.S_IMODE(p.stat().st_mode))
            for p in files
            if stat.S_IMODE(p.stat().st_mode) & 0o077
        }
        assert loose == {}
    finally:
        lab.stop()
