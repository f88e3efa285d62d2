"""The shell of a Windows persona: cmd.exe as OpenSSH for Windows starts it.

Same contract as :class:`~decnet.services.ssh.shell.Shell` (``run_line``, ``prompt``,
``banner``); every line is a ``command`` event and download tools (``certutil -urlcache``,
``bitsadmin /transfer``, ``curl``, PowerShell's ``Invoke-WebRequest``/``DownloadFile``) are
recorded as ``download`` events and fail without touching the network.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from decnet.services.ssh.shell import MAX_HISTORY, MAX_LINE, BoundedEvents, EmitFn, Writer, clip
from decnet.services.ssh.system import System, seeded

NOT_RECOGNIZED = (
    "'{name}' is not recognized as an internal or external command,\noperable program or batch file.\n"
)
_URL = re.compile(r"""(?i)\b(?:https?|ftp)://[^\s'"`<>|)]+""")
_MAX_OUTPUT = 1 << 20
CONNECT_DELAY_S = 1.5


@dataclass(slots=True, eq=False)
class WinNode:
    """A file or directory of the fake C: drive."""

    name: str
    is_dir: bool
    mtime: datetime
    size: int = 0
    content: str = ""
    children: dict[str, WinNode] = field(default_factory=dict)


class WinFS:
    """A small case-insensitive C: drive."""

    def __init__(self, system: System, users: list[str]) -> None:
        self._rng = seeded(system.persona, "winfs")
        self.installed = system.persona.booted_at - timedelta(days=self._rng.randint(60, 500))
        self.root = WinNode("C:", True, self.installed)
        self.written = 0
        for path in (
            "PerfLogs",
            "Program Files\\Common Files",
            "Program Files\\Windows Defender",
            "Program Files\\OpenSSH",
            "Program Files (x86)\\Microsoft",
            "ProgramData\\ssh",
            "Windows\\System32\\drivers\\etc",
            "Windows\\Temp",
            "Users\\Public\\Documents",
        ):
            self.mkdir(path)
        if "iis" in dict(system.persona.versions):
            self.mkdir("inetpub\\wwwroot")
            self.write(
                "inetpub\\wwwroot\\iisstart.htm",
                "<!DOCTYPE html>\n<html><head><title>IIS Windows</title></head></html>\n",
            )
        self.write(
            "Windows\\System32\\drivers\\etc\\hosts",
            "# Copyright (c) 1993-2009 Microsoft Corp.\n#\n"
            "# This is a sample HOSTS file used by Microsoft TCP/IP for Windows.\n#\n"
            "# localhost name resolution is handled within DNS itself.\n#\t127.0.0.1       localhost\n"
            "#\t::1             localhost\n",
        )
        self.write(
            "ProgramData\\ssh\\sshd_config",
            "# This is the sshd server system-wide configuration file.\n"
            "#PermitRootLogin prohibit-password\n#MaxAuthTries 6\n#PasswordAuthentication yes\n"
            "Subsystem\tsftp\tsftp-server.exe\n\nMatch Group administrators\n"
            "       AuthorizedKeysFile __PROGRAMDATA__/ssh/administrators_authorized_keys\n",
        )
        for user in users:
            for sub in (
                "Desktop",
                "Documents",
                "Downloads",
                "Music",
                "Pictures",
                "Videos",
                "Favorites",
                "Links",
                ".ssh",
                "AppData\\Local\\Temp",
                "AppData\\Roaming\\Microsoft",
            ):
                self.mkdir(f"Users\\{user}\\{sub}")
        self.written = 0

    def _stamp(self) -> datetime:
        return self.installed + timedelta(days=self._rng.randint(0, 40), seconds=self._rng.randint(0, 86399))

    @staticmethod
    def parts(path: str) -> list[str]:
        """Components of an absolute ``C:\\...`` path."""
        body = path[2:] if path[1:2] == ":" else path
        return [p for p in re.split(r"[\\/]+", body) if p and p != "."]

    def resolve(self, path: str, cwd: str) -> str:
        """Absolute, normalized form of ``path`` relative to ``cwd``."""
        path = path.strip().strip('"')
        if re.match(r"^[A-Za-z]:", path):
            base: list[str] = []
            rest = path[2:]
        elif path.startswith(("\\", "/")):
            base, rest = [], path
        else:
            base, rest = self.parts(cwd), path
        out = list(base)
        for part in [p for p in re.split(r"[\\/]+", rest) if p and p != "."]:
            if part == "..":
                if out:
                    out.pop()
            else:
                out.append(part)
        node = self.root
        shown = []
        for part in out:
            child = node.children.get(part.lower()) if node.is_dir else None
            if child is None:
                shown.append(part)
                node = WinNode(part, False, self.installed)
            else:
                shown.append(child.name)
                node = child
        return "C:\\" + "\\".join(shown)

    def lookup(self, path: str) -> WinNode | None:
        """The node at absolute ``path``."""
        node = self.root
        for part in self.parts(path):
            if not node.is_dir:
                return None
            nxt = node.children.get(part.lower())
            if nxt is None:
                return None
            node = nxt
        return node

    def mkdir(self, path: str) -> WinNode:
        """Create directory ``path`` (relative to C:\\) and its parents."""
        node = self.root
        for part in self.parts(path):
            child = node.children.get(part.lower())
            if child is None:
                child = WinNode(part, True, self._stamp())
                node.children[part.lower()] = child
            node = child
        return node

    def write(self, path: str, content: str) -> bool:
        """Create or replace a file (bounded); False when the budget is spent."""
        parts = self.parts(path)
        if not parts or self.written + len(content) > _MAX_OUTPUT or len(self.root.children) > 4096:
            return False
        parent = self.mkdir("\\".join(parts[:-1]))
        self.written += len(content)
        parent.children[parts[-1].lower()] = WinNode(
            parts[-1], False, datetime.now(tz=self.installed.tzinfo), len(content.encode()), content
        )
        return True


class WindowsShell(BoundedEvents):
    """cmd.exe of a Windows persona (with a one-line PowerShell for ``powershell -c``)."""

    def __init__(
        self,
        system: System,
        login: str,
        *,
        src_ip: str = "",
        src_port: int = 0,
        interactive: bool = True,
        emit: EmitFn | None = None,
        width: int = 80,
        last_login: tuple[datetime, str] | None = None,
    ) -> None:
        self.system = system
        self.persona = system.persona
        self.login = login
        self.display_user = "Administrator" if login.lower() == "administrator" else login
        self.src_ip = src_ip
        self.src_port = src_port
        self.interactive = interactive
        self.emit_fn = emit
        self.width = width
        self.history: list[str] = []
        self.status = 0
        self.exited = False
        self.exit_status = 0
        self.dropped = False
        self.events = 0
        users = sorted({self.display_user, "Public", "Default"})
        self.fs = WinFS(system, users)
        self.home = f"C:\\Users\\{self.display_user}"
        self.cwd = self.home
        self.computer = self.persona.hostname.split(".", 1)[0].upper()[:15]
        self.env = {
            "USERNAME": self.display_user,
            "COMPUTERNAME": self.computer,
            "USERPROFILE": self.home,
            "HOMEDRIVE": "C:",
            "HOMEPATH": self.home[2:],
            "SystemRoot": "C:\\Windows",
            "windir": "C:\\Windows",
            "OS": "Windows_NT",
            "PROCESSOR_ARCHITECTURE": "AMD64",
            "NUMBER_OF_PROCESSORS": str(self.persona.cpu_count),
            "TEMP": f"{self.home}\\AppData\\Local\\Temp",
            "TMP": f"{self.home}\\AppData\\Local\\Temp",
            "ComSpec": "C:\\Windows\\system32\\cmd.exe",
            "PATHEXT": ".COM;.EXE;.BAT;.CMD;.VBS;.VBE;.JS;.JSE;.WSF;.WSH;.MSC",
            "Path": "C:\\Windows\\system32;C:\\Windows;C:\\Windows\\System32\\Wbem;"
            "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\;C:\\Windows\\System32\\OpenSSH\\",
            "PROMPT": "$P$G",
            "SSH_CLIENT": f"{src_ip} {src_port} 22",
            "SSH_CONNECTION": f"{src_ip} {src_port} {self.persona.ip} 22",
        }
        self.pid = 3000 + seeded(self.persona, "winpid").randint(0, 9000) * 4

    # ------------------------------------------------------------------ contract

    def prompt(self) -> str:
        """``user@HOST C:\\path>`` as OpenSSH for Windows shows it."""
        return f"{self.login.lower()}@{self.computer} {self.cwd}>"

    def banner(self) -> str:
        """cmd.exe's start-up lines."""
        build = int(self.persona.kernel.split(".")[2]) if self.persona.kernel.count(".") >= 2 else 19045
        year = {14393: "2016 ", 17763: "2018 "}.get(build, "")
        return (
            f"Microsoft Windows [Version {self.persona.kernel}]\n(c) {year}Microsoft Corporation. All rights "
            "reserved.\n\n"
        )

    async def run_line(
        self,
        line: str,
        write: Writer,
        *,
        write_err: Writer | None = None,
        exec_request: bool = False,
        source: str = "",
    ) -> int:
        """Log and run one command line."""
        text = line[: MAX_LINE * (4 if exec_request else 1)].strip()
        if not text:
            if self.interactive:
                await write("\n")
            return self.status
        if self.interactive and not exec_request and (not self.history or self.history[-1] != text):
            self.history.append(text)
            del self.history[:-MAX_HISTORY]
        fields = {
            "command": clip(text),
            "cwd": clip(self.cwd),
            "username": self.login,
            "exec": "true" if exec_request else "false",
        }
        if source:
            fields["source"] = source
        self.emit("command", fields)
        written = 0

        async def out(chunk: str) -> None:
            nonlocal written
            if written < _MAX_OUTPUT:
                chunk = chunk[: _MAX_OUTPUT - written]
                written += len(chunk)
                await write(chunk)

        async def err(chunk: str) -> None:
            await (write_err or out)(chunk)

        self.status = await self._run(text, out, err, depth=0)
        if self.interactive and not self.exited:
            await out("\n")
        return self.status

    # ------------------------------------------------------------------ cmd.exe

    def _expand(self, text: str) -> str:
        def var(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.upper() == "CD":
                return self.cwd
            if name.upper() == "DATE":
                return f"{datetime.now():%a %m/%d/%Y}"
            for key, value in self.env.items():
                if key.upper() == name.upper():
                    return value
            return match.group(0)

        return re.sub(r"%([A-Za-z_][A-Za-z0-9_()]*)%", var, text)

    @staticmethod
    def _split(text: str) -> list[tuple[str, str]]:
        """Commands and the operator after each (``&``, ``&&``, ``||``, ``|``), quotes respected."""
        parts: list[tuple[str, str]] = []
        current = []
        quote = False
        i = 0
        while i < len(text):
            ch = text[i]
            if ch == '"':
                quote = not quote
            elif ch == "^" and i + 1 < len(text) and not quote:
                current.append(text[i + 1])
                i += 2
                continue
            elif ch in "&|" and not quote:
                op = text[i : i + 2] if text[i : i + 2] in {"&&", "||"} else ch
                parts.append(("".join(current).strip(), op))
                current = []
                i += len(op)
                continue
            current.append(ch)
            i += 1
        parts.append(("".join(current).strip(), ""))
        return [(cmd, op) for cmd, op in parts if cmd][:64]

    async def _run(self, text: str, out: Writer, err: Writer, depth: int, stdin: str | None = None) -> int:
        status = 0
        skip = False
        piped: str | None = stdin
        for command, op in self._split(self._expand(text)):
            if not skip:
                if op == "|":
                    buffer: list[str] = []

                    async def capture(chunk: str, buffer: list[str] = buffer) -> None:
                        if sum(len(b) for b in buffer) < _MAX_OUTPUT:
                            buffer.append(chunk)

                    status = await self._command(command, capture, err, depth, piped)
                    piped = "".join(buffer)
                    continue
                status = await self._command(command, out, err, depth, piped)
                piped = None
                if self.exited:
                    break
            if op == "&&":
                skip = skip or status != 0
            elif op == "||":
                skip = skip or status == 0
            else:
                skip = False
        return status

    async def _command(self, command: str, out: Writer, err: Writer, depth: int, stdin: str | None) -> int:
        redirect = re.search(r"\s*(\d?)>>?\s*(\"[^\"]*\"|\S+)\s*$", command)
        target = None
        if redirect:
            target = redirect.group(2).strip('"')
            command = command[: redirect.start()]
            if redirect.group(1) == "2":
                target = None
        words = command.split()
        if not words:
            return 0
        name = words[0].lower().strip('"')
        name = name.rsplit("\\", 1)[-1]
        if re.match(r"^echo[.:(]", name):
            await out(command[5:] + "\n")
            return 0
        for suffix in (".exe", ".com"):
            name = name.removesuffix(suffix)
        args = command[len(words[0]) :].strip()
        if target is not None and target.lower() != "nul":
            captured: list[str] = []

            async def to_file(chunk: str) -> None:
                captured.append(chunk)

            status = await self._dispatch(name, args, to_file, err, depth, stdin)
            self.fs.write(self.fs.resolve(target, self.cwd), "".join(captured))
            return status
        if target is not None:

            async def discard(chunk: str) -> None:
                return None

            return await self._dispatch(name, args, discard, err, depth, stdin)
        return await self._dispatch(name, args, out, err, depth, stdin)

    async def _dispatch(
        self, name: str, args: str, out: Writer, err: Writer, depth: int, stdin: str | None
    ) -> int:
        if re.fullmatch(r"[a-z]:", name):
            if name != "c:":
                await err("The system cannot find the drive specified.\n")
                return 1
            return 0
        handler = getattr(self, f"_cmd_{name.replace('-', '_')}", None)
        if handler is None or name.startswith("_"):
            await err(NOT_RECOGNIZED.format(name=name))
            return 9009
        result: int = await handler(args, out, err, depth, stdin)
        return result

    # ------------------------------------------------------------------ commands

    async def _cmd_exit(self, args: str, out: Writer, err: Writer, depth: int, stdin: str | None) -> int:
        code = args.split()[-1] if args.split() else "0"
        self.exited = True
        self.exit_status = int(code) if code.lstrip("-").isdigit() else 0
        return self.exit_status

    async def _cmd_echo(self, args: str, out: Writer, err: Writer, depth: int, stdin: str | None) -> int:
        if args.lower() in {"", "on", "off"}:
            await out("ECHO is on.\n" if not args else "")
            return 0
        await out(args + "\n")
        return 0

    async def _cmd_cls(self, args: str, out: Writer, err: Writer, depth: int, stdin: str | None) -> int:
        await out("\x1b[2J\x1b[H")
        return 0

    async def _cmd_ver(self, args: str, out: Writer, err: Writer, depth: int, stdin: str | None) -> int:
        await out(f"\nMicrosoft Windows [Version {self.persona.kernel}]\n")
        return 0

    async def _cmd_whoami(self, args: str, out: Writer, err: Writer, depth: int, stdin: str | None) -> int:
        who = f"{self.computer.lower()}\\{self.login.lower()}"
        if "/user" in args.lower() or "/all" in args.lower():
            rid = 500 if self.login.lower() == "administrator" else 1001
            seed = self.persona.seed
            parts = (seed[0] * 13_371_337, seed[1] * 7_777_777, seed[2] * 999_331)
            sid = "S-1-5-21-" + "-".join(str(p % 4_000_000_000) for p in parts) + f"-{rid}"
            await out(
                f"\nUSER INFORMATION\n----------------\n\n{'User Name':<22} {'SID':<46}\n"
                f"{'=' * 22} {'=' * 46}\n{who:<22} {sid}\n"
            )
            return 0
        if "/priv" in args.lower():
            await out(
                "\nPRIVILEGES INFORMATION\n----------------------\n\nPrivilege Name                "
                "Description"
                "                          State\n============================= "
                "==================================="
                "= ========\nSeChangeNotifyPrivilege       Bypass traverse checking             Enabled\n"
                "SeIncreaseWorkingSetPrivilege Increase a process working set       Disabled\n"
            )
            return 0
        await out(who + "\n")
        return 0

    async def _cmd_hostname(self, args: str, out: Writer, err: Writer, depth: int, stdin: str | None) -> int:
        await out(self.persona.hostname.split(".", 1)[0] + "\n")
        return 0

    async def _cmd_cd(self, args: str, out: Writer, err: Writer, depth: int, stdin: str | None) -> int:
        target = re.sub(r"^/d\s+", "", args.strip(), flags=re.I).strip('"')
        if not target:
            await out(self.cwd + "\n")
            return 0
        path = self.fs.resolve(target, self.cwd)
        node = self.fs.lookup(path)
        if node is None or not node.is_dir:
            await err("The system cannot find the path specified.\n")
            return 1
        self.cwd = path
        return 0

    _cmd_chdir = _cmd_cd

    async def _cmd_dir(self, args: str, out: Writer, err: Writer, depth: int, stdin: str | None) -> int:
        target = next((a for a in args.split() if not a.startswith("/")), "")
        path = self.fs.resolve(target, self.cwd) if target else self.cwd
        node = self.fs.lookup(path)
        seed = self.persona.seed
        serial = f"{int.from_bytes(seed[4:6], 'big'):04X}-{int.from_bytes(seed[6:8], 'big'):04X}"
        if node is None:
            await out(
                f" Volume in drive C has no label.\n Volume Serial Number is {serial}\n\n Directory of "
                f"{path.rsplit(chr(92), 1)[0]}\n\n"
            )
            await err("File Not Found\n")
            return 1
        lines = [
            " Volume in drive C has no label.",
            f" Volume Serial Number is {serial}",
            "",
            f" Directory of {path}",
            "",
        ]
        entries = [(".", node), ("..", node)] if path != "C:\\" else []
        entries += sorted(
            (
                (n.name, n)
                for n in node.children.values()
                if not n.name.startswith(".") or "/a" in args.lower()
            ),
            key=lambda item: item[0].lower(),
        )
        files = dirs = total = 0
        for shown, child in entries:
            stamp = f"{child.mtime:%m/%d/%Y  %I:%M %p}"
            if child.is_dir:
                dirs += 1
                lines.append(f"{stamp}    <DIR>          {shown}")
            else:
                files += 1
                total += child.size
                lines.append(f"{stamp} {child.size:>17,} {shown}")
        free = self.system.disk_gb * 1024**3 - int(
            self.system.disk_gb * 1024**3 * self.system.disk_used_fraction
        )
        lines += [f"{files:>16} File(s) {total:>14,} bytes", f"{dirs:>16} Dir(s) {free:>15,} bytes free"]
        await out("\n".join(lines) + "\n")
        return 0

    async def _cmd_type(self, args: str, out: Writer, err: Writer, depth: int, stdin: str | None) -> int:
        node = self.fs.lookup(self.fs.resolve(args, self.cwd)) if args else None
        if node is None:
            await err("The system cannot find the file specified.\n")
            return 1
        if node.is_dir:
            await err("Access is denied.\n")
            return 1
        await out(node.content)
        return 0

    async def _cmd_mkdir(self, args: str, out: Writer, err: Writer, depth: int, stdin: str | None) -> int:
        path = self.fs.resolve(args, self.cwd)
        if self.fs.lookup(path) is not None:
            await err(f"A subdirectory or file {args} already exists.\n")
            return 1
        self.fs.mkdir(path)
        return 0

    _cmd_md = _cmd_mkdir

    async def _cmd_set(self, args: str, out: Writer, err: Writer, depth: int, stdin: str | None) -> int:
        if "=" in args:
            key, _, value = args.partition("=")
            self.env[key.strip()] = value
            return 0
        shown = [
            f"{k}={v}"
            for k, v in sorted(self.env.items(), key=lambda kv: kv[0].lower())
            if k.lower().startswith(args.lower())
        ]
        if not shown:
            await err(f"Environment variable {args} not defined\n")
            return 1
        await out("\n".join(shown) + "\n")
        return 0

    async def _cmd_systeminfo(
        self, args: str, out: Writer, err: Writer, depth: int, stdin: str | None
    ) -> int:
        persona = self.persona
        system = self.system
        build = persona.version_of(
            "windows_build", persona.kernel.split(".")[2] if persona.kernel.count(".") > 1 else "19045"
        )
        server = "Server" in persona.distro_name
        mem_mb = persona.mem_total_kb // 1024
        mem = system.mem_kb()
        boot = persona.booted_at
        rows = [
            ("Host Name", self.computer),
            ("OS Name", f"Microsoft {persona.distro_name}"),
            ("OS Version", f"10.0.{build} N/A Build {build}"),
            ("OS Manufacturer", "Microsoft Corporation"),
            ("OS Configuration", "Standalone Server" if server else "Standalone Workstation"),
            ("OS Build Type", "Multiprocessor Free"),
            ("Registered Owner", "Windows User"),
            ("Registered Organization", ""),
            ("Product ID", "00330-80000-00000-AA000"),
            ("Original Install Date", f"{self.fs.installed:%m/%d/%Y, %I:%M:%S %p}"),
            ("System Boot Time", f"{boot:%m/%d/%Y, %I:%M:%S %p}"),
            ("System Manufacturer", "VMware, Inc."),
            ("System Model", "VMware7,1"),
            ("System Type", "x64-based PC"),
            (
                "Processor(s)",
                f"1 Processor(s) Installed.\n{'':27}[01]: Intel64 Family 6 Model 106 Stepping 6 "
                "GenuineIntel ~2000 Mhz",
            ),
            ("BIOS Version", "VMware, Inc. VMW71.00V.21100432.B64.2301110304, 1/11/2023"),
            ("Windows Directory", "C:\\Windows"),
            ("System Directory", "C:\\Windows\\system32"),
            ("Boot Device", "\\Device\\HarddiskVolume1"),
            ("System Locale", "en-us;English (United States)"),
            ("Input Locale", "en-us;English (United States)"),
            ("Time Zone", "(UTC) Coordinated Universal Time"),
            ("Total Physical Memory", f"{mem_mb:,} MB"),
            ("Available Physical Memory", f"{mem['MemAvailable'] // 1024:,} MB"),
            ("Domain", "WORKGROUP"),
            ("Logon Server", f"\\\\{self.computer}"),
            (
                "Hotfix(s)",
                "3 Hotfix(s) Installed.\n                           [01]: KB5034439\n"
                "                           [02]: KB5011048\n                           [03]: KB5034763",
            ),
            (
                "Network Card(s)",
                "1 NIC(s) Installed.\n                           [01]: vmxnet3 Ethernet Adapter\n"
                f"                                 Connection Name: Ethernet0\n"
                f"                                 DHCP Enabled:    No\n"
                f"                                 IP address(es)\n"
                f"                                 [01]: {persona.ip}",
            ),
            (
                "Hyper-V Requirements",
                "A hypervisor has been detected. Features required for Hyper-V will not be displayed.",
            ),
        ]
        await out("\n" + "".join(f"{k + ':':<27}{v}\n" for k, v in rows))
        return 0

    async def _cmd_ipconfig(self, args: str, out: Writer, err: Writer, depth: int, stdin: str | None) -> int:
        iface = self.system.interface()
        full = "/all" in args.lower()
        lines = ["", "Windows IP Configuration", ""]
        if full:
            lines += [
                f"   Host Name . . . . . . . . . . . . : {self.persona.hostname.split('.', 1)[0]}",
                "   Primary Dns Suffix  . . . . . . . : ",
                "   Node Type . . . . . . . . . . . . : Hybrid",
                "   IP Routing Enabled. . . . . . . . : No",
                "   WINS Proxy Enabled. . . . . . . . : No",
                "",
            ]
        lines += ["Ethernet adapter Ethernet0:", "", "   Connection-specific DNS Suffix  . : "]
        if full:
            lines += [
                "   Description . . . . . . . . . . . : vmxnet3 Ethernet Adapter",
                f"   Physical Address. . . . . . . . . : {self.persona.mac.upper().replace(':', '-')}",
                "   DHCP Enabled. . . . . . . . . . . : No",
                "   Autoconfiguration Enabled . . . . : Yes",
            ]
        lines += [
            f"   Link-local IPv6 Address . . . . . : {self.system.link_local()}%6",
            f"   IPv4 Address. . . . . . . . . . . : {iface.ip}" + ("(Preferred) " if full else ""),
            f"   Subnet Mask . . . . . . . . . . . : {iface.netmask}",
            f"   Default Gateway . . . . . . . . . : {self.system.gateway()}",
        ]
        if full:
            lines += [
                f"   DNS Servers . . . . . . . . . . . : {self.system.gateway()}",
                "   NetBIOS over Tcpip. . . . . . . . : Enabled",
            ]
        await out("\n".join(lines) + "\n")
        return 0

    async def _cmd_tasklist(self, args: str, out: Writer, err: Writer, depth: int, stdin: str | None) -> int:
        rng = seeded(self.persona, "tasks")
        names = [
            ("System Idle Process", 0, "Services", 0, 8),
            ("System", 4, "Services", 0, 152),
            ("Registry", 92, "Services", 0, 47_000),
            ("smss.exe", 356, "Services", 0, 1_100),
            ("csrss.exe", 464, "Services", 0, 5_300),
            ("wininit.exe", 540, "Services", 0, 6_900),
            ("services.exe", 612, "Services", 0, 10_200),
            ("lsass.exe", 628, "Services", 0, 19_800),
            ("svchost.exe", 744, "Services", 0, 26_400),
            ("svchost.exe", 812, "Services", 0, 14_100),
            ("spoolsv.exe", 1784, "Services", 0, 15_600),
            ("MsMpEng.exe", 2232, "Services", 0, 210_000),
            ("sshd.exe", 2416, "Services", 0, 7_400),
            ("vmtoolsd.exe", 2544, "Services", 0, 24_000),
            ("sshd.exe", self.pid - 8, "Services", 0, 8_100),
            ("cmd.exe", self.pid, "Services", 0, 4_200),
            ("conhost.exe", self.pid + 4, "Services", 0, 11_300),
            ("tasklist.exe", self.pid + 12 + rng.randint(0, 40) * 4, "Services", 0, 9_800),
        ]
        lines = [
            "",
            f"{'Image Name':<25} {'PID':>8} {'Session Name':<16} {'Session#':>11} {'Mem Usage':>12}",
            f"{'=' * 25} {'=' * 8} {'=' * 16} {'=' * 11} {'=' * 12}",
        ]
        lines += [f"{n:<25} {p:>8} {s:<16} {k:>11} {f'{m:,} K':>12}" for n, p, s, k, m in names]
        await out("\n".join(lines) + "\n")
        return 0

    async def _cmd_net(self, args: str, out: Writer, err: Writer, depth: int, stdin: str | None) -> int:
        words = args.split()
        verb = words[0].lower() if words else ""
        if verb == "user" and len(words) == 1:
            users = sorted(
                {self.display_user, "Administrator", "DefaultAccount", "Guest", "WDAGUtilityAccount"}
            )
            cells = "".join(f"{u:<25}" + ("\n" if i % 3 == 2 else "") for i, u in enumerate(users)).rstrip()
            await out(
                f"\nUser accounts for \\\\{self.computer}\n\n{'-' * 79}\n{cells}\n"
                "The command completed successfully.\n\n"
            )
            return 0
        if verb == "localgroup":
            await out(
                f"Alias name     administrators\nComment        Administrators have complete and "
                f"unrestricted access to the computer/domain\n\nMembers\n\n{'-' * 79}\nAdministrator\n"
                f"{self.display_user if self.display_user != 'Administrator' else ''}".rstrip()
                + "\nThe command completed successfully.\n\n"
            )
            return 0
        if verb in {"user", "use", "share", "session", "start", "stop", "view", "accounts", "group"}:
            await err("System error 5 has occurred.\n\nAccess is denied.\n\n")
            return 2
        await out(
            "The syntax of this command is:\n\nNET\n    [ ACCOUNTS | COMPUTER | CONFIG | CONTINUE | FILE | "
            "GROUP "
            "| HELP |\n      HELPMSG | LOCALGROUP | PAUSE | SESSION | SHARE | START |\n      STATISTICS | "
            "STOP |"
            " TIME | USE | USER | VIEW ]\n\n"
        )
        return 1

    async def _cmd_netstat(self, args: str, out: Writer, err: Writer, depth: int, stdin: str | None) -> int:
        ip = self.persona.ip
        await out(
            "\nActive Connections\n\n  Proto  Local Address          Foreign Address        State           "
            f"PID\n  TCP    0.0.0.0:22             0.0.0.0:0              LISTENING       2416\n"
            f"  TCP    0.0.0.0:135            0.0.0.0:0              LISTENING       812\n"
            f"  TCP    0.0.0.0:445            0.0.0.0:0              LISTENING       4\n"
            f"  TCP    {ip + ':22':<22} {self.src_ip + ':' + str(self.src_port):<22} ESTABLISHED     "
            f"{self.pid - 8}\n"
        )
        return 0

    async def _cmd_wmic(self, args: str, out: Writer, err: Writer, depth: int, stdin: str | None) -> int:
        lowered = args.lower()
        if lowered.startswith("os"):
            await out(f"Caption\nMicrosoft {self.persona.distro_name}\n\n")
        elif lowered.startswith("cpu"):
            await out(f"Name\n{self.persona.cpu_model}\n\n")
        elif lowered.startswith("computersystem"):
            await out(
                "Domain     Manufacturer  Model      Name\nWORKGROUP  VMware, Inc.  VMware7,1  "
                f"{self.computer}\n\n"
            )
        else:
            await err(f"{args.split()[0] if args else ''} - Alias not found.\n")
            return 44135
        return 0

    async def _cmd_findstr(self, args: str, out: Writer, err: Writer, depth: int, stdin: str | None) -> int:
        words = [w for w in args.split() if not w.startswith("/")]
        needles = [w.strip('"').lower() for w in words[:1]]
        text = stdin or ""
        matched = [line for line in text.splitlines() if any(n in line.lower() for n in needles)]
        await out("".join(line + "\n" for line in matched))
        return 0 if matched else 1

    _cmd_find = _cmd_findstr

    async def _cmd_more(self, args: str, out: Writer, err: Writer, depth: int, stdin: str | None) -> int:
        await out(stdin or "")
        return 0

    async def _cmd_cmd(self, args: str, out: Writer, err: Writer, depth: int, stdin: str | None) -> int:
        match = re.match(r"(?i)^/[ck]\s+(.*)$", args.strip())
        if match and depth < 3:
            return await self._run(match.group(1).strip().strip('"'), out, err, depth + 1, stdin)
        return 0

    async def _cmd_ping(self, args: str, out: Writer, err: Writer, depth: int, stdin: str | None) -> int:
        host = next((w for w in reversed(args.split()) if not w.startswith("-")), "")
        if not host:
            await out("\nUsage: ping [-t] [-a] [-n count] [-l size] target_name\n")
            return 1
        await out(f"\nPinging {host} with 32 bytes of data:\n")
        for _ in range(4):
            await asyncio.sleep(1.0)
            await out("Request timed out.\n")
        await out(
            f"\nPing statistics for {host}:\n    Packets: Sent = 4, Received = 0, Lost = 4 (100% loss),\n"
        )
        return 1

    def _download(self, url: str, tool: str, command: str) -> None:
        self.emit(
            "download",
            {
                "url": clip(url, 2048),
                "tool": tool,
                "cwd": clip(self.cwd),
                "username": self.login,
                "command": clip(command),
            },
        )

    async def _cmd_certutil(self, args: str, out: Writer, err: Writer, depth: int, stdin: str | None) -> int:
        urls = _URL.findall(args)
        for url in urls[:16]:
            self._download(url, "certutil", f"certutil {args}")
        if urls:
            await asyncio.sleep(CONNECT_DELAY_S)
            await out(
                "****  Online  ****\nCertUtil: -URLCache command FAILED: 0x80072efd (WinHttp: 12029 "
                "ERROR_WINHTTP_CANNOT_CONNECT)\nCertUtil: A connection with the server could not be "
                "established\n"
            )
            return 1
        await out("CertUtil: -dump command completed successfully.\n")
        return 0

    async def _cmd_bitsadmin(self, args: str, out: Writer, err: Writer, depth: int, stdin: str | None) -> int:
        urls = _URL.findall(args)
        for url in urls[:16]:
            self._download(url, "bitsadmin", f"bitsadmin {args}")
        await out("\nBITSADMIN version 3.0\nBITS administration utility.\n(C) Copyright Microsoft Corp.\n\n")
        if urls:
            await asyncio.sleep(CONNECT_DELAY_S)
            await out(
                "Unable to complete transfer.\nERROR CODE: 0x80072efd - A connection with the server could "
                "not be established\n"
            )
            return 1
        return 0

    async def _cmd_curl(self, args: str, out: Writer, err: Writer, depth: int, stdin: str | None) -> int:
        urls = _URL.findall(args)
        for url in urls[:16]:
            self._download(url, "curl", f"curl {args}")
        if not urls:
            await err("curl: try 'curl --help' for more information\n")
            return 2
        await asyncio.sleep(CONNECT_DELAY_S)
        host = re.sub(r"^\w+://", "", urls[0]).split("/", 1)[0].split(":", 1)[0]
        await err(
            f"curl: (7) Failed to connect to {host} port 80 after 2032 ms: Couldn't connect to server\n"
        )
        return 7

    async def _cmd_powershell(
        self, args: str, out: Writer, err: Writer, depth: int, stdin: str | None
    ) -> int:
        script = args
        encoded = re.search(r"(?i)-e(?:nc(?:odedcommand)?)?\s+([A-Za-z0-9+/=]+)", args)
        if encoded:
            try:
                script = base64.b64decode(encoded.group(1) + "==").decode("utf-16-le", errors="replace")
            except (binascii.Error, ValueError):
                script = ""
            self.emit(
                "command",
                {
                    "command": clip(script),
                    "cwd": clip(self.cwd),
                    "username": self.login,
                    "exec": "false",
                    "source": "powershell-encoded",
                },
            )
        else:
            match = re.search(r"(?i)-c(?:ommand)?\s+(.*)$", args)
            script = match.group(1).strip().strip('"') if match else ""
        if not script:
            return 0
        urls = _URL.findall(script)
        for url in urls[:16]:
            self._download(url, "powershell", f"powershell {args}"[:4096])
        if urls:
            await asyncio.sleep(CONNECT_DELAY_S)
            await err(
                'Exception calling "DownloadString" with "1" argument(s): "Unable to connect to the remote '
                'server"\nAt line:1 char:1\n+ '
                + script[:80]
                + "\n+ ~~~~~~~~~~\n    + CategoryInfo          : "
                "NotSpecified: (:) [], MethodInvocationException\n    + FullyQualifiedErrorId : "
                "WebException\n"
            )
            return 1
        first = script.split()[0] if script.split() else ""
        if first.lower() in {"whoami", "hostname", "ipconfig", "systeminfo", "dir", "echo", "ver"}:
            return await self._run(script, out, err, depth + 1, stdin)
        await err(
            f"{first} : The term '{first}' is not recognized as the name of a cmdlet, function, script "
            "file, or "
            "operable program. Check the spelling of the name, or if a path was included, verify that the "
            "path "
            f"is correct and try again.\nAt line:1 char:1\n+ {first}\n+ {'~' * max(1, len(first))}\n"
            f"    + CategoryInfo          : ObjectNotFound: ({first}:String) [], CommandNotFoundException\n"
            "    + FullyQualifiedErrorId : CommandNotFoundException\n"
        )
        return 1

    _cmd_pwsh = _cmd_powershell

    async def _cmd_del(self, args: str, out: Writer, err: Writer, depth: int, stdin: str | None) -> int:
        path = self.fs.resolve(args.split()[-1] if args.split() else "", self.cwd)
        parent = self.fs.lookup(path.rsplit("\\", 1)[0])
        if parent is None or parent.children.pop(path.rsplit("\\", 1)[-1].lower(), None) is None:
            await err(f"Could Not Find {path}\n")
        return 0

    _cmd_erase = _cmd_del

    async def _cmd_copy(self, args: str, out: Writer, err: Writer, depth: int, stdin: str | None) -> int:
        await err("The system cannot find the file specified.\n")
        return 1

    _cmd_move = _cmd_copy
    _cmd_xcopy = _cmd_copy

    async def _cmd_date(self, args: str, out: Writer, err: Writer, depth: int, stdin: str | None) -> int:
        await out(f"The current date is: {datetime.now():%a %m/%d/%Y}\n")
        return 0

    async def _cmd_time(self, args: str, out: Writer, err: Writer, depth: int, stdin: str | None) -> int:
        await out(f"The current time is: {datetime.now():%H:%M:%S.%f}"[:-4] + "\n")
        return 0

    async def _cmd_schtasks(self, args: str, out: Writer, err: Writer, depth: int, stdin: str | None) -> int:
        if "/create" in args.lower():
            found = re.search(r"(?i)/tn\s+(\S+)", args)
            await out(
                f'SUCCESS: The scheduled task "{found.group(1) if found else "task"}" has successfully been '
                "created.\n"
            )
            return 0
        await out(
            "\nFolder: \\\nTaskName                                 Next Run Time          Status\n"
            "======================================== ====================== ===============\n"
            "MicrosoftEdgeUpdateTaskMachineCore       N/A                    Ready\n"
        )
        return 0

    async def _cmd_reg(self, args: str, out: Writer, err: Writer, depth: int, stdin: str | None) -> int:
        if args.lower().startswith(("add", "delete")):
            await out("The operation completed successfully.\n")
            return 0
        await err("ERROR: The system was unable to find the specified registry key or value.\n")
        return 1

    async def _cmd_sc(self, args: str, out: Writer, err: Writer, depth: int, stdin: str | None) -> int:
        await out(
            "[SC] EnumQueryServicesStatus:OpenService FAILED 1060:\n\nThe specified service does not exist "
            "as "
            "an installed service.\n\n"
        )
        return 1060

    async def _cmd_arp(self, args: str, out: Writer, err: Writer, depth: int, stdin: str | None) -> int:
        await out(
            f"\nInterface: {self.persona.ip} --- 0x6\n  Internet Address      Physical Address      Type\n"
            f"  {self.system.gateway():<21} 00-1a-2b-3c-4d-5e     dynamic\n"
        )
        return 0

    async def _cmd_quser(self, args: str, out: Writer, err: Writer, depth: int, stdin: str | None) -> int:
        await out(
            " USERNAME              SESSIONNAME        ID  STATE   IDLE TIME  LOGON TIME\n"
            f">{self.login.lower():<21} {'':<18} {1:>2}  Active          .  "
            f"{datetime.now():%m/%d/%Y %I:%M %p}\n"
        )
        return 0

    _cmd_query = _cmd_quser
