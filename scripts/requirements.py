"""Prints pyproject.toml's dependencies (with the dev extra) one per line, for `make lock`."""

import tomllib
from pathlib import Path

project = tomllib.loads(
    Path(__file__).resolve().parent.parent.joinpath("pyproject.toml").read_text()
)["project"]
for requirement in [*project["dependencies"], *project["optional-dependencies"]["dev"]]:
    print(requirement)
