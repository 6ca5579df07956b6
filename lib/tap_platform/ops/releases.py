"""`make release`: the wheel of the version in `lib/tap_platform/__init__.py`, built from this
checkout into the releases directory (`RELEASES`, `dist/` unless set), where the pins of
services find it.

A released version never changes: every service that pins it must keep getting the same code.
A wheel of the version already there is compared with the new build file by file (the hashes
in its RECORD, which no build time enters) and kept when they agree; when anything differs the
release is refused and asks for a new version. A version is released only with its CHANGELOG
entry, which says what it changes for services and whether they must act.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path

CHANGELOG = "CHANGELOG.md"
VERSION_FILE = Path("lib") / "tap_platform" / "__init__.py"
VERSION = re.compile(r'^__version__ = "([^"]+)"$', re.M)
# Each entry ends in the line that tells services whether they must act.
ACTION = re.compile(r"^Action: \S", re.M)
# What a checkout holds besides its sources: never part of a build.
NOT_SOURCES = (".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache")
# A PEP 517 backend's wheel hook, in the sources' directory.
BUILD = "import importlib, sys; importlib.import_module(sys.argv[1]).build_wheel(sys.argv[2])"
# Wheel metadata that records the build tool, not the package.
BUILD_RECORDS = ("RECORD", "WHEEL")


class ReleaseError(Exception):
    pass


def version_of(source: Path) -> str:
    found = VERSION.search((source / VERSION_FILE).read_text())
    if not found:
        raise ReleaseError(f"{VERSION_FILE} sets no __version__")
    return found.group(1)


def changelog_entry(source: Path, version: str) -> str:
    """The version's section of the CHANGELOG, which must say whether services must act."""
    path = source / CHANGELOG
    text = path.read_text() if path.is_file() else ""
    entry = re.search(rf"^## {re.escape(version)}\n.*?(?=^## |\Z)", text, re.M | re.S)
    if not entry:
        raise ReleaseError(
            f"{CHANGELOG} has no entry '## {version}': say what {version} changes for "
            "services before releasing it"
        )
    if not ACTION.search(entry.group()):
        raise ReleaseError(
            f"{CHANGELOG}, {version}: end the entry with 'Action: ...', whether services "
            "must act when they upgrade ('Action: none.' when they need not)"
        )
    return entry.group()


def build(source: Path, out: Path) -> Path:
    """Builds in a copy of the sources (setuptools keeps what an earlier build copied into
    `build/`, files deleted since among it, and would ship them), with the build backend
    pyproject.toml names, called as pip would call it without build isolation: offline, with
    the build tools of this environment."""
    backend = tomllib.loads((source / "pyproject.toml").read_text())["build-system"]
    with tempfile.TemporaryDirectory() as scratch:
        tree = Path(scratch) / "source"
        shutil.copytree(source, tree, ignore=shutil.ignore_patterns(*NOT_SOURCES))
        done = subprocess.run(
            [sys.executable, "-c", BUILD, backend["build-backend"], str(out)],
            cwd=tree, capture_output=True, text=True, check=False,
        )  # fmt: skip
    if done.returncode:
        raise ReleaseError(f"the build failed:\n{done.stdout}{done.stderr}")
    (wheel,) = out.glob("*.whl")
    return wheel


def contents(wheel: Path) -> list[str]:
    """Each file of the wheel with its hash, but for the records of the build itself."""
    with zipfile.ZipFile(wheel) as archive:
        record = next(n for n in archive.namelist() if n.endswith(".dist-info/RECORD"))
        lines = archive.read(record).decode().splitlines()
    metadata = record.rsplit("/", 1)[0]
    skipped = {f"{metadata}/{name}" for name in BUILD_RECORDS}
    return sorted(line for line in lines if line and line.split(",")[0] not in skipped)


def release(source: Path, releases: Path) -> tuple[Path, bool]:
    """(the released wheel, whether this call added it)."""
    version = version_of(source)
    changelog_entry(source, version)
    with tempfile.TemporaryDirectory() as scratch:
        wheel = build(source, Path(scratch))
        target = releases / wheel.name
        if target.exists():
            if contents(target) != contents(wheel):
                raise ReleaseError(
                    f"{version} is already released in {releases} with other contents, and a "
                    f"released version never changes: set a new __version__ in {VERSION_FILE} "
                    f"and add its {CHANGELOG} entry"
                )
            return target, False
        releases.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".partial")
        shutil.copyfile(wheel, partial)
        partial.rename(target)
    return target, True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", type=Path, default=Path.cwd())
    parser.add_argument("--releases", type=Path, default=Path("dist"))
    args = parser.parse_args(argv)
    try:
        wheel, added = release(args.source.resolve(), args.releases.resolve())
    except ReleaseError as err:
        print(err, file=sys.stderr)
        return 1
    if added:
        print(f"released {wheel.name} into {wheel.parent}")
    else:
        print(f"{wheel.name} is already released in {wheel.parent}, with these contents")
    return 0


if __name__ == "__main__":
    sys.exit(main())
