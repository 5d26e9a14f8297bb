"""The one image installs the package from exactly the files `pip install .` needs."""

from __future__ import annotations

import shlex
import tomllib

import pytest

from tests.unit.deploy.support import ROOT

pytestmark = pytest.mark.unit

INSTALL_INPUTS = {"pyproject.toml", "README.md", "libs", "services", "src"}


def dockerfile_instructions() -> list[list[str]]:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [shlex.split(line) for line in lines if line and not line.startswith("#")]


def test_build_context_copies_are_the_install_inputs() -> None:
    copied = set()
    for words in dockerfile_instructions():
        if words[0] == "COPY" and not any(w.startswith("--from") for w in words):
            copied |= {w.rstrip("/") for w in words[1:-1]}
    assert copied == INSTALL_INPUTS
    readme = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert readme["readme"] in copied


def test_dockerignore_lets_in_only_the_install_inputs() -> None:
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    assert patterns[0] == "*"
    assert {p[1:].rstrip("/") for p in patterns if p.startswith("!")} == INSTALL_INPUTS


def test_image_installs_the_package_and_runs_unprivileged() -> None:
    instructions = dockerfile_instructions()
    runs = [" ".join(w[1:]) for w in instructions if w[0] == "RUN"]
    assert any("pip install ." in run for run in runs)
    users = [w[1] for w in instructions if w[0] == "USER"]
    assert users[-1] == "10001:10001"
    env = " ".join(" ".join(w[1:]) for w in instructions if w[0] == "ENV")
    assert "GOVMESH_HTTP_HOST=0.0.0.0" in env
    assert "GOVMESH_HTTP_PORT=8080" in env
