"""The multi-machine deployment files, checked without a container engine.

`docker-compose.yml` must validate against the Compose specification's JSON schema (the copy vendored inside
check-jsonschema, so nothing is downloaded), every secret it requires must be named in `.env.example`, and
`.env` must stay out of git.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"


def _check_jsonschema() -> str:
    return str(Path(sys.executable).with_name("check-jsonschema"))


def test_compose_file_validates_against_the_vendored_compose_spec() -> None:
    proc = subprocess.run([_check_jsonschema(), "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
                          capture_output=True, text=True, check=False, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ok -- validation done" in proc.stdout


def test_the_validator_rejects_a_broken_compose_file(tmp_path: Path) -> None:
    """The check has teeth: an unknown service key fails it."""
    broken = tmp_path / "docker-compose.yml"
    broken.write_text("services:\n  web:\n    image: nginx\n    replicas_typo: 3\n")
    proc = subprocess.run([_check_jsonschema(), "--builtin-schema", "vendor.compose-spec", str(broken)],
                          capture_output=True, text=True, check=False, timeout=120)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "replicas_typo" in proc.stdout + proc.stderr


def test_the_compose_spec_schema_ships_inside_check_jsonschema() -> None:
    """`--builtin-schema` reads a file in the installed package: validation works offline."""
    import check_jsonschema

    package = Path(check_jsonschema.__file__).parent
    assert list(package.glob("builtin_schemas/vendor/compose-spec.json")), "vendored compose-spec schema missing"


def test_the_deployment_has_every_service_the_design_names() -> None:
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    assert {"postgres", "redis", "airflow-init", "api-server", "scheduler", "dag-processor", "triggerer",
            "airflow-worker", "sandbox"} <= set(services)
    assert services["sandbox"]["profiles"] == ["sandbox"]
    for name, service in services.items():
        if name != "airflow-init":
            assert "healthcheck" in service, f"{name} has no health check"
    worker = services["airflow-worker"]
    assert worker["command"][:3] == ["airflow", "celery", "worker"]
    assert "container_name" not in worker and "ports" not in worker, "workers must scale (no fixed name or port)"


def test_every_required_secret_is_named_in_env_example() -> None:
    required = set(re.findall(r"\$\{([A-Z0-9_]+):\?", COMPOSE.read_text()))
    example = {line.split("=", 1)[0] for line in (ROOT / ".env.example").read_text().splitlines()
               if line and not line.startswith("#")}
    assert required, "the compose file requires no secrets?"
    assert required <= example, f"missing from .env.example: {sorted(required - example)}"


def test_env_is_never_committed() -> None:
    proc = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=ROOT, check=False)
    assert proc.returncode == 0, ".env is not ignored by git"


def test_the_image_installs_the_lock_on_python_311_without_secrets_or_local_state() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.startswith("#") and "FROM python:3.11-" in dockerfile
    assert "uv pip sync -q --system --compile-bytecode requirements.lock" in dockerfile
    assert "concord transform manifest" in dockerfile, "the DAGs' dbt manifest must be built into the image"
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".env", ".venv", ".concord", ".git"} <= ignored
