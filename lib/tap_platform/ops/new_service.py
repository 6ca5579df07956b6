"""`make new-service NAME=orders DEST=../orders`: a new, self-contained project from this one.

The copy is this project's tracked files with the project's name replaced where it is the
name: the Pulumi project and its description, the config namespace of every stack file
(`orders:environment`), the component type tokens, physical names and the `Project` tag
(both built from the project name), messages, the README, the program file and the default
database user. The test infrastructure (`tapsim`) keeps its name: it is the emulator's, not
the service's. The copy starts its own git history.

A name is refused before anything is written when it breaks the project-name rule or when any
physical name the stacks make would break an AWS limit under the longest environment suffix:
the copy's prod stack, the superset of names, is synthesized on both runtimes to find out.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from importlib.util import find_spec
from pathlib import Path

import yaml

from tap_platform.naming import PROJECT_MAX_LENGTH, SUFFIX_MAX_LENGTH
from tapsim.fake_cloud import FakeCloud
from tapsim.runner import (
    PROJECT_DIR,
    ProgramError,
    read_project,
    relax_garbage_collection,
    run_program,
    stack_config,
)

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9]*$")
LONGEST_SUFFIX = "s" + "0" * (SUFFIX_MAX_LENGTH - 1)
# Data recorded from AWS and third parties: words there are theirs, not the project's.
VERBATIM = ("lib/data/", "tapsim/data/")
# The name as a word: `tap:x`, `tap-x`, `/tap/`, "tap"; never `tapsim` or
# `TapStack`.
WORD = r"(?<![A-Za-z0-9_]){}(?![A-Za-z0-9_])"
PROVIDER_NAMESPACES = frozenset({"aws", "pulumi", "random"})
DB_USER_SUFFIX = "admin"
DB_USER_MAX = 16


class NewServiceError(ValueError):
    pass


def check_name(name: str, template: str, source: Path = PROJECT_DIR) -> None:
    if not NAME_PATTERN.match(name):
        raise NewServiceError(
            f"NAME={name!r}: use lower-case letters and digits, a letter first (it becomes the "
            "config namespace, part of every physical name and of S3 bucket names)"
        )
    if len(name) > PROJECT_MAX_LENGTH:
        raise NewServiceError(f"NAME={name!r}: at most {PROJECT_MAX_LENGTH} characters")
    if name == template:
        raise NewServiceError(f"NAME={name!r} is this project's own name")
    if name in PROVIDER_NAMESPACES:
        raise NewServiceError(f"NAME={name!r} is a provider's config namespace")
    # The program becomes `<name>.py` at the top, where it would shadow a module of that name.
    if name in sys.stdlib_module_names or (source / name).exists() or find_spec(name):
        raise NewServiceError(
            f"NAME={name!r} is the name of a Python module the project imports or could import; "
            "the program file would shadow it"
        )


def renamed_text(text: str, template: str, name: str) -> str:
    db_user = (name + DB_USER_SUFFIX)[:DB_USER_MAX]
    text = re.sub(WORD.format(re.escape(f"{template}{DB_USER_SUFFIX}")), db_user, text)
    return re.sub(WORD.format(re.escape(template)), name, text)


def leftovers(root: Path, template: str) -> list[str]:
    """Where the template's name is still a word in the copy: a path, or `path:line`."""
    word = re.compile(WORD.format(re.escape(template)))
    found = []
    for path in _files(root):
        relative = path.relative_to(root).as_posix()
        if word.search(relative):
            found.append(relative)
        if relative.startswith(VERBATIM):
            continue
        lines = (_text(path) or "").splitlines()
        found += [f"{relative}:{n}" for n, line in enumerate(lines, 1) if word.search(line)]
    return found


def _files(root: Path) -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=root, check=True, capture_output=True, text=True
    ).stdout
    return [root / p for p in listed.split("\0") if p and (root / p).is_file()]


def _text(path: Path) -> str | None:
    try:
        return path.read_text()
    except UnicodeDecodeError:
        return None


def write_copy(source: Path, dest: Path, name: str) -> None:
    template = read_project(source)["name"]
    for path in _files(source):
        relative = path.relative_to(source).as_posix()
        target = dest / renamed_text(relative, template, name)
        target.parent.mkdir(parents=True, exist_ok=True)
        text = _text(path)
        if text is None or relative.startswith(VERBATIM):
            shutil.copy2(path, target)
            continue
        target.write_text(renamed_text(text, template, name))
        shutil.copymode(path, target)
    project_file = dest / "Pulumi.yaml"
    project = yaml.safe_load(project_file.read_text())
    old_description = project["description"]
    new_description = (
        f"The {name} service on AWS (VPC, ALB, ECS Fargate or EC2 Auto Scaling, Aurora or RDS, "
        "ElastiCache), one stack per environment."
    )
    project_file.write_text(project_file.read_text().replace(old_description, new_description))


def check_names(dest: Path) -> None:
    """Every physical name of the copy's prod stack, on both runtimes, under the longest
    suffix: the namer refuses any that AWS would."""
    region = stack_config("prod", dest)["aws:region"]
    name = read_project(dest)["name"]
    for compute in ("ecs", "asg"):
        try:
            run_program(
                "prod",
                FakeCloud(region),
                config={f"{name}:compute": compute},
                environment_suffix=LONGEST_SUFFIX,
                project_dir=dest,
            )
        except ProgramError as err:
            if "AWS allows" not in str(err):
                raise NewServiceError(
                    f"NAME={name!r}: the copy does not synthesize: {err}"
                ) from None
            broken = str(err).split(". Shorten")[0]
            raise NewServiceError(
                f"NAME={name!r} is too long: under the longest environment suffix "
                f"({SUFFIX_MAX_LENGTH} characters) the {broken}. Choose a shorter NAME."
            ) from None


def create(name: str, dest: Path, source: Path = PROJECT_DIR) -> Path:
    """Writes and checks the copy beside `dest`, then moves it there; nothing is ever
    written over an existing `dest`."""
    check_name(name, read_project(source)["name"], source)
    dest = dest.resolve()
    if dest.exists():
        raise NewServiceError(f"DEST={dest} exists: give a new directory")
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=f".{name}-") as scratch:
        work = Path(scratch) / name
        write_copy(source, work, name)
        # Longer names lengthen lines: the formatter wraps them again as the project does.
        subprocess.run([sys.executable, "-m", "ruff", "format", "-q", "."], cwd=work, check=True)
        _git(work, "init", "-q", "-b", "main")
        _git(work, "add", "-A")
        check_names(work)
        _git(work, "commit", "-q", "-m", f"Start the {name} service")
        work.rename(dest)
    return dest


def _git(repo: Path, *args: str) -> None:
    identity = []
    for key, fallback in (("user.name", "new-service"), ("user.email", "new-service@localhost")):
        known = subprocess.run(
            ["git", "config", key], check=False, cwd=repo, capture_output=True, text=True
        )
        if not known.stdout.strip():
            identity += ["-c", f"{key}={fallback}"]
    subprocess.run(["git", *identity, *args], cwd=repo, check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--name", required=True)
    parser.add_argument("--dest", required=True, type=Path)
    args = parser.parse_args(argv)
    relax_garbage_collection()
    try:
        dest = create(args.name, args.dest)
    except NewServiceError as err:
        print(err, file=sys.stderr)
        return 1
    print(f"{args.name} is ready in {dest}, with its first commit. Next:")
    print(f"  cd {dest} && make test      # the copy's own suite")
    print("  make local                    # its dev stack in the emulator")
    print("  pulumi stack init dev && make up STACK=dev   # on AWS, as the README says")
    return 0


if __name__ == "__main__":
    sys.exit(main())
