"""What the technician chose during first-run setup, and how it becomes the kiosk's config.

The screens (ui/setup/) fill one `SetupDraft`; nothing is written until the summary's "ready"
(`config_of` + `kiosk.config.save_config`), except enrolment, which the server's answer
decides (sync.client.enrol writes its own files). A kiosk is "configured" once
`<data_dir>/config.json` exists: `sala enrol` and setup both write it, so a kiosk set up from
the command line never shows setup.

The connection comes before the commune: the enrolment code belongs to a commune (the server
binds the kiosk to it), so the commune step starts from the code's commune.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from kiosk.config import DEFAULT_COMMUNE, Config, load_config
from kiosk.config import PENDING_FILE as PENDING_FILE  # the config owns both (start-up asks)
from kiosk.config import is_configured as is_configured
from kiosk.setup.errors import SetupError
from sync import protocol
from sync.protocol import setup_qr

STEPS = (
    "language",
    "connection",
    "commune",
    "camera",
    "printer",
    "scanner",
    "supervisor",
    "summary",
)
IDENTITY_FILE = "sync-device.json"  # sync.client.enrol.IDENTITY_FILE
PRINTERS = ("system", "escpos", "none")  # the printer step's choices (ESC/POS needs a device)
DEFAULT_ESCPOS = "escpos:file:/dev/usb/lp0"


def mark_pending(data_dir: Path) -> None:
    """Setup has begun: a restart before "ready" shows setup again."""
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    (Path(data_dir) / PENDING_FILE).write_text("first-run setup not finished\n", "utf-8")


def clear_pending(data_dir: Path) -> None:
    (Path(data_dir) / PENDING_FILE).unlink(missing_ok=True)


def enrolled_commune(data_dir: Path) -> str | None:
    """The commune of this kiosk's enrolment, read by file name as kiosk/diagnostics does
    (the core may not import the sync client that writes it)."""
    try:
        raw = json.loads((data_dir / IDENTITY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    code = raw.get("commune_code") if isinstance(raw, dict) else None
    return code if isinstance(code, str) and protocol.is_ascii_digits(code, 6) else None


@dataclass(frozen=True)
class Ticket:
    """An enrolment code with where to use it: from the setup QR, or typed."""

    server_url: str
    code: str
    commune_code: str | None = None
    expires_at: int | None = None
    ca_sha256: str | None = None


def read_ticket(text: str, *, server_url: str = "", now: float) -> Ticket:
    """A setup QR's text, or a typed code plus the typed server address. SetupError (the
    typed text stays on screen) when the code is malformed, expired or has no address."""
    text = text.strip()
    if text.startswith(setup_qr.ENROL_QR_PREFIX):
        try:
            fields = setup_qr.parse_enrolment_qr(text)
        except ValueError as exc:
            raise SetupError(str(exc), message_key="setup.connection.qr_bad") from None
        ticket = Ticket(**fields)
        if ticket.expires_at is not None and ticket.expires_at <= now:
            raise SetupError("The setup QR has expired.", message_key="setup.connection.expired")
        return ticket
    try:
        code = setup_qr.normalise_enrolment_code(text)
    except ValueError:
        raise SetupError("Malformed code.", message_key="setup.connection.code_format") from None
    url = server_url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")) or len(url) < 10:
        raise SetupError("No server address.", message_key="setup.connection.url_missing")
    return Ticket(server_url=url, code=code)


@dataclass
class SetupDraft:
    """The answers so far; `connection` is "enrolled", "offline" or "" (not chosen yet)."""

    data_dir: Path
    locale: str = "km"
    ticket: Ticket | None = None
    connection: str = ""
    enrolled_commune: str | None = None
    kiosk_number: int | None = None
    clock_offset_s: float | None = None
    commune_code: str | None = None
    camera: str = "auto"
    printer: str = "system"
    scan_folder: Path | None = None
    supervisor_id: str | None = None
    done: set[str] = field(default_factory=set)

    @classmethod
    def start(cls, data_dir: Path, **env: Any) -> SetupDraft:
        """A new draft with the defaults of the existing config (if any) and `env` overrides
        (e.g. the camera the kiosk was started with)."""
        cfg = load_config(data_dir)
        draft = cls(
            data_dir=Path(data_dir),
            camera=cfg.camera,
            printer=cfg.printer,
            scan_folder=cfg.scan_folder,
            kiosk_number=cfg.kiosk_number,
            commune_code=cfg.commune_code if is_configured(data_dir) else None,
        )
        enrolled = enrolled_commune(Path(data_dir))
        if enrolled:  # `sala enrol` or an earlier setup did it
            draft.connection, draft.enrolled_commune = "enrolled", enrolled
        for key, value in env.items():
            if value is not None:
                setattr(draft, key, value)
        return draft

    def default_commune(self) -> str:
        """The enrolment's commune, else the setup QR's, else the config default."""
        if self.enrolled_commune:
            return self.enrolled_commune
        if self.ticket is not None and self.ticket.commune_code:
            return self.ticket.commune_code
        return DEFAULT_COMMUNE

    def chosen_commune(self) -> str:
        return self.commune_code or self.default_commune()

    def check_commune(self, code: str) -> None:
        """An enrolled kiosk belongs to the code's commune: another one would make every
        application refused (`wrong_commune`)."""
        if self.enrolled_commune and code != self.enrolled_commune:
            raise SetupError(
                "Enrolled for another commune.",
                message_key="setup.commune.enrolled_elsewhere",
            )

    def config_of(self) -> Config:
        """The config this draft makes (the existing file's other values kept)."""
        base = load_config(self.data_dir)
        return replace(
            base,
            commune_code=self.chosen_commune(),
            server_url=self.ticket.server_url
            if self.connection == "enrolled" and self.ticket
            else base.server_url,
            camera=self.camera,
            printer=self.printer,
            scan_folder=self.scan_folder,
            kiosk_number=self.kiosk_number if self.kiosk_number else base.kiosk_number,
        )


def check_scan_folder(path: str) -> Path | None:
    """ "" means no scanner; otherwise an existing, readable folder (SetupError if not)."""
    text = path.strip()
    if not text:
        return None
    folder = Path(text).expanduser()
    if not folder.is_dir():
        raise SetupError(f"{folder} is not a folder.", message_key="setup.scanner.missing")
    return folder
