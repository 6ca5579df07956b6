"""moto in its own process on a loopback port, or an emulator someone else already runs."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from tapsim.emulator.core import EmulatorError
from tapsim.process import GC_THRESHOLDS, PARENT_ENV_VAR, environment_overrides

CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}


# moto's server, with the cyclic garbage collector relaxed as in the test processes (the
# emulated account holds many long-lived objects that each collection walks again), served
# with connections kept alive (`moto_process`), and taught the calls it lacks.
_MOTO = (
    f"import gc, sys; gc.freeze(); gc.set_threshold{GC_THRESHOLDS}; "
    "import tapsim.emulator.moto_logs; "
    "from tapsim.emulator.moto_process import main; main(sys.argv[1:])"
)


class Endpoint:
    """An emulator already listening at `url`."""

    def __init__(self, url: str) -> None:
        self.url = url

    def stop(self) -> None:
        """Someone else's emulator: left running."""

    def wait_until_ready(self, seconds: float = 30) -> Endpoint:
        """Returns once the emulator accepts connections (it may still be starting)."""
        port = int(self.url.rsplit(":", 1)[1])
        deadline = time.monotonic() + seconds
        while not _listening(port):
            if not self._alive() or time.monotonic() > deadline:
                self.stop()
                raise EmulatorError(f"the emulator did not start at {self.url}")
            time.sleep(0.05)
        return self

    def _alive(self) -> bool:
        return True

    @contextmanager
    def environment(self) -> Iterator[dict[str, str]]:
        """Points boto3 (and the AWS CLI) in this process at the emulator."""
        values = {"AWS_ENDPOINT_URL": self.url, **CREDENTIALS}
        with environment_overrides(values):
            yield values


class Server(Endpoint):
    """moto in its own process, reachable through AWS_ENDPOINT_URL.

    A separate process keeps the emulator's work off the program's interpreter (and off
    coverage tracing), and `warm_up` lets moto load its service backends in the background.
    """

    def __init__(self, port: int = 0, *, wait: bool = True) -> None:
        """Starts moto; with `wait=False` it returns at once, and users of the server call
        `wait_until_ready` (a test session starts its workers meanwhile)."""
        port = port or _free_port()
        super().__init__(f"http://127.0.0.1:{port}")
        self._process = subprocess.Popen(
            [sys.executable, "-c", _MOTO, "-H", "127.0.0.1", "-p", str(port)],
            env={
                **os.environ,
                "MOTO_IAM_LOAD_MANAGED_POLICIES": "true",
                # Certificates validated through DNS are issued at once, not after a minute.
                "MOTO_ACM_VALIDATION_WAIT": "0",
                # moto starts no tasks; one counted as running lets a dev service's deployment
                # reach COMPLETED, which is what a rolling restart waits for.
                "MOTO_ECS_SERVICE_RUNNING": "1",
                PARENT_ENV_VAR: str(os.getpid()),
            },
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if wait:
            self.wait_until_ready()

    def _alive(self) -> bool:
        return self._process.poll() is None

    def stop(self) -> None:
        self._process.terminate()
        self._process.wait(timeout=10)

    def warm_up(self, regions: Iterable[str]) -> threading.Thread:
        """Touches each service once per region so moto builds its backends ahead of use;
        best effort, so a server stopped before it finishes simply ends it. The thread
        imports boto3 and reads `regions` once the server listens."""

        def touch() -> None:
            import boto3
            from botocore.exceptions import BotoCoreError, ClientError

            try:
                self.wait_until_ready()
                for region in regions:
                    for service, call, params in _WARM_UP_CALLS:
                        client = boto3.client(
                            service,
                            region_name=region,
                            endpoint_url=self.url,
                            aws_access_key_id="testing",
                            aws_secret_access_key="testing",
                        )
                        getattr(client, call)(**params)
            except (BotoCoreError, ClientError, EmulatorError):
                return

        thread = threading.Thread(target=touch, name="emulator-warm-up", daemon=True)
        thread.start()
        return thread


_WARM_UP_CALLS: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("sts", "get_caller_identity", {}),
    ("ec2", "describe_availability_zones", {}),
    ("elbv2", "describe_load_balancers", {}),
    ("ecs", "list_clusters", {}),
    ("ecr", "describe_repositories", {}),
    ("logs", "describe_log_groups", {}),
    ("iam", "list_roles", {}),
    ("rds", "describe_db_clusters", {}),
    ("application-autoscaling", "describe_scalable_targets", {"ServiceNamespace": "ecs"}),
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0
