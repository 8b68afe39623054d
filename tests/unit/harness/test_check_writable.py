"""Labs starting side by side (``m365lab run -n 2``) check the shared CA directory at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from harness.errors import LabError
from harness.lab.lab import check_writable


def test_concurrent_checks_of_one_directory_all_pass(tmp_path):
    target = tmp_path / "ca"
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: [check_writable(target) for _ in range(50)], range(8)))
    assert target.is_dir()
    assert list(target.iterdir()) == []  # no probe left behind


def test_an_unwritable_place_is_a_lab_error_naming_it(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(LabError, match=r"cannot write state directory .*file"):
        check_writable(blocker / "ca")
