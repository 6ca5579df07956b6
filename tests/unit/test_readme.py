"""The README is a user's: short, with the two set-up commands, the architecture, the app's
contract and the first deployment, and links into docs/ for the rest; every link resolves."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from tap_platform.workload import app_settings
from tapsim.project import PROJECT_DIR

README = PROJECT_DIR / "README.md"
DOCS = sorted((PROJECT_DIR / "docs").glob("*.md"))
TEXT = README.read_text()
MAX_LINES = 250
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def section(text: str, heading: str) -> str:
    """A `## heading` section's text, up to the next heading of its level or above."""
    found = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^#{{1,2}} |\Z)", text, re.S | re.M)
    assert found, heading
    return found[1]


def anchors(path: Path) -> set[str]:
    """The anchors GitHub gives a file's headings (lower case, punctuation dropped, spaces
    as hyphens), outside code blocks."""
    text = re.sub(r"^```.*?^```", "", path.read_text(), flags=re.S | re.M)
    headings = re.findall(r"^#+ (.+)$", text, re.M)
    return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in headings}


def test_the_readme_is_short() -> None:
    assert len(TEXT.splitlines()) <= MAX_LINES


def test_it_starts_with_the_two_set_up_commands_and_the_architecture() -> None:
    setup = section(TEXT, "Set up")
    assert "make local" in setup
    assert "make test" in setup
    assert "```mermaid" in section(TEXT, "Architecture")


@pytest.mark.parametrize(
    "heading",
    ["Settings", "Bring your own app", "Deploy to AWS for the first time", "CI",
     "Updating dependencies"],
)  # fmt: skip
def test_it_has_the_users_sections(heading: str) -> None:
    assert section(TEXT, heading).strip()


def test_it_names_every_variable_the_stack_gives_the_app() -> None:
    names = set(re.findall(r'"([A-Z][A-Z0-9_]+)"', inspect.getsource(app_settings)))
    assert {"DB_HOST", "DB_AUTH", "REDIS_AUTH_SECRET_ARN", "PORT"} <= names
    app = section(TEXT, "Bring your own app")
    assert sorted(n for n in names if f"`{n}" not in app) == []


def test_the_first_deployment_names_what_it_needs() -> None:
    checklist = section(TEXT, "Deploy to AWS for the first time")
    for needed in ("pulumi login", "deploy/deployer-policy.json", "hosted zone", "aws:region",
                   "make up STACK=", "make integration"):  # fmt: skip
        assert needed in checklist, needed


def test_it_links_every_document_under_docs() -> None:
    linked = {link.split("#")[0] for link in LINK.findall(TEXT)}
    assert sorted(f"docs/{p.name}" for p in DOCS if f"docs/{p.name}" not in linked) == []


@pytest.mark.parametrize("path", [README, *DOCS], ids=lambda p: p.name)
def test_every_relative_link_resolves(path: Path) -> None:
    for link in LINK.findall(path.read_text()):
        if re.match(r"[a-z]+:", link):
            continue
        target, _, anchor = link.partition("#")
        resolved = (path.parent / target).resolve() if target else path
        assert resolved.exists(), link
        if anchor and resolved.suffix == ".md":
            assert anchor in anchors(resolved), link


def test_it_names_no_machine_path() -> None:
    assert not re.search(r"(?<![\w.])/(work|home|tmp|Users|root|mnt)/", TEXT)


def test_every_update_the_documents_show_is_one_the_dev_stack_takes() -> None:
    """`UPDATE='...'` as README.md, the Makefile and docs/ write it: a newcomer copies it
    first, so it must work as written, the tier's other defaults included."""
    from tapsim.fake_cloud import settings_of
    from tapsim.local import with_updates

    texts = [README, PROJECT_DIR / "Makefile", *DOCS]
    shown = {
        u
        for p in texts
        for u in re.findall(r"UPDATE='([^']+)'", p.read_text().replace("\n# ", " "))
    }
    assert len(shown) >= 3
    for update in sorted(shown):
        settings_of("dev", config=with_updates("dev", {}, [update]))
