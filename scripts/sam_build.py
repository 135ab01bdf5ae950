"""`sam build` calls `make build-<LogicalId>`, which runs this: package one
function with only its own capability's code and dependencies.

    python scripts/sam_build.py BookingsApiFunction "$ARTIFACTS_DIR"
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devstack.template import load_template  # noqa: E402

IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "requirements.txt")


def handler_of(logical_id: str) -> str:
    from cfnlint.decode import cfn_yaml

    resources = cfn_yaml.load(str(ROOT / "template.yaml"))["Resources"]
    return str(resources[logical_id]["Properties"]["Handler"])


def capability_of(handler: str) -> str:
    parts = handler.split(".")
    if len(parts) < 3 or parts[0] != "functions":
        raise SystemExit(f"handler {handler!r} is not functions.<capability>.<module>.<name>")
    return parts[1]


def build(logical_id: str, artifacts: Path) -> None:
    load_template()  # fails early on a template the local stack could not read either
    capability = capability_of(handler_of(logical_id))
    artifacts.mkdir(parents=True, exist_ok=True)
    (artifacts / "functions").mkdir(exist_ok=True)
    shutil.copy2(ROOT / "functions" / "__init__.py", artifacts / "functions" / "__init__.py")
    shutil.copytree(
        ROOT / "functions" / capability,
        artifacts / "functions" / capability,
        ignore=IGNORE,
        dirs_exist_ok=True,
    )
    shutil.copytree(ROOT / "shared", artifacts / "shared", ignore=IGNORE, dirs_exist_ok=True)
    credentials = ROOT / "gcp-credentials.json"
    if credentials.exists():
        shutil.copy2(credentials, artifacts / credentials.name)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--upgrade",
            "--platform",
            "manylinux2014_aarch64",
            "--implementation",
            "cp",
            "--python-version",
            "3.12",
            "--only-binary=:all:",
            "--target",
            str(artifacts),
            "-r",
            str(ROOT / "functions" / capability / "requirements.txt"),
            "-c",
            str(ROOT / "requirements" / "runtime.lock"),
        ],
        check=True,
    )


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    build(sys.argv[1], Path(sys.argv[2]))
