"""What the pipeline's builds run: the build's spec, which builds and pushes the app's image and
writes each runtime's deploy artifact, CodeDeploy's AppSpec with its hooks, and the spec that
records a deployed image."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass

import yaml

# The S3 source: a zip of the repository, which holds the app's Dockerfile (`app/Dockerfile`
# unless the pipeline is told another directory).
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


@dataclass(frozen=True)
class ImageBuild:
    """How the build builds the app's image.

    Attributes:
        context: the source's directory holding the Dockerfile, built as the context.
        platform: the platform the image is built for (`linux/amd64`, `linux/arm64`).
    """

    context: str
    platform: str


def image_commands(build: ImageBuild) -> list[str]:
    """Build the Dockerfile, push it to `$REPOSITORY_URI` under a tag no other build uses
    (the build number, then the source revision: the repository refuses to move a tag), and
    write the pushed image's digest, `<repository>@sha256:...`, to `image.txt`, so the deploy
    runs exactly what was built and scanned. What one command finds, the next reads from a
    file, so each also runs alone."""
    context = shlex.quote(build.context)
    source = '"${CODEBUILD_BUILD_NUMBER:-0}" "${CODEBUILD_RESOLVED_SOURCE_VERSION:-source}"'
    tag = f"\"$(printf 'b%s-%s' {source} | tr -c 'A-Za-z0-9_.-' '-' | cut -c1-128)\""
    return [
        f"test -f {context}/Dockerfile || "
        f"{{ echo 'the source has no {build.context}/Dockerfile to build' >&2; exit 1; }}",
        'aws ecr get-login-password --region "$AWS_REGION" | '
        'docker login --username AWS --password-stdin "${REPOSITORY_URI%%/*}"',
        f"tag={tag}; "
        f'docker build --platform {shlex.quote(build.platform)} -t "$REPOSITORY_URI:$tag" {context}'
        ' && docker push "$REPOSITORY_URI:$tag"'
        " && docker inspect --format '{{range .RepoDigests}}{{println .}}{{end}}'"
        ' "$REPOSITORY_URI:$tag" | grep -m1 "^$REPOSITORY_URI@sha256:" > image.txt',
    ]


def buildspec(
    compute: str,
    run_script: str,
    port: int,
    health_check_path: str,
    *,
    image: ImageBuild | None = None,
) -> str:
    """The build writes the deploy artifact each runtime's deploy action reads: the ECS
    action's `imagedefinitions.json`, or CodeDeploy's `appspec.yml` with its hooks; both
    name the image in `image.txt`, which the build pushed or, without `image`, `$IMAGE`."""
    commands = image_commands(image) if image else ["printf '%s\\n' \"$IMAGE\" > image.txt"]
    if compute == "ecs":
        definitions = """'[{"name":"app","imageUri":"%s"}]'"""
        commands.append(f'printf {definitions} "$(cat image.txt)" > imagedefinitions.json')
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
