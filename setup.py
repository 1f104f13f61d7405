"""The package tree for setuptools (the rest of the project is in pyproject.toml):
`whisperscope` and its subpackages, and the top-level `resources/` folder installed as
`whisperscope.resources` (the repository keeps resources beside the code, as
docs/ARCHITECTURE.md lays it out)."""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["whisperscope", "whisperscope.*"]),
              "whisperscope.resources"],
    package_dir={"whisperscope.resources": "resources"},
)
