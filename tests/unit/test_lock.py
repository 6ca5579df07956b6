"""requirements.lock: every package pinned with its hashes, a version of each requirement
that fits it, and what every supported Python needs. `make lock` writes it and `make install`
installs it (tests/unit/test_make.py)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tapsim.project import PROJECT_DIR

LOCK = PROJECT_DIR / "requirements.lock"


def lock_entries() -> dict[str, tuple[str, list[str]]]:
    """name -> (pinned version, hashes) of every requirement in requirements.lock."""
    entries: dict[str, tuple[str, list[str]]] = {}
    text = LOCK.read_text().replace("\\\n", " ")
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        requirement, *options = line.split()
        match = re.fullmatch(r"([A-Za-z0-9._-]+)==([^\s;]+)", requirement)
        assert match, f"not a pinned requirement: {line}"
        hashes = [o.removeprefix("--hash=") for o in options]
        assert all(h.startswith("sha256:") for h in hashes), line
        entries[canonicalize_name(match[1])] = (match[2], hashes)
    return entries


def requirements(path: Path) -> list[Requirement]:
    """Every requirement of a requirements file and the files it includes (-r), the
    project's own editable line aside."""
    found = []
    for raw in path.read_text().splitlines():
        line = raw.split(" #")[0].strip()
        if not line or line.startswith("#") or line.startswith("-e "):
            continue
        if line.startswith("-r "):
            found += requirements(path.parent / line.removeprefix("-r ").strip())
            continue
        assert not line.startswith("-"), f"{path.name}: an option the lock would not keep: {line}"
        found.append(Requirement(line))
    return found


def test_lock_pins_every_package_with_its_hashes() -> None:
    entries = lock_entries()
    assert len(entries) > 50
    assert all(hashes for _, hashes in entries.values())
    text = LOCK.read_text()
    assert not re.search(r"^-e |file://|/work/|/tmp/|--index-url|--find-links", text, re.M)
    assert re.search(r"^#\s+make lock$", text, re.M), "the lock names the command that makes it"


def test_lock_holds_a_version_of_every_requirement_that_fits_it() -> None:
    """A requirement edited without `make lock` fails here, not on someone's next install."""
    entries = lock_entries()
    wanted = requirements(PROJECT_DIR / "requirements.txt")
    names = {canonicalize_name(r.name) for r in wanted}
    assert "boto3" in names
    app = PROJECT_DIR / "app" / "requirements.txt"
    if app.is_file():  # the sample app's, or another Python app's; none for another language
        assert {canonicalize_name(r.name) for r in requirements(app)} <= names
    for requirement in wanted:
        name = canonicalize_name(requirement.name)
        assert name in entries, f"{name} is not in requirements.lock: run `make lock`"
        version = entries[name][0]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"requirements.lock pins {name}=={version}, outside {requirement}: run `make lock`"
        )


# The oldest release of each Python the README supports, on each platform a user runs make on:
# a dependency some of them need (redis takes async-timeout before 3.11.3, and Debian 12's
# python3 is 3.11.2) must be in the lock, which pip-compile makes for its own Python only.
SUPPORTED = [
    {
        "python_version": full.rsplit(".", 1)[0],
        "python_full_version": full,
        "sys_platform": system.lower(),
        "platform_system": system,
        "platform_machine": machine,
        "os_name": "posix",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
    }
    for full in ("3.11.0", "3.12.0", "3.13.0")
    for system, machine in (("Linux", "x86_64"), ("Linux", "aarch64"), ("Darwin", "arm64"))
]


@cache
def requires(name: str) -> list[Requirement]:
    return [Requirement(line) for line in metadata.distribution(name).requires or []]


def needed_but_unlocked(entries: Mapping[str, object]) -> set[str]:
    """Each `package -> dependency (for Python x.y.z on platform)` that the packages of
    requirements.txt need, with their extras, on a supported Python and that the lock leaves
    out, read from the installed packages' metadata."""
    missing: set[str] = set()
    pending = [
        (r, env) for r in requirements(PROJECT_DIR / "requirements.txt") for env in SUPPORTED
    ]
    seen: set[tuple[str, frozenset[str], str]] = set()
    while pending:
        requirement, env = pending.pop()
        name, extras = canonicalize_name(requirement.name), frozenset(requirement.extras)
        key = (
            name,
            extras,
            env["python_full_version"] + env["sys_platform"] + env["platform_machine"],
        )
        if key in seen or name not in entries:
            continue
        seen.add(key)
        for needed in requires(name):
            if needed.marker and not any(
                needed.marker.evaluate({**env, "extra": extra}) for extra in {"", *extras}
            ):
                continue
            if canonicalize_name(needed.name) not in entries:
                missing.add(
                    f"{name} -> {needed} (Python {env['python_full_version']} on "
                    f"{env['platform_system']} {env['platform_machine']})"
                )
            pending.append((needed, env))
    return missing


def test_the_lock_holds_what_every_supported_python_needs() -> None:
    entries = lock_entries()
    assert not needed_but_unlocked(entries), "name it in requirements.txt, then `make lock`"
    without = {k: v for k, v in entries.items() if k != "typing-extensions"}
    assert any("typing-extensions" in m for m in needed_but_unlocked(without))
