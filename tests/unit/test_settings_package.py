"""The settings package: one row per setting in the tier table, a description on every
setting, and a settings table (docs/settings.md) that is the one the models generate."""

from __future__ import annotations

from tap_platform.settings import KNOWN_KEYS, TIER_DEFAULTS
from tap_platform.settings.table import markdown, section, settings
from tap_platform.settings.tiers import TIER_NAMES, TIERS, tier_defaults
from tapsim.project import PROJECT_DIR

SETTINGS = dict(settings())


def test_every_tier_row_is_a_setting_with_a_value_per_tier() -> None:
    assert set(TIERS) <= set(SETTINGS)
    assert all(len(values) == len(TIER_NAMES) for values in TIERS.values())


def test_every_setting_says_what_it_means() -> None:
    undescribed = sorted(key for key, field in SETTINGS.items() if not field.description)
    assert undescribed == []


def test_the_tier_table_gives_each_tier_its_own_column() -> None:
    assert tier_defaults("dev")["service"]["cpu"] == 256
    assert tier_defaults("prod")["service"]["cpu"] == 1024
    assert TIER_DEFAULTS["staging"]["database"]["minCapacity"] == 0.5


def test_every_top_level_setting_is_known() -> None:
    assert {key.split(".")[0] for key in SETTINGS} == KNOWN_KEYS


def test_the_readme_table_is_the_generated_one() -> None:
    """The table lives in docs/settings.md, which the README links to."""
    readme = (PROJECT_DIR / "docs" / "settings.md").read_text()
    assert section(readme) == markdown(), (
        "regenerate it: .venv/bin/python -m tap_platform.settings.table, between "
        "docs/settings.md's markers"
    )


def test_one_row_per_setting_in_the_readme() -> None:
    rows = [line for line in markdown().splitlines()[2:]]
    assert len(rows) == len(SETTINGS)
    assert any(row.startswith("| `tap:database.rotationDays` | 30 | same | same |") for row in rows)
