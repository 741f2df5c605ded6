"""Generate a Python client from the served OpenAPI schema with openapi-python-client, import
it, and check that what it parsed is fully typed."""

import importlib
import subprocess
import sys
import uuid
from pathlib import Path

import attrs
import httpx

GENERATOR = Path(sys.executable).parent / "openapi-python-client"
# No post hooks: formatting the generated code is no part of what is tested.
CONFIG = "post_hooks: []\n"


def generate(base_url: str, directory: Path):
    """The client package generated from ``{base_url}/api/v1/schema/``, imported."""
    schema = httpx.get(f"{base_url}/api/v1/schema/", timeout=30)
    schema.raise_for_status()
    (directory / "schema.json").write_bytes(schema.content)
    (directory / "config.yaml").write_text(CONFIG)
    package = f"generated_1v1bro_{uuid.uuid4().hex[:8]}"
    result = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(directory / "schema.json"),
            "--config",
            str(directory / "config.yaml"),
            "--meta",
            "none",
            "--output-path",
            str(directory / package),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(directory))
    try:
        importlib.import_module(f"{package}.models")
        return importlib.import_module(package)
    finally:
        sys.path.remove(str(directory))


def assert_fully_typed(value, path: str = "response") -> None:
    """Every object parsed into its model: no field left UNSET (the server sends them all) and
    no undeclared field caught in ``additional_properties`` (the schema lists them all). Models
    without declared fields are the schema's free-form maps (e.g. ``Notification.data``)."""
    if isinstance(value, list):
        for i, item in enumerate(value):
            assert_fully_typed(item, f"{path}[{i}]")
        return
    if not attrs.has(type(value)):
        assert not isinstance(value, dict), f"{path} is a raw dict: {value!r}"
        assert type(value).__name__ != "Unset", f"{path} is UNSET"
        return
    declared = [f.name for f in attrs.fields(type(value)) if f.name != "additional_properties"]
    extra = getattr(value, "additional_properties", {})
    if declared:
        assert not extra, f"{path} ({type(value).__name__}) has undeclared fields {sorted(extra)}"
    for name in declared:
        assert_fully_typed(getattr(value, name), f"{path}.{name}")
