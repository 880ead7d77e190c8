"""One settings object for the whole app, fed by environment variables.

Every knob lives here so the README can document one place. The app overlays
Streamlit secrets of the same names (``cpd.ui.resources.settings``); nothing
else reads the environment.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Runtime configuration; every field maps to ``CPD_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="CPD_", extra="ignore")

    data_dir: Path = Field(default=Path("data"), description="Where SQLite, keys and issued files live.")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; PostgreSQL for several replicas. Default: SQLite in data_dir.",
    )
    modules_dir: Path = PROJECT_ROOT / "modules"
    questions_dir: Path = PROJECT_ROOT / "questions"
    certificates_dir: Path = PROJECT_ROOT / "certificates"
    module_id: str = Field(default="exosome-safety", description="Module the app serves.")
    signing_key_file: Path | None = Field(default=None, description="Ed25519 private key (PEM).")
    signing_key_pem: SecretStr | None = Field(default=None, description="The key itself (PEM), e.g. from secrets.")
    public_url: str = Field(default="http://localhost:8501", description="Base URL used in links and QR codes.")
    admin_password_hash: str | None = Field(
        default=None,
        description="Retired shared admin password (argon2 hash): read once by `python -m cpd user migrate-admin`.",
    )
    trusted_proxy_hops: int = Field(
        default=0, ge=0, le=5,
        description="Reverse proxies in front of the app that append to X-Forwarded-For (0: use the peer address).",
    )
    smtp_url: SecretStr | None = Field(
        default=None,
        description="Where mail goes: smtp://host:25, smtp://user:pass@host:587?starttls=1 or smtps://user:pass@host:465"
        " (see cpd.mail.config). Unset: mail waits in the outbox.",
    )
    mail_from: str = Field(default="Reality Check CPD <no-reply@localhost>", description="The From of every message.")
    outbox_worker_in_app: bool = Field(
        default=True, description="Run an outbox worker inside each app process (false: only `python -m cpd worker`).",
    )
    outbox_poll_seconds: float = Field(default=2.0, gt=0, description="How often an idle worker looks for work.")
    outbox_batch_size: int = Field(default=20, ge=1, le=500, description="Effects a worker claims at once.")
    outbox_lease_seconds: float = Field(
        default=120.0, gt=0, description="How long a claim lasts before another worker may take the effect over."
    )
    outbox_retry_seconds: float = Field(default=30.0, gt=0, description="First retry delay; doubles each try, up to an hour.")
    retention_abandoned_days: int | None = Field(
        default=None, ge=1,
        description="Delete attempts left unfinished and untouched this many days (`python -m cpd retention run`,"
        " and the worker once an hour). Unset: keep them.",
    )
    outbox_max_tries: int = Field(default=12, ge=1, description="Tries before an effect is marked failed for good.")
    xapi_endpoint: str | None = Field(
        default=None,
        description="The LRS's xAPI base URL (…/xAPI/); set: every attempt, answer and completion is queued as a statement.",
    )
    xapi_username: str | None = Field(default=None, description="HTTP Basic user (or key) at the LRS.")
    xapi_password: SecretStr | None = Field(default=None, description="HTTP Basic password (or secret) at the LRS.")
    xapi_version: Literal["1.0.3", "2.0.0"] = Field(
        default="1.0.3", description="Sent as X-Experience-API-Version; statements are valid under both.",
    )
    lti_key_file: Path | None = Field(default=None, description="The LTI tool's own RSA private key (PEM).")
    lti_key_pem: SecretStr | None = Field(default=None, description="The LTI tool key itself (PEM), e.g. from secrets.")

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'cpd.sqlite3').resolve()}"

    @property
    def effective_lti_key_file(self) -> Path:
        return self.lti_key_file or (self.data_dir / "lti-key.pem")

    @property
    def effective_signing_key_file(self) -> Path:
        return self.signing_key_file or (self.data_dir / "signing-key.pem")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Process-wide settings; tests build their own ``Settings`` instead."""
    return Settings()
