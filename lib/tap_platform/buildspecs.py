"""What the pipeline's builds run: the build's spec, which writes each runtime's deploy
artifact, CodeDeploy's AppSpec with its hooks, and the spec that records a deployed image."""

from __future__ import annotations

import shlex
from collections.abc import Sequence

import yaml

SOURCE_KEY = "source/app.zip"
# Where CodeDeploy unpacks each revision on an instance.
RELEASE_DIR = "/opt/app/release"


def _write(path: str, lines: Sequence[str]) -> str:
    """A build command that writes `lines` to `path`."""
    return f"printf '%s\\n' {' '.join(shlex.quote(line) for line in lines)} > {path}"


def appspec() -> dict:
    """CodeDeploy AppSpec for EC2 in-place deployments: the revision lands in RELEASE_DIR,
    the old container stops, the run script starts the new image, and the app must answer
    before the instance takes traffic again. Source: CodeDeploy User Guide, "AppSpec file
    structure" (version 0.0, `files`, `hooks` with ApplicationStop, ApplicationStart and
    ValidateService)."""
    return {
        "version": 0.0,
        "os": "linux",
        "files": [{"source": "/", "destination": RELEASE_DIR}],
        "file_exists_behavior": "OVERWRITE",
        "hooks": {
            "ApplicationStop": [{"location": "hooks/stop.sh", "timeout": 120}],
            "ApplicationStart": [{"location": "hooks/start.sh", "timeout": 300}],
            "ValidateService": [{"location": "hooks/validate.sh", "timeout": 300}],
        },
    }


def buildspec(compute: str, run_script: str, port: int, health_check_path: str) -> str:
    """The build writes the deploy artifact each runtime's deploy action reads: the ECS
    action's `imagedefinitions.json`, or CodeDeploy's `appspec.yml` with its hooks and the
    image to run."""
    commands = [
        'echo "Build and test the app here; write the deploy artifact below."',
        "printf '%s\\n' \"$IMAGE\" > image.txt",
    ]
    if compute == "ecs":
        commands.append(
            """printf '[{"name":"app","imageUri":"%s"}]' "$IMAGE" > imagedefinitions.json"""
        )
    else:
        url = f"http://127.0.0.1:{port}{health_check_path}"
        commands += [
            "mkdir -p hooks",
            _write("hooks/stop.sh", ["#!/bin/bash", "docker rm -f app || true"]),
            _write(
                "hooks/start.sh",
                [
                    "#!/bin/bash",
                    "set -euo pipefail",
                    f'{run_script} "$(cat {RELEASE_DIR}/image.txt)"',
                ],
            ),
            _write(
                "hooks/validate.sh",
                [
                    "#!/bin/bash",
                    f"for _ in $(seq 60); do curl -fsS -o /dev/null {url} && exit 0; sleep 5; done",
                    "exit 1",
                ],
            ),
            "chmod +x hooks/*.sh",
            _write("appspec.yml", yaml.safe_dump(appspec(), sort_keys=False).splitlines()),
        ]
    return yaml.safe_dump(
        {
            "version": 0.2,
            "phases": {"build": {"commands": commands}},
            "artifacts": {"files": ["**/*"]},
        },
        sort_keys=False,
        width=1000,
    )


# Runs after the deploy stage, so only an approved, deployed image is recorded.
RECORD_BUILDSPEC = yaml.safe_dump(
    {
        "version": 0.2,
        "phases": {
            "build": {
                "commands": [
                    'aws ssm put-parameter --name "$IMAGE_PARAMETER" --value "$(cat image.txt)" '
                    "--overwrite"
                ]
            }
        },
    },
    sort_keys=False,
    width=1000,
)
