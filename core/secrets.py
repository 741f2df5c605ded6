"""Secrets of the embedded default: generated once into an ignored local folder and reused."""

import logging
import secrets
from pathlib import Path

logger = logging.getLogger(__name__)


def local_secret_key(local_dir: Path) -> str:
    path = local_dir / "secret_key"
    if not path.exists():
        local_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
        logger.warning("SECRET_KEY is not set: generated one in %s (development only).", path)
    return path.read_text().strip()
