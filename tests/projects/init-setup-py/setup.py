"""A project that only has a setup.py, as many older ones do."""

from setuptools import setup

setup(
    name="legacy-tool",
    version="2.4.1",
    description="An older tool with only a setup.py",
    license="MIT",
    packages=["legacy_tool"],
    python_requires=">=3.10",
    install_requires=["click>=8,<9"],
    entry_points={"console_scripts": ["legacy-tool = legacy_tool:main"]},
)
