import hashlib
from pathlib import Path

import pytest

from tools.sample import SampleData, generate_sample


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> SampleData:
    """The sample business, generated once per test session."""
    return generate_sample(tmp_path_factory.mktemp("sample"))


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
