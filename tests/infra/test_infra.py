"""The infra/ files, validated as far as this machine allows (no Docker, no Kubernetes, no systemd):
they parse; the commands they run are ``ringrift`` subcommands that accept those arguments; the
environment variables they set are ones the project or Prefect reads; images and versions match the
project's pins; the GPU job template's variables and placeholders agree and render."""

from __future__ import annotations

import argparse
import configparser
import importlib
import json
import re
import shlex
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
COMPOSE = INFRA / "compose" / "compose.yaml"
DOCKERFILE = INFRA / "docker" / "Dockerfile"
K8S = INFRA / "k8s"
SYSTEMD = INFRA / "systemd"
SOURCE_DIRS = ("engine", "ringrift", "tasks", "flows", "deployments")

# Variables the project's code never names but that are legitimately set for other programs.
FOREIGN_ENV = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION", "PYTHONUNBUFFERED",
               "PIP_NO_CACHE_DIR", "PIP_DISABLE_PIP_VERSION_CHECK", "VIRTUAL_ENV", "PATH", "TORCH_INDEX_URL",
               "DEBIAN_FRONTEND", "POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB", "MINIO_ROOT_USER",
               "MINIO_ROOT_PASSWORD", "FORGE_BUCKET", "FORGE_DB_USER", "FORGE_DB_PASSWORD", "CUDA_VISIBLE_DEVICES"}


def _project_text() -> str:
    parts = []
    for d in SOURCE_DIRS:
        for p in (ROOT / d).rglob("*.py"):
            parts.append(p.read_text(errors="replace"))
    return "\n".join(parts)


PROJECT_TEXT = _project_text()


def check_env_name(name: str) -> None:
    """A variable set by an infra file must be read by the project, be a Prefect setting, or be a
    known variable of another program."""
    if name in FOREIGN_ENV:
        return
    if name.startswith("PREFECT_"):
        import prefect.settings

        assert hasattr(prefect.settings, name), f"{name} is not a Prefect setting"
        return
    assert name in PROJECT_TEXT, f"{name} is set in infra/ but nothing in the project reads it"


def ringrift_parser(name: str) -> argparse.ArgumentParser:
    """The parser of subcommand ``name``: the module registered in ``ringrift.cli.SUBCOMMANDS``, else
    ``ringrift/<name>.py`` (a new subcommand not registered yet)."""
    from ringrift import cli

    module = cli.SUBCOMMANDS[name][0] if name in cli.SUBCOMMANDS else f"ringrift.{name.replace('-', '_')}"
    assert (ROOT / (module.replace(".", "/") + ".py")).is_file(), f"no module for `ringrift {name}`"
    mod = importlib.import_module(module)
    assert callable(mod.run)
    p = argparse.ArgumentParser(prog=f"ringrift {name}", exit_on_error=False)
    mod.add_arguments(p)
    return p


def check_ringrift_command(argv: list[str]) -> None:
    """``argv`` = ``[..., "ringrift", SUB, args...]``: SUB exists and accepts the arguments."""
    i = next(k for k, a in enumerate(argv) if a == "ringrift" or a.endswith("/ringrift"))
    sub, rest = argv[i + 1], argv[i + 2:]
    p = ringrift_parser(sub)
    try:
        p.parse_args(rest)
    except SystemExit as e:  # argparse errors exit even with exit_on_error=False for some cases
        raise AssertionError(f"`ringrift {sub} {' '.join(rest)}` does not parse") from e


def resolve(text: str) -> str:
    """Compose interpolation with the defaults: ``${X:-d}`` -> ``d``, ``$$`` -> ``$``."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", text).replace("$$", "$")


# -- compose ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_compose_has_the_cluster(compose):
    s = compose["services"]
    assert {"postgres", "minio", "minio-init", "prefect-server", "deploy", "worker-cpu", "worker-gpu",
            "watchdog"} <= set(s)
    dev = s["worker-gpu"]["deploy"]["resources"]["reservations"]["devices"][0]
    assert dev["driver"] == "nvidia" and dev["capabilities"] == ["gpu"]
    assert "devices" not in str(s["worker-cpu"].get("deploy", ""))
    for name, svc in s.items():
        for dep in svc.get("depends_on", {}) or {}:
            assert dep in s, f"{name} depends on unknown service {dep}"
        for v in svc.get("volumes", []) or []:
            src = v.split(":")[0]
            if not src.startswith((".", "/")):
                assert src in compose["volumes"], f"{name}: undeclared volume {src}"
            elif src.startswith("."):
                assert (COMPOSE.parent / src).exists(), f"{name}: {src} does not exist"


def test_compose_images_match_the_project_pins(compose):
    import prefect

    img = compose["services"]["prefect-server"]["image"]
    assert img.startswith(f"prefecthq/prefect:{prefect.__version__}-"), img
    for name in ("deploy", "worker-cpu", "worker-gpu", "watchdog"):
        b = compose["services"][name]["build"]
        assert (COMPOSE.parent / b["context"] / b["dockerfile"]).resolve() == DOCKERFILE
        assert b["args"]["VARIANT"] in ("cpu", "cuda")
    assert compose["services"]["worker-gpu"]["build"]["args"]["VARIANT"] == "cuda"


def test_compose_commands_are_ringrift_subcommands(compose):
    seen = set()
    for _name, svc in compose["services"].items():
        cmd = svc.get("command")
        if isinstance(cmd, list) and cmd and cmd[0] == "ringrift":
            check_ringrift_command(cmd)
            seen.add(cmd[1])
    assert {"deploy", "worker", "watchdog", "health"} <= seen


def test_compose_environment_is_read_by_someone(compose):
    for _name, svc in compose["services"].items():
        for k in (svc.get("environment") or {}):
            check_env_name(k)


def test_compose_environment_makes_a_cluster_config(compose):
    """The workers' environment, applied to the default config, gives PostgreSQL + S3 (MinIO)."""
    from sqlalchemy.engine import make_url

    from engine.config import config_from_dict

    env = {k: resolve(str(v)) for k, v in compose["services"]["worker-cpu"]["environment"].items()}
    cfg = config_from_dict({}, env=env)
    assert cfg.database_url.startswith("postgresql+psycopg://") and "@postgres:5432/forge" in cfg.database_url
    make_url(cfg.database_url).get_dialect()  # the driver is installed
    assert cfg.storage_url == "s3://forge/artifacts" and cfg.storage.s3_endpoint_url == "http://minio:9000"
    assert env["PREFECT_API_URL"] == "http://prefect-server:4200/api"
    prefect_db = resolve(compose["services"]["prefect-server"]["environment"]["PREFECT_API_DATABASE_CONNECTION_URL"])
    assert prefect_db.startswith("postgresql+asyncpg://") and prefect_db.endswith("@postgres:5432/prefect")


def test_postgres_init_script_creates_the_forge_database():
    text = (INFRA / "compose" / "postgres-init.sh").read_text()
    assert "CREATE DATABASE forge" in text and text.startswith("#!/bin/sh")
    env = (INFRA / "compose" / "env.example").read_text()
    keys = {line.split("=", 1)[0] for line in env.splitlines() if "=" in line and not line.startswith("#")}
    used = set(re.findall(r"\$\{([A-Z_]+):-", COMPOSE.read_text()))
    assert keys == used, f"env.example {sorted(keys)} vs compose {sorted(used)}"


# -- Dockerfile ------------------------------------------------------------------------------------------

def _pyproject_torch() -> str:
    text = (ROOT / "pyproject.toml").read_text()
    m = re.search(r'"torch==([0-9.]+)"', text)
    assert m, "pyproject.toml pins torch"
    return m.group(1)


def test_dockerfile_pins_torch():
    text = "\n".join(line for line in DOCKERFILE.read_text().splitlines() if not line.lstrip().startswith("#"))
    pin = _pyproject_torch()
    assert re.search(rf"^ARG TORCH_VERSION={re.escape(pin)}$", text, re.M)
    for line in text.splitlines():
        if "pip install" in line and "torch" in line:
            assert '"torch==${TORCH_VERSION}"' in line or f"torch=={pin}" in line, line
    # no other way in: every mention of torch in an install line is pinned
    assert not re.search(r"pip install[^\n]*\btorch\b(?!==)", text.replace("torch==", "TORCHPIN"))


def test_dockerfile_stages_copies_and_command():
    text = DOCKERFILE.read_text()
    stages = set(re.findall(r"^FROM \S+ AS (\S+)$", text, re.M))
    assert {"base-cpu", "base-cuda", "final"} <= stages
    assert "FROM base-${VARIANT} AS final" in text and re.search(r"^ARG VARIANT=cpu$", text, re.M)
    copied = set()
    for line in text.splitlines():
        if line.startswith("COPY "):
            for src in line.split()[1:-1]:
                assert (ROOT / src).exists(), f"COPY {src}: not in the repository"
                copied.add(src)
    # every package pyproject.toml installs is in the image (`pip install -e .` there finds only what was copied)
    include = re.search(r"^include = \[(.*)\]$", (ROOT / "pyproject.toml").read_text(), re.M).group(1)
    packages = {name.strip().strip('"').rstrip("*") for name in include.split(",")}
    assert packages and packages <= copied, f"packages the image lacks: {sorted(packages - copied)}"
    cmd = json.loads(re.search(r"^CMD (\[.*\])$", text, re.M).group(1))
    check_ringrift_command(cmd)
    for name in re.findall(r"^\s*(?:ENV )?([A-Z][A-Z0-9_]+)=", text, re.M):
        if name not in ("TORCH_VERSION", "VARIANT"):
            check_env_name(name)
    assert (DOCKERFILE.parent / "Dockerfile.dockerignore").read_text().count(".venv") == 1


# -- Kubernetes ------------------------------------------------------------------------------------------

def _k8s_docs() -> dict[str, list[dict]]:
    return {p.name: [d for d in yaml.safe_load_all(p.read_text()) if d] for p in sorted(K8S.glob("*.yaml"))}


def test_k8s_manifests_parse_and_kustomization_lists_them():
    docs = _k8s_docs()
    kust = docs.pop("kustomization.yaml")[0]
    assert sorted(kust["resources"]) == sorted(docs)
    for gen in kust["configMapGenerator"]:
        for f in gen["files"]:
            assert (K8S / f).is_file()
    kinds = {d["kind"] for ds in docs.values() for d in ds}
    assert {"Namespace", "ServiceAccount", "Role", "RoleBinding", "ConfigMap", "Secret", "Deployment"} <= kinds
    for ds in docs.values():
        for d in ds:
            assert d["apiVersion"] and d["metadata"]["name"]
            if d["kind"] != "Namespace":
                assert d["metadata"]["namespace"] == kust["namespace"]


def test_k8s_worker_runs_the_gpu_pool_with_the_template():
    import prefect

    (dep,) = _k8s_docs()["worker-gpu.yaml"]
    spec = dep["spec"]["template"]["spec"]
    (c,) = spec["containers"]
    assert c["image"].startswith(f"prefecthq/prefect:{prefect.__version__}-") and c["image"].endswith("-kubernetes")
    cmd = c["command"]
    assert cmd[:3] == ["prefect", "worker", "start"]
    assert cmd[cmd.index("--pool") + 1] == "gpu" and cmd[cmd.index("--type") + 1] == "kubernetes"
    tmpl = Path(cmd[cmd.index("--base-job-template") + 1])
    mount = next(m for m in c["volumeMounts"] if m["name"] == "job-template")
    assert str(tmpl.parent) == mount["mountPath"] and (K8S / tmpl.name).is_file()
    vol = next(v for v in spec["volumes"] if v["name"] == "job-template")
    assert vol["configMap"]["name"] == "ringrift-gpu-job-template"
    assert spec["serviceAccountName"] == "prefect-worker"
    for e in c.get("env", []):
        check_env_name(e["name"])
    from engine.config import WorkerSettings

    assert cmd[cmd.index("--pool") + 1] == WorkerSettings().gpu_pool


def test_k8s_config_names_are_read_and_secrets_are_placeholders():
    cm, secret = _k8s_docs()["config.yaml"]
    for k in cm["data"]:
        check_env_name(k)
    for k, v in secret["stringData"].items():
        check_env_name(k)
        assert "CHANGE-ME" in v


@pytest.fixture(scope="module")
def template() -> dict:
    return json.loads((K8S / "gpu-job-template.json").read_text())


def test_job_template_variables_and_placeholders_agree(template):
    from prefect.utilities.templating import find_placeholders

    used = {p.name for p in find_placeholders(template["job_configuration"])}
    declared = set(template["variables"]["properties"])
    assert used == declared, f"undeclared: {sorted(used - declared)}, unused: {sorted(declared - used)}"
    assert set(template["job_configuration"]) >= {"command", "env", "labels", "name", "namespace", "job_manifest",
                                                  "cluster_config", "job_watch_timeout_seconds",
                                                  "pod_watch_timeout_seconds", "stream_output"}


def test_job_template_renders_a_gpu_job(template):
    from prefect.utilities.templating import apply_values, find_placeholders

    defaults = {k: v.get("default") for k, v in template["variables"]["properties"].items()}
    job = apply_values(template["job_configuration"], defaults)
    assert not find_placeholders(job)
    manifest = job["job_manifest"]
    assert manifest["kind"] == "Job" and manifest["spec"]["backoffLimit"] == 0
    pod = manifest["spec"]["template"]["spec"]
    (c,) = pod["containers"]
    assert c["resources"]["limits"]["nvidia.com/gpu"] == 1 and c["resources"]["requests"]["nvidia.com/gpu"] == 1
    assert any(t["key"] == "nvidia.com/gpu" for t in pod["tolerations"])
    assert {m["mountPath"] for m in c["volumeMounts"]} >= {"/dev/shm"}
    names = {r.get("configMapRef", r.get("secretRef"))["name"] for r in c["envFrom"]}
    cm, secret = _k8s_docs()["config.yaml"]
    assert names == {cm["metadata"]["name"], secret["metadata"]["name"]}
    assert c["workingDir"] == "/opt/ringrift-forge" and defaults["image"] == "ringrift-forge:cuda"
    for k in defaults["env"]:
        check_env_name(k)


# -- systemd ---------------------------------------------------------------------------------------------

def _unit(name: str) -> configparser.ConfigParser:
    cp = configparser.ConfigParser(strict=False, interpolation=None)
    cp.optionxform = str
    cp.read_string((SYSTEMD / name).read_text())
    return cp


@pytest.mark.parametrize("unit,instances", [("ringrift-worker@.service", ["gpu", "cpu"]),
                                            ("ringrift-watchdog.service", [""])])
def test_systemd_units(unit, instances):
    cp = _unit(unit)
    assert {"Unit", "Service", "Install"} <= set(cp.sections())
    svc = cp["Service"]
    assert svc["Restart"] == "always" and int(svc["RestartSec"]) >= 10
    assert int(cp["Unit"]["StartLimitBurst"]) <= 10  # no restart storm
    assert cp["Install"]["WantedBy"] == "multi-user.target"
    assert svc["EnvironmentFile"] == "/etc/ringrift/worker.env"
    for inst in instances:
        argv = shlex.split(svc["ExecStart"].replace("%i", inst))
        assert argv[0].startswith("/opt/ringrift-forge/.venv/bin/")
        check_ringrift_command(argv)
    for line in svc.get("Environment", "").splitlines():
        check_env_name(line.split("=", 1)[0])


def test_systemd_environment_file_example():
    text = (SYSTEMD / "worker.env.example").read_text()
    names = [line.split("=", 1)[0] for line in text.splitlines() if line and not line.startswith("#")]
    assert "PREFECT_API_URL" in names
    for n in names:
        check_env_name(n)


# -- the guide -------------------------------------------------------------------------------------------

def test_readme_mentions_every_file_and_command():
    text = (INFRA / "README.md").read_text()
    for p in INFRA.rglob("*"):
        if p.is_file() and p.name not in ("README.md", ".gitignore"):
            assert p.name in text, f"infra/README.md does not mention {p.relative_to(INFRA)}"
    for cmd in ("ringrift deploy", "ringrift worker --pool gpu", "ringrift worker --pool cpu", "ringrift health",
                "ringrift watchdog"):
        assert cmd in text
