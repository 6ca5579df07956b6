"""The build's one step beyond pyproject.toml: the policy pack's tier exceptions
(`policy/config/<tier>.json`) ship inside `tapsim`, so that `tapsim.policy`, installed in a
service's environment, judges its stacks by the same written exceptions as this repository."""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

POLICY_CONFIG = Path("policy") / "config"


class BuildWithPolicyConfig(build_py):
    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "tapsim" / "data" / "policy"
        self.mkpath(str(target))
        for path in sorted(POLICY_CONFIG.glob("*.json")):
            self.copy_file(str(path), str(target / path.name))


setup(cmdclass={"build_py": BuildWithPolicyConfig})
