"""`make new-service NAME=orders DEST=../orders`: a service repository holding only what is
the service's own, on a pinned release of this package.

It holds the program (`__main__.py`: the platform's stack, then the service's own resources),
`Pulumi.yaml`, a stack file per tier, `requirements.txt` (where releases are found, and the
pin), the Makefile, `.ci/run`, the service's tests and a short README. Components, settings
and tooling stay in the package, so a release reaches the service by `make upgrade
VERSION=x.y.z`, which moves the pin and rewrites none of the service's files.

The files come from the package's own `service_template/`, so a service can be started from
an installed release as well as from the platform's checkout. A name is refused before
anything is written, and so is a directory that holds anything but an empty clone.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from tap_platform import __version__
from tap_platform.naming import PROJECT_MAX_LENGTH
from tap_platform.settings import NAMESPACE

TEMPLATE_DIR = Path(__file__).resolve().parent / "service_template"
# Each file of a new service and the template it is written from.
FILES = {
    "__main__.py": "main.py.tmpl",
    "Pulumi.yaml": "Pulumi.yaml.tmpl",
    "Pulumi.dev.yaml": "Pulumi.dev.yaml.tmpl",
    "Pulumi.staging.yaml": "Pulumi.staging.yaml.tmpl",
    "Pulumi.prod.yaml": "Pulumi.prod.yaml.tmpl",
    "requirements.txt": "requirements.txt.tmpl",
    "Makefile": "Makefile.tmpl",
    "README.md": "README.md.tmpl",
    ".ci/run": "ci-run.tmpl",
    ".gitignore": "gitignore.tmpl",
    "tests/test_stacks.py": "test_stacks.py.tmpl",
    "app/Dockerfile": "app-Dockerfile.tmpl",
}
EXECUTABLE = frozenset({".ci/run"})
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9]*$")
PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
# Config namespaces that already mean something in a stack file.
TAKEN = frozenset({"aws", "pulumi", "random", NAMESPACE})


class NewServiceError(ValueError):
    pass


def check_name(name: str) -> None:
    if not NAME_PATTERN.match(name):
        raise NewServiceError(
            f"NAME={name!r}: use lower-case letters and digits, a letter first (it becomes the "
            "Pulumi project, part of every physical name and of S3 bucket names)"
        )
    if len(name) > PROJECT_MAX_LENGTH:
        raise NewServiceError(f"NAME={name!r}: at most {PROJECT_MAX_LENGTH} characters")
    if name in TAKEN:
        raise NewServiceError(
            f"NAME={name!r} is a config namespace already: a provider's, or the platform's "
            f"({NAMESPACE}:, where every service's settings are)"
        )


def check_dest(dest: Path) -> None:
    """A new directory, an empty one, or an empty clone (nothing but `.git`)."""
    if dest.exists() and (not dest.is_dir() or {p.name for p in dest.iterdir()} - {".git"}):
        raise NewServiceError(f"DEST={dest} is not empty: give a new directory")


def releases_location(releases: str) -> str:
    """An index page's URL as given; a directory made absolute, since pip reads a relative
    one from wherever it runs."""
    return releases if "://" in releases else str(Path(releases).resolve())


def missing_release(releases: str, version: str) -> bool:
    """Whether a directory of releases lacks the version the service would pin."""
    if "://" in releases:
        return False
    return not any(Path(releases).glob(f"tap_platform-{version}-*.whl"))


def render(name: str, releases: str, version: str = __version__) -> dict[str, str]:
    """Every file of the service: its path and its text."""
    values = {"name": name, "releases": releases, "version": version}
    files = {}
    for path, template in FILES.items():
        text = (TEMPLATE_DIR / template).read_text()
        files[path] = PLACEHOLDER.sub(lambda m: values[m.group(1)], text)
    return files


def create(name: str, dest: Path, releases: str) -> Path:
    check_name(name)
    dest = dest.resolve()
    check_dest(dest)
    releases = releases_location(releases)
    if missing_release(releases, __version__):
        raise NewServiceError(
            f"no tap-platform {__version__} in {releases}: run `make release` first, or give "
            "the releases it is in"
        )
    for path, text in render(name, releases).items():
        target = dest / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        if path in EXECUTABLE:
            target.chmod(0o755)
    return dest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--name", required=True)
    parser.add_argument("--dest", required=True, type=Path)
    parser.add_argument(
        "--releases", required=True, help="a directory of released wheels, or an index URL"
    )
    args = parser.parse_args(argv)
    try:
        dest = create(args.name, args.dest, args.releases)
    except NewServiceError as err:
        print(err, file=sys.stderr)
        return 1
    print("\n".join(next_steps(args.name, dest, releases_location(args.releases))))
    return 0


def next_steps(name: str, dest: Path, releases: str) -> list[str]:
    """What to do next; a directory of releases is a path on this machine, which another
    machine (CI, a teammate) cannot read from the service's requirements.txt."""
    lines = [
        f"{name} is ready in {dest}, on tap-platform {__version__}. Next:",
        f"  cd {dest} && git init && git add -A && git commit -m 'Start {name}'",
        "  make test    # lint and the service's own tests, in its own .venv",
        "  make local   # its dev stack in the embedded emulator",
    ]
    if "://" not in releases:
        lines += [
            f"requirements.txt finds the platform in {releases}, a directory on this machine:",
            "before CI or anyone else installs the service, publish the wheels to your team's",
            "package index and put its URL on the --find-links line.",
        ]
    return lines


if __name__ == "__main__":
    sys.exit(main())
