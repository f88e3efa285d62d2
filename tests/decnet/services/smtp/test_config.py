"""INI-style (string) configs of the text-protocol services validate, and bad keys/values are named."""

from __future__ import annotations

import pytest

from decnet.services.base import ServiceConfigError, parse_config
from decnet.services.ftp import FTPConfig
from decnet.services.imap import IMAPConfig
from decnet.services.pop3 import POP3Config
from decnet.services.smtp import SMTPConfig
from decnet.services.smtp_relay import SMTPRelayConfig
from decnet.services.telnet import TelnetConfig
from decnet.services.tftp import TFTPConfig


def test_ini_strings_are_parsed() -> None:
    smtp = parse_config(
        "smtp", SMTPConfig, {"ports": "25, 2525", "domain": "corp.example", "users": "a:b, c:*"}
    )
    assert isinstance(smtp, SMTPConfig) and smtp.ports == (25, 2525) and smtp.users == {"a": "b", "c": "*"}
    imap = parse_config("imap", IMAPConfig, {"tls_ports": "993, 1993", "starttls": "false"})
    assert isinstance(imap, IMAPConfig) and imap.tls_ports == (993, 1993) and imap.starttls is False
    ftp = parse_config(
        "ftp", FTPConfig, {"anonymous": "true", "server": "proftpd", "max_upload_bytes": "1024"}
    )
    assert isinstance(ftp, FTPConfig) and ftp.anonymous and ftp.server == "proftpd"
    assert parse_config("tftp", TFTPConfig, {"ports": "6969", "allow_write": "no"}).ports == (6969,)
    assert parse_config("telnet", TelnetConfig, {"users": "root:vizxv"}).users == {"root": "vizxv"}  # type: ignore[attr-defined]
    assert parse_config("pop3", POP3Config, {}).ports is None
    assert parse_config("smtp_relay", SMTPRelayConfig, {}).relay is True  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("model", "raw", "problem"),
    [
        (SMTPConfig, {"domian": "x"}, "unknown key 'domian'"),
        (SMTPConfig, {"domain": "bad domain!"}, "domain:"),
        (SMTPConfig, {"banner": "evil\r\n250 OK"}, "banner:"),
        (FTPConfig, {"server": "wu-ftpd"}, "server:"),
        (IMAPConfig, {"ports": "143, 70000"}, "port 70000 out of range"),
        (POP3Config, {"users": "nocolon"}, "is not 'user:password'"),
        (TelnetConfig, {"max_auth_tries": "0"}, "max_auth_tries:"),
        (TFTPConfig, {"timeout": "-1"}, "timeout:"),
    ],
)
def test_bad_configs_name_the_key(model: type, raw: dict[str, object], problem: str) -> None:
    with pytest.raises(ServiceConfigError) as err:
        parse_config("x", model, raw)
    assert problem in str(err.value)


def test_each_service_imports_alone() -> None:
    """A decky loads only its own services: every package must import first (no import cycles)."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "for slug in ('telnet', 'ftp', 'tftp', 'smtp', 'smtp_relay', 'imap', 'pop3'):\n"
        "    for name in [m for m in sys.modules if m.startswith('decnet.services.')]:\n"
        "        del sys.modules[name]\n"
        "    __import__('decnet.services.' + slug)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
