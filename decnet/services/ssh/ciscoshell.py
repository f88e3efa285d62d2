"""The shell of a Cisco persona: the IOS exec CLI (user and privileged modes, configure terminal).

Commands may be abbreviated as on IOS (``sh ver``, ``conf t``); ``enable`` asks for a password
and records what was typed; ``copy http://…``/``copy tftp://…`` URLs are ``download`` events.
"""

from __future__ import annotations

import asyncio
import re
from datetime import datetime

from decnet.services.ssh.shell import (
    MAX_HISTORY,
    MAX_LINE,
    BoundedEvents,
    EmitFn,
    SecretReader,
    Writer,
    clip,
)
from decnet.services.ssh.system import System, seeded

_URL = re.compile(r"(?i)\b(?:https?|ftp|tftp|scp)://\S+")
_MAX_OUTPUT = 1 << 20
LOOKUP_DELAY_S = 1.0

_EXEC_COMMANDS = (
    "connect",
    "disable",
    "disconnect",
    "enable",
    "exit",
    "logout",
    "ping",
    "quit",
    "show",
    "ssh",
    "telnet",
    "terminal",
    "traceroute",
)
_PRIV_COMMANDS = (
    *_EXEC_COMMANDS,
    "clear",
    "clock",
    "configure",
    "copy",
    "debug",
    "delete",
    "dir",
    "erase",
    "reload",
    "write",
    "verify",
    "more",
    "undebug",
)
_SHOW = (
    "arp",
    "cdp",
    "clock",
    "flash:",
    "history",
    "interfaces",
    "inventory",
    "ip",
    "mac",
    "privilege",
    "running-config",
    "startup-config",
    "users",
    "version",
    "vlan",
)
_PRIV_SHOW = frozenset({"running-config", "startup-config", "flash:"})


def _pick(word: str, options: tuple[str, ...] | list[str]) -> tuple[str | None, bool]:
    """(full command, ambiguous?) for an IOS abbreviation."""
    word = word.lower()
    if word in options:
        return word, False
    matches = [o for o in options if o.startswith(word)]
    if len(matches) == 1:
        return matches[0], False
    return None, len(matches) > 1


class CiscoShell(BoundedEvents):
    """IOS exec mode of a Cisco persona."""

    def __init__(
        self,
        system: System,
        login: str,
        *,
        src_ip: str = "",
        interactive: bool = True,
        emit: EmitFn | None = None,
        read_secret: SecretReader | None = None,
        width: int = 80,
    ) -> None:
        self.system = system
        self.persona = system.persona
        self.login = login
        self.src_ip = src_ip
        self.interactive = interactive
        self.emit_fn = emit
        self.read_secret = read_secret
        self.width = width
        self.history: list[str] = []
        self.status = 0
        self.exited = False
        self.exit_status = 0
        self.dropped = False
        self.events = 0
        self.mode = "exec"  # exec | priv | config | config-if
        self.hostname = self.persona.hostname.split(".", 1)[0]
        self.cwd = "flash:/"
        self.started = datetime.now()

    # ------------------------------------------------------------------ contract

    def prompt(self) -> str:
        """``Switch>``, ``Switch#``, ``Switch(config)#``."""
        return {
            "exec": f"{self.hostname}>",
            "priv": f"{self.hostname}#",
            "config": f"{self.hostname}(config)#",
            "config-if": f"{self.hostname}(config-if)#",
        }[self.mode]

    def banner(self) -> str:
        """Nothing but an empty line, as IOS shows without a motd banner."""
        return "\n"

    async def run_line(
        self,
        line: str,
        write: Writer,
        *,
        write_err: Writer | None = None,
        exec_request: bool = False,
        source: str = "",
    ) -> int:
        """Log and run one line of the CLI."""
        text = line[:MAX_LINE].strip()
        if not text:
            return 0
        if self.interactive and (not self.history or self.history[-1] != text):
            self.history.append(text)
            del self.history[:-MAX_HISTORY]
        self.emit(
            "command",
            {
                "command": clip(text),
                "cwd": self.mode,
                "username": self.login,
                "exec": "true" if exec_request else "false",
            },
        )
        written = 0

        async def out(chunk: str) -> None:
            nonlocal written
            if written < _MAX_OUTPUT:
                chunk = chunk[: _MAX_OUTPUT - written]
                written += len(chunk)
                await write(chunk)

        self.status = await self._run(text, out)
        return self.status

    # ------------------------------------------------------------------ CLI

    async def _invalid(self, out: Writer, text: str, position: int) -> int:
        prompt_len = len(self.prompt()) if self.interactive else 0
        await out(" " * (prompt_len + position) + "^\n% Invalid input detected at '^' marker.\n\n")
        return 1

    async def _run(self, text: str, out: Writer) -> int:
        if "|" in text and self.mode not in {"config", "config-if"}:
            head, _, spec = text.partition("|")
            words = spec.split(maxsplit=1)
            how = _pick(words[0], ["include", "exclude", "begin", "section", "count"])[0] if words else None
            if how is None or len(words) < 2:
                return await self._invalid(out, text, len(head) + 2)
            lines: list[str] = []

            async def collect(chunk: str) -> None:
                lines.append(chunk)

            status = await self._run(head.strip(), collect)
            needle = words[1].lower()
            rows = "".join(lines).splitlines()
            if how in {"include", "section"}:
                rows = [r for r in rows if needle in r.lower()]
            elif how == "exclude":
                rows = [r for r in rows if needle not in r.lower()]
            elif how == "begin":
                start = next((i for i, r in enumerate(rows) if needle in r.lower()), len(rows))
                rows = rows[start:]
            else:
                rows = [f"Number of lines which match regexp = {sum(needle in r.lower() for r in rows)}"]
            await out("".join(r + "\n" for r in rows))
            return status
        words = text.split()
        if self.mode in {"config", "config-if"}:
            return await self._config(words, out)
        options = _PRIV_COMMANDS if self.mode == "priv" else _EXEC_COMMANDS
        if words[0] == "?":
            await out("Exec commands:\n" + "".join(f"  {c:<14} {c.capitalize()}\n" for c in options))
            return 0
        command, ambiguous = _pick(words[0], list(options))
        if ambiguous:
            await out(f'% Ambiguous command:  "{text}"\n')
            return 1
        if command is None:
            if len(words) == 1:
                await out(f'Translating "{words[0]}"...domain server (255.255.255.255)\n')
                await asyncio.sleep(LOOKUP_DELAY_S)
                await out("% Unknown command or computer name, or unable to find computer address\n")
                return 1
            return await self._invalid(out, text, 0)
        handler = getattr(self, f"_{command}", None)
        if handler is None:
            return 0
        result: int = await handler(words[1:], out, text)
        return result

    async def _config(self, words: list[str], out: Writer) -> int:
        first = words[0].lower()
        if first in {"end"} or (first == "exit" and self.mode == "config"):
            self.mode = "priv"
            return 0
        if first == "exit":
            self.mode = "config"
            return 0
        if _pick(first, ["interface"])[0] == "interface":
            self.mode = "config-if"
        return 0

    async def _exit(self, args: list[str], out: Writer, text: str) -> int:
        self.exited = True
        return 0

    _logout = _exit
    _quit = _exit

    async def _disable(self, args: list[str], out: Writer, text: str) -> int:
        self.mode = "exec"
        return 0

    async def _enable(self, args: list[str], out: Writer, text: str) -> int:
        if self.mode == "priv":
            return 0
        if self.read_secret is None:
            await out("% No password set\n")
            return 1
        typed = await self.read_secret("Password: ")
        if typed is None:
            return 1
        self.emit(
            "auth",
            {
                "username": self.login,
                "password": clip(typed, 1024),
                "method": "enable",
                "result": "success" if typed else "failure",
            },
        )
        if not typed:
            await out("% Bad secrets\n\n")
            return 1
        self.mode = "priv"
        return 0

    async def _configure(self, args: list[str], out: Writer, text: str) -> int:
        if args and _pick(args[0], ["terminal", "memory", "network", "replace"])[0] not in {"terminal", None}:
            return 0
        await out("Enter configuration commands, one per line.  End with CNTL/Z.\n")
        self.mode = "config"
        return 0

    async def _terminal(self, args: list[str], out: Writer, text: str) -> int:
        return 0

    async def _write(self, args: list[str], out: Writer, text: str) -> int:
        await out("Building configuration...\n[OK]\n")
        return 0

    async def _reload(self, args: list[str], out: Writer, text: str) -> int:
        await out("Proceed with reload? [confirm]")
        self.exited = True
        self.dropped = True
        return 0

    async def _copy(self, args: list[str], out: Writer, text: str) -> int:
        urls = _URL.findall(text)
        for url in urls[:16]:
            self.emit(
                "download",
                {
                    "url": clip(url, 2048),
                    "tool": "copy",
                    "cwd": self.mode,
                    "username": self.login,
                    "command": clip(text),
                },
            )
        if urls:
            host = re.sub(r"^\w+://", "", urls[0]).split("/", 1)[0].split("@")[-1]
            await out(f"Destination filename [{urls[0].rsplit('/', 1)[-1]}]? \nAccessing {urls[0]}...\n")
            await asyncio.sleep(LOOKUP_DELAY_S)
            await out(
                f"%Error opening {urls[0]} (Timed out)\n"
                if host[:1].isdigit()
                else f"%Error opening {urls[0]} (No such file or directory)\n"
            )
            return 1
        return await self._invalid(out, text, len(text))

    async def _ping(self, args: list[str], out: Writer, text: str) -> int:
        if not args:
            return await self._invalid(out, text, len(text) + 1)
        await out(
            f"Type escape sequence to abort.\nSending 5, 100-byte ICMP Echos to {args[0]}, timeout is 2 "
            "seconds:\n"
        )
        await asyncio.sleep(LOOKUP_DELAY_S)
        await out(".....\nSuccess rate is 0 percent (0/5)\n")
        return 1

    async def _dir(self, args: list[str], out: Writer, text: str) -> int:
        image = self.persona.version_of("ios", "15.2(7)E10").replace("(", "-").replace(")", ".")
        await out(
            f"Directory of flash:/\n\n    2  -rwx        3096   Mar 1 1993 00:08:55 +00:00  multiple-fs\n"
            f"    3  drwx         512   Mar 1 1993 00:02:36 +00:00  c2960x-universalk9-mz.{image}\n"
            f"    4  -rwx        1916   Mar 1 1993 00:08:55 +00:00  private-config.text\n"
            f"    5  -rwx        3612   Mar 1 1993 00:08:55 +00:00  config.text\n\n"
            f"122185728 bytes total (99876352 bytes free)\n"
        )
        return 0

    async def _show(self, args: list[str], out: Writer, text: str) -> int:
        if not args:
            return await self._invalid(out, text, len(text) + 1)
        topic, ambiguous = _pick(args[0], list(_SHOW))
        if ambiguous:
            await out(f'% Ambiguous command:  "{text}"\n')
            return 1
        if topic is None or (topic in _PRIV_SHOW and self.mode != "priv"):
            return await self._invalid(out, text, text.lower().find(args[0].lower()))
        if topic == "version":
            await out(self._version())
        elif topic == "clock":
            await out(f"*{datetime.now():%H:%M:%S}.123 UTC {datetime.now():%a %b %d %Y}\n")
        elif topic == "users":
            await out(
                "    Line       User       Host(s)              Idle       Location\n"
                f"*  1 vty 0     {self.login:<10} idle                 00:00:00 {self.src_ip}\n\n"
                "  Interface    User               Mode         Idle     Peer Address\n\n"
            )
        elif topic in {"running-config", "startup-config"}:
            await out(self._config_text())
        elif topic == "ip":
            await out(
                "Interface              IP-Address      OK? Method Status                Protocol\n"
                f"Vlan1                  {self.persona.ip:<15} YES NVRAM  up                    up      \n"
                "GigabitEthernet1/0/1   unassigned      YES unset  up                    up      \n"
                "GigabitEthernet1/0/2   unassigned      YES unset  down                  down    \n"
            )
        elif topic == "inventory":
            model = self.persona.version_of("model", "WS-C2960X-48FPD-L")
            serial = self.persona.version_of("serial", "FOC0000X000")
            await out(f'NAME: "1", DESCR: "{model}"\nPID: {model}  , VID: V05  , SN: {serial}\n\n')
        else:
            await out("\n")
        return 0

    def _uptime(self) -> str:
        secs = int(self.system.uptime_seconds())
        weeks, secs = divmod(secs, 604800)
        days, secs = divmod(secs, 86400)
        hours, secs = divmod(secs, 3600)
        minutes = secs // 60
        parts = [
            f"{v} {u}{'s' if v != 1 else ''}"
            for v, u in ((weeks, "week"), (days, "day"), (hours, "hour"), (minutes, "minute"))
            if v
        ]
        return ", ".join(parts) or "0 minutes"

    def _version(self) -> str:
        persona = self.persona
        model = persona.version_of("model", "WS-C2960X-48FPD-L")
        serial = persona.version_of("serial", "FOC0000X000")
        mac = persona.mac.lower()
        rng = seeded(persona, "cisco")
        return (
            f"{persona.distro_name}\nTechnical Support: http://www.cisco.com/techsupport\n"
            "Copyright (c) 1986-2023 by Cisco Systems, Inc.\nCompiled Thu 19-Oct-23 10:54 by mcpre\n\n"
            "ROM: Bootstrap program is C2960X boot loader\nBOOTLDR: C2960X Boot Loader (C2960X-HBOOT-M) "
            "Version "
            "15.2(7r)E, RELEASE SOFTWARE (fc1)\n\n"
            f"{self.hostname} uptime is {self._uptime()}\nSystem returned to ROM by power-on\n"
            'System image file is "flash:/c2960x-universalk9-mz.bin"\n\n'
            f"cisco {model} (APM86XXX) processor (revision A0) with 524288K bytes of memory.\n"
            f"Processor board ID {serial}\nLast reset from power-on\n1 Virtual Ethernet interface\n"
            "52 Gigabit Ethernet interfaces\nThe password-recovery mechanism is enabled.\n\n"
            "512K bytes of flash-simulated non-volatile configuration memory.\n"
            f"Base ethernet MAC Address       : {mac.upper()}\nMotherboard assembly number     : 73-15800-"
            f"{rng.randint(10, 99)}\nModel number                    : {model}\n"
            f"System serial number            : {serial}\n\nConfiguration register is 0xF\n\n"
        )

    def _config_text(self) -> str:
        iface = self.system.interface()
        return (
            "Building configuration...\n\nCurrent configuration : 3412 bytes\n!\nversion 15.2\n"
            "no service pad\nservice timestamps debug datetime msec\nservice timestamps log datetime msec\n"
            "service password-encryption\n!\nhostname "
            f"{self.hostname}\n!\nboot-start-marker\nboot-end-marker\n!\n"
            "enable secret 9 $9$mQ8kH1zA0bYw2s$Ra7xqJ3Ykq3Lr3O7w8yK4GvXo2QfVwzE1Pq0n5s6aBc\n!\n"
            f"username {self.login} privilege 15 secret 9 "
            "$9$0fVb1NPZQzX3e.$m9yQmYf8k2kzxR1yQe4JpO2bQ0vTq7w5z1sDk8L3"
            "aH6\nno aaa new-model\nsystem mtu routing 1500\n!\nip domain-name corp.local\nno ip "
            "domain-lookup\n!\n"
            "spanning-tree mode rapid-pvst\n!\ninterface GigabitEthernet1/0/1\n switchport mode access\n!\n"
            f"interface Vlan1\n ip address {iface.ip} {iface.netmask}\n!\nip default-gateway "
            f"{self.system.gateway()}\nip http server\nip http secure-server\n!\nsnmp-server community "
            "public RO\n!\n"
            "line con 0\nline vty 0 4\n login local\n transport input ssh\nline vty 5 15\n login "
            "local\n!\nend\n\n"
        )
