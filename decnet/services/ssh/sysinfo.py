"""Fake commands that describe the machine, its users and its processes."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from decnet.services.ssh.cmdutil import LQ, RQ, command, getopt, human
from decnet.services.ssh.shell import Invocation
from decnet.services.ssh.system import Proc

_SELINUX_CONTEXT = " context=unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023"


@command("uname")
async def cmd_uname(inv: Invocation) -> int:
    longs = {
        "all": "a",
        "kernel-name": "s",
        "nodename": "n",
        "kernel-release": "r",
        "kernel-version": "v",
        "machine": "m",
        "processor": "p",
        "hardware-platform": "i",
        "operating-system": "o",
    }
    flags = ""
    for arg in inv.args:
        if arg.startswith("--"):
            if arg[2:] not in longs:
                await inv.err.write(
                    f"uname: unrecognized option '{arg}'\nTry 'uname --help' for more information.\n"
                )
                return 1
            flags += longs[arg[2:]]
        elif arg.startswith("-"):
            bad = [c for c in arg[1:] if c not in "asnrvmpio"]
            if bad:
                await inv.err.write(
                    f"uname: invalid option -- '{bad[0]}'\nTry 'uname --help' for more information.\n"
                )
                return 1
            flags += arg[1:]
        else:
            await inv.err.write(
                f"uname: extra operand {LQ}{arg}{RQ}\nTry 'uname --help' for more information.\n"
            )
            return 1
    await inv.out.write(inv.system.uname(flags or "s") + "\n")
    return 0


@command("arch")
async def cmd_arch(inv: Invocation) -> int:
    await inv.out.write(inv.system.persona.arch + "\n")
    return 0


@command("whoami")
async def cmd_whoami(inv: Invocation) -> int:
    await inv.out.write(inv.user.name + "\n")
    return 0


@command("logname")
async def cmd_logname(inv: Invocation) -> int:
    await inv.out.write(inv.shell.login.name + "\n")
    return 0


@command("id")
async def cmd_id(inv: Invocation) -> int:
    opts, names = getopt(inv.args)
    account = inv.system.accounts.get(names[0]) if names else inv.user
    if account is None:
        await inv.err.write(f"id: {LQ}{names[0]}{RQ}: no such user\n")
        return 1
    groups = account.groups or ((account.gid, account.name),)
    primary = next((n for g, n in groups if g == account.gid), account.name)
    if "u" in opts:
        await inv.out.write((account.name if "n" in opts else str(account.uid)) + "\n")
    elif "g" in opts:
        await inv.out.write((primary if "n" in opts else str(account.gid)) + "\n")
    elif "G" in opts:
        await inv.out.write(" ".join(n if "n" in opts else str(g) for g, n in groups) + "\n")
    else:
        text = f"uid={account.uid}({account.name}) gid={account.gid}({primary}) groups=" + ",".join(
            f"{g}({n})" for g, n in groups
        )
        if inv.system.family == "rhel" and not names and not inv.system.persona.distro.startswith("centos"):
            text += _SELINUX_CONTEXT
        await inv.out.write(text + "\n")
    return 0


@command("groups")
async def cmd_groups(inv: Invocation) -> int:
    account = inv.system.accounts.get(inv.args[0]) if inv.args else inv.user
    if account is None:
        await inv.err.write(f"groups: {LQ}{inv.args[0]}{RQ}: no such user\n")
        return 1
    names = " ".join(n for _, n in account.groups) or account.name
    await inv.out.write((f"{account.name} : {names}" if inv.args else names) + "\n")
    return 0


@command("hostname")
async def cmd_hostname(inv: Invocation) -> int:
    persona = inv.system.persona
    opts, args = getopt(inv.args)
    if args:
        if inv.user.uid != 0:
            await inv.err.write("hostname: you must be root to change the host name\n")
            return 1
        return 0
    if "I" in opts or "all-ip-addresses" in opts:
        await inv.out.write(f"{persona.ip} \n")
    elif "i" in opts:
        await inv.out.write(f"{persona.ip}\n")
    elif "s" in opts:
        await inv.out.write(inv.system.short_hostname + "\n")
    elif "f" in opts or "d" in opts:
        fqdn = persona.hostname
        await inv.out.write((fqdn.split(".", 1)[1] if "d" in opts and "." in fqdn else fqdn) + "\n")
    else:
        await inv.out.write(persona.hostname + "\n")
    return 0


@command("hostnamectl")
async def cmd_hostnamectl(inv: Invocation) -> int:
    system = inv.system
    persona = system.persona
    await inv.out.write(
        f" Static hostname: {persona.hostname}\n       Icon name: computer-vm\n         Chassis: vm\n"
        f"      Machine ID: {system.machine_id}\n  Virtualization: kvm\n"
        f"Operating System: {persona.distro_name}\n"
        f"          Kernel: Linux {persona.kernel}\n    Architecture: {persona.arch.replace('_', '-')}\n"
    )
    return 0


@command("lsb_release")
async def cmd_lsb_release(inv: Invocation) -> int:
    system = inv.system
    if system.family not in {"ubuntu", "debian", "kali"}:
        await inv.err.write(inv.shell.not_found("lsb_release"))
        return 127
    release = dict(line.split("=", 1) for line in system.os_release().splitlines() if "=" in line)
    distributor = {"ubuntu": "Ubuntu", "debian": "Debian", "kali": "Kali"}[system.family]
    version = release.get("VERSION_ID", "").strip('"')
    codename = release.get("VERSION_CODENAME", "n/a")
    rows = {
        "i": f"Distributor ID:\t{distributor}",
        "d": f"Description:\t{system.persona.distro_name}",
        "r": f"Release:\t{version}",
        "c": f"Codename:\t{codename}",
    }
    opts, _ = getopt(inv.args)
    chosen = "idrc" if "a" in opts or not opts.flags else "".join(c for c in "idrc" if c in opts)
    if "s" in opts:
        values = {"i": distributor, "d": system.persona.distro_name, "r": version, "c": codename}
        await inv.out.write("\n".join(values[c] for c in chosen if c in values) + "\n")
        return 0
    await inv.err.write("No LSB modules are available.\n")
    await inv.out.write("".join(rows[c] + "\n" for c in chosen))
    return 0


@command("uptime")
async def cmd_uptime(inv: Invocation) -> int:
    system = inv.system
    opts, _ = getopt(inv.args)
    if "s" in opts:
        await inv.out.write(f"{system.persona.booted_at:%Y-%m-%d %H:%M:%S}\n")
        return 0
    if "p" in opts:
        secs = int(system.uptime_seconds())
        weeks, secs = divmod(secs, 604800)
        days, secs = divmod(secs, 86400)
        hours, secs = divmod(secs, 3600)
        minutes = secs // 60
        parts = [
            f"{v} {u}{'s' if v != 1 else ''}"
            for v, u in ((weeks, "week"), (days, "day"), (hours, "hour"), (minutes, "minute"))
            if v
        ]
        await inv.out.write("up " + ", ".join(parts or ["0 minutes"]) + "\n")
        return 0
    await inv.out.write(system.uptime_text(users=1) + "\n")
    return 0


def _login_rows(inv: Invocation) -> list[tuple[str, str, str, str]]:
    shell = inv.shell
    return [(shell.login.name, shell.tty, shell.src_ip or "-", f"{shell.started:%H:%M}")]


@command("w")
async def cmd_w(inv: Invocation) -> int:
    opts, _ = getopt(inv.args)
    lines = []
    if inv.system.family == "freebsd":
        if "h" not in opts:
            lines += [inv.system.uptime_text(users=1), "USER       TTY      FROM    LOGIN@  IDLE WHAT"]
        for user, tty, src, when in _login_rows(inv):
            lines.append(f"{user[:10]:<10} {tty.removeprefix('pts/'):<8} {src[:16]:<7} {when:>6}     - w")
        await inv.out.write("\n".join(lines) + "\n")
        return 0
    if "h" not in opts:
        lines.append(inv.system.uptime_text(users=1))
        lines.append("USER     TTY      FROM             LOGIN@   IDLE   JCPU   PCPU WHAT")
    for user, tty, src, when in _login_rows(inv):
        lines.append(
            f"{user[:8]:<8} {tty:<8} {src[:16]:<16} {when:<7} {'0.00s':>6} {'0.02s':>6} {'0.00s':>6} w"
        )
    await inv.out.write("\n".join(lines) + "\n")
    return 0


@command("who")
async def cmd_who(inv: Invocation) -> int:
    if "-b" in inv.args:
        await inv.out.write(f"         system boot  {inv.system.persona.booted_at:%Y-%m-%d %H:%M}\n")
        return 0
    shell = inv.shell
    await inv.out.write(
        f"{shell.login.name:<8} {shell.tty:<12} {shell.started:%Y-%m-%d %H:%M} ({shell.src_ip})\n"
    )
    return 0


@command("users")
async def cmd_users(inv: Invocation) -> int:
    await inv.out.write(inv.shell.login.name + "\n")
    return 0


@command("last", "lastb")
async def cmd_last(inv: Invocation) -> int:
    system = inv.system
    shell = inv.shell
    if inv.name == "lastb" and inv.user.uid != 0:
        await inv.err.write("lastb: cannot open /var/log/btmp: Permission denied\n")
        return 1
    when, source = shell.last_login or (system.last_login_at, system.last_login_from)
    boot = system.persona.booted_at
    kernel = system.persona.kernel[:16]
    lines = [
        f"{shell.login.name:<8} {shell.tty:<12} {shell.src_ip[:16]:<16} {shell.started:%a %b %e %H:%M}"
        "   still logged in",
        f"{shell.login.name:<8} pts/0        {source[:16]:<16} {when:%a %b %e %H:%M} - "
        f"{when + timedelta(minutes=23):%H:%M}  (00:23)",
        f"{'reboot':<8} system boot  {kernel:<16} {boot:%a %b %e %H:%M}   still running",
        "",
        f"wtmp begins {boot - timedelta(days=3):%a %b %e %H:%M:%S %Y}",
    ]
    await inv.out.write("\n".join(lines) + "\n")
    return 0


@command("date")
async def cmd_date(inv: Invocation) -> int:
    now = inv.system.now()
    fmt = next((a[1:] for a in inv.args if a.startswith("+")), None)
    if fmt is None:
        await inv.out.write(f"{now:%a %b %e %H:%M:%S} UTC {now:%Y}\n")
        return 0
    try:
        text = now.strftime(fmt[:256].replace("%N", "000000000").replace("%s", str(int(now.timestamp()))))
    except ValueError:
        text = fmt
    await inv.out.write(text + "\n")
    return 0


@command("nproc")
async def cmd_nproc(inv: Invocation) -> int:
    await inv.out.write(f"{inv.system.persona.cpu_count}\n")
    return 0


@command("getconf")
async def cmd_getconf(inv: Invocation) -> int:
    values = {
        "LONG_BIT": "64",
        "_NPROCESSORS_ONLN": str(inv.system.persona.cpu_count),
        "PAGESIZE": "4096",
        "PAGE_SIZE": "4096",
        "_NPROCESSORS_CONF": str(inv.system.persona.cpu_count),
    }
    if not inv.args or inv.args[0] not in values:
        await inv.err.write(f"getconf: Unrecognized variable '{inv.args[0] if inv.args else ''}'\n")
        return 1
    await inv.out.write(values[inv.args[0]] + "\n")
    return 0


@command("lscpu")
async def cmd_lscpu(inv: Invocation) -> int:
    persona = inv.system.persona
    count = persona.cpu_count
    vendor = "AuthenticAMD" if "AMD" in persona.cpu_model.upper() else "GenuineIntel"
    rows = [
        ("Architecture:", persona.arch),
        ("CPU op-mode(s):", "32-bit, 64-bit"),
        ("Address sizes:", "46 bits physical, 48 bits virtual"),
        ("Byte Order:", "Little Endian"),
        ("CPU(s):", str(count)),
        ("On-line CPU(s) list:", f"0-{count - 1}" if count > 1 else "0"),
        ("Vendor ID:", vendor),
        ("Model name:", persona.cpu_model),
        ("Thread(s) per core:", "1"),
        ("Core(s) per socket:", str(count)),
        ("Socket(s):", "1"),
        ("BogoMIPS:", f"{inv.system.cpu_mhz() * 2:.2f}"),
        ("Hypervisor vendor:", "KVM"),
        ("Virtualization type:", "full"),
        ("L1d cache:", f"{32 * count} KiB ({count} instances)"),
        ("L2 cache:", f"{count} MiB ({count} instances)"),
        ("L3 cache:", "35.8 MiB (1 instance)"),
        ("NUMA node(s):", "1"),
        ("NUMA node0 CPU(s):", f"0-{count - 1}" if count > 1 else "0"),
    ]
    await inv.out.write("".join(f"{k:<33} {v}\n" for k, v in rows))
    return 0


@command("free")
async def cmd_free(inv: Invocation) -> int:
    opts, _ = getopt(inv.args)
    m = inv.system.mem_kb()
    used = m["Used"]
    cache = m["Buffers"] + m["Cached"] + m["SReclaimable"]
    rows: list[tuple[str, list[int]]] = [
        ("Mem:", [m["MemTotal"], used, m["MemFree"], m["Shmem"], cache, m["MemAvailable"]]),
        ("Swap:", [m["SwapTotal"], 0, m["SwapFree"]]),
    ]

    def fmt(kb: int) -> str:
        if "h" in opts:
            return "0B" if kb == 0 else human(kb * 1024, suffix="i")
        if "g" in opts:
            return str(kb // (1024 * 1024))
        if "m" in opts:
            return str(kb // 1024)
        if "b" in opts:
            return str(kb * 1024)
        return str(kb)

    lines = ["               total        used        free      shared  buff/cache   available"]
    for label, values in rows:
        lines.append(f"{label:<8}" + "".join(f"{fmt(v):>12}" for v in values))
    await inv.out.write("\n".join(lines) + "\n")
    return 0


@command("df")
async def cmd_df(inv: Invocation) -> int:
    opts, _ = getopt(inv.args, takes_value="tx")
    human_sizes = "h" in opts or "H" in opts
    show_type = "T" in opts
    family = inv.system.family
    if family in {"freebsd", "busybox"}:
        if family == "freebsd":
            header = [
                "Filesystem",
                "Size" if human_sizes else "1K-blocks",
                "Used",
                "Avail",
                "Capacity",
                "Mounted on",
            ]
        else:
            header = [
                "Filesystem",
                "Size" if human_sizes else "1K-blocks",
                "Used",
                "Available",
                "Use%",
                "Mounted on",
            ]
        rows = [header]
        for device, _fstype, size, used, mount in inv.system.filesystems():
            pct = f"{round(100 * used / max(1, size))}%"
            cells = [human(v * 1024) if human_sizes else str(v) for v in (size, used, max(0, size - used))]
            rows.append([device, *cells, pct, mount])
        first = max(20 if family == "busybox" else 18, *(len(r[0]) for r in rows))
        widths = [max(len(r[i]) for r in rows) + 1 for i in range(1, 5)]
        out = [
            r[0].ljust(first) + "".join(c.rjust(w) for c, w in zip(r[1:5], widths, strict=True)) + "  " + r[5]
            for r in rows
        ]
        await inv.out.write("\n".join(out) + "\n")
        return 0
    header = [
        "Filesystem",
        *(["Type"] if show_type else []),
        "Size" if human_sizes else "1K-blocks",
        "Used",
        "Avail" if human_sizes else "Available",
        "Use%",
        "Mounted on",
    ]
    rows = [header]
    for device, fstype, size, used, mount in inv.system.filesystems():
        avail = max(0, size - used)
        pct = f"{-(-100 * used // max(1, size))}%" if used else "0%"
        if human_sizes:
            cells = [
                human(size * 1024) if size else "0",
                human(used * 1024) if used else "0",
                human(avail * 1024) if avail else "0",
            ]
        else:
            cells = [str(size), str(used), str(avail)]
        rows.append([device, *([fstype] if show_type else []), *cells, pct, mount])
    minimum = [14, *([4] if show_type else []), 5 if human_sizes else 9, 5, 5 if human_sizes else 9, 4]
    widths = [max(minimum[i], *(len(row[i]) for row in rows)) for i in range(len(minimum))]
    lines = []
    for row in rows:
        cells = [row[0].ljust(widths[0])]
        if show_type:
            cells.append(row[1].ljust(widths[1]))
        cells += [cell.rjust(widths[i]) for i, cell in enumerate(row[len(cells) : -1], start=len(cells))]
        lines.append(" ".join(cells) + " " + row[-1])
    await inv.out.write("\n".join(lines) + "\n")
    return 0


@command("mount")
async def cmd_mount(inv: Invocation) -> int:
    if inv.args:
        await inv.err.write("mount: only root can do that.\n" if inv.user.uid else "")
        return 32 if inv.user.uid else 0
    lines = [f"{d} on {m} type {t} (rw,relatime)" for d, t, _s, _u, m in inv.system.filesystems()]
    await inv.out.write(
        "\n".join(
            [
                "sysfs on /sys type sysfs (rw,nosuid,nodev,noexec,relatime)",
                "proc on /proc type proc (rw,nosuid,nodev,noexec,relatime)",
                *lines,
            ]
        )
        + "\n"
    )
    return 0


@command("lsblk")
async def cmd_lsblk(inv: Invocation) -> int:
    size = inv.system.disk_gb
    await inv.out.write(
        "NAME   MAJ:MIN RM  SIZE RO TYPE MOUNTPOINTS\n"
        f"sda      8:0    0 {size:>3}G  0 disk \n"
        f"├─sda1   8:1    0 {size - 1:>3}G  0 part /\n"
        "└─sda15  8:15   0  106M  0 part /boot/efi\n"
        "sr0     11:0    1 1024M  0 rom  \n"
    )
    return 0


# ---------------------------------------------------------------------- processes


def _procs(inv: Invocation) -> list[Proc]:
    shell = inv.shell
    procs = inv.system.processes(shell.login.name, shell.tty, shell.pid, shell.src_ip)
    for account in shell.users[1:]:
        procs.append(
            Proc(
                procs[-1].pid + 3,
                procs[-1].pid,
                account.name,
                "-bash",
                8800,
                5400,
                "S",
                shell.tty,
                inv.system.now(),
            )
        )
    return procs


def _start(inv: Invocation, proc: Proc) -> str:
    started = proc.started or inv.system.persona.booted_at
    if inv.system.now() - started > timedelta(hours=24):
        return f"{started:%b}{started.day:02d}"
    return f"{started:%H:%M}"


@command("ps")
async def cmd_ps(inv: Invocation) -> int:
    args = " ".join(inv.args)
    procs = _procs(inv)
    me = procs[-1]
    mem_total = inv.system.persona.mem_total_kb or 1
    ps_pid = me.pid + 7
    ps_name = "ps " + args if args else "ps"
    width = inv.shell.width if not inv.out.captured and inv.shell.interactive and "w" not in args else 100_000
    family = inv.system.family
    if family == "busybox":
        lines = ["  PID USER       VSZ STAT COMMAND"]
        for proc in [*procs, Proc(ps_pid, me.pid, inv.user.name, ps_name, 1536, 640, "R", me.tty)]:
            lines.append(
                f"{proc.pid:>5} {proc.user[:8]:<8} {proc.vsz // 8:>5} {proc.stat[:1]:<4} {proc.command}"
            )
        await inv.out.write("\n".join(line[:width] for line in lines) + "\n")
        return 0
    if family == "freebsd":
        lines = ["USER   PID %CPU %MEM   VSZ  RSS TT  STAT STARTED    TIME COMMAND"]
        for proc in [
            *procs,
            Proc(ps_pid, me.pid, inv.user.name, ps_name, 13572, 2808, "R+", me.tty, inv.system.now()),
        ]:
            tt = proc.tty.removeprefix("pts/") if proc.tty != "?" else "-"
            mem = 100.0 * proc.rss / mem_total
            lines.append(
                f"{proc.user[:6]:<6} {proc.pid:>4} {0.0:>4.1f} {mem:>4.1f} {proc.vsz:>5} {proc.rss:>4} "
                f"{tt:<3} {proc.stat:<4} {_start(inv, proc):>7} {proc.cpu_time_s // 60:>4}:"
                f"{proc.cpu_time_s % 60:02d}.00 {proc.command}"
            )
        await inv.out.write("\n".join(line[:width] for line in lines) + "\n")
        return 0
    if ("a" in args and "u" in args and "x" in args) or args in {"aux", "-aux", "auxf", "auxww"}:
        lines = ["USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND"]
        for proc in [
            *procs,
            Proc(ps_pid, me.pid, inv.user.name, ps_name, 10072, 3536, "R+", me.tty, inv.system.now()),
        ]:
            user = proc.user if len(proc.user) <= 8 else proc.user[:7] + "+"
            mem = 100.0 * proc.rss / mem_total
            line = (
                f"{user:<8} {proc.pid:>7} {0.0:>4.1f} {mem:>4.1f} {proc.vsz:>6} {proc.rss:>5} {proc.tty:<8} "
                f"{proc.stat:<4} {_start(inv, proc):>5} "
                f"{proc.cpu_time_s // 60:>3}:{proc.cpu_time_s % 60:02d} "
                f"{proc.command}"
            )
            lines.append(line[:width])
        await inv.out.write("\n".join(lines) + "\n")
        return 0
    if "-e" in args or "-A" in args:
        full = "f" in args
        lines = [
            "UID          PID    PPID  C STIME TTY          TIME CMD"
            if full
            else "    PID TTY          TIME CMD"
        ]
        for proc in [
            *procs,
            Proc(ps_pid, me.pid, inv.user.name, ps_name, 10072, 3536, "R+", me.tty, inv.system.now()),
        ]:
            cpu = f"{proc.cpu_time_s // 3600:02d}:{proc.cpu_time_s // 60 % 60:02d}:{proc.cpu_time_s % 60:02d}"
            if full:
                user = proc.user if len(proc.user) <= 8 else proc.user[:7] + "+"
                line = (
                    f"{user:<8} {proc.pid:>7} {proc.ppid:>7} {0:>2} {_start(inv, proc):<5} "
                    f"{proc.tty:<8} {cpu} "
                    f"{proc.command}"
                )
            else:
                name = proc.command.split()[0].rsplit("/", 1)[-1].lstrip("-").rstrip(":")
                line = f"{proc.pid:>7} {proc.tty:<8} {cpu} {name}"
            lines.append(line[:width])
        await inv.out.write("\n".join(lines) + "\n")
        return 0
    shell_name = me.command.lstrip("-")
    await inv.out.write(
        f"    PID TTY          TIME CMD\n{me.pid:>7} {me.tty:<8} 00:00:00 {shell_name}\n"
        f"{ps_pid:>7} {me.tty:<8} 00:00:00 ps\n"
    )
    return 0


@command("top", "htop")
async def cmd_top(inv: Invocation) -> int:
    system = inv.system
    procs = _procs(inv)
    m = system.mem_kb()
    cache = m["Buffers"] + m["Cached"] + m["SReclaimable"]
    lines = [
        f"top - {system.uptime_text(1)[1:]}",
        f"Tasks: {len(procs) + 80:>3} total,   1 running, {len(procs) + 79:>3} sleeping,"
        "   0 stopped,   0 zombie",
        "%Cpu(s):  0.3 us,  0.2 sy,  0.0 ni, 99.5 id,  0.0 wa,  0.0 hi,  0.0 si,  0.0 st",
        f"MiB Mem : {m['MemTotal'] / 1024:8.1f} total, {m['MemFree'] / 1024:8.1f} free, "
        f"{m['Used'] / 1024:8.1f} used, "
        f"{cache / 1024:8.1f} buff/cache",
        f"MiB Swap: {m['SwapTotal'] / 1024:8.1f} total, {m['SwapFree'] / 1024:8.1f} free, {0.0:8.1f} used. "
        f"{m['MemAvailable'] / 1024:8.1f} avail Mem",
        "",
        "    PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND",
    ]
    for proc in procs[:20]:
        name = proc.command.split()[0].rsplit("/", 1)[-1].strip("[]-:")
        lines.append(
            f"{proc.pid:>7} {proc.user[:8]:<8}  20   0 {proc.vsz:>7} {proc.rss:>6} {proc.rss // 2:>6} S "
            f"{0.0:>5.1f} {100.0 * proc.rss / max(1, m['MemTotal']):>5.1f} "
            f"{proc.cpu_time_s // 60:>3}:{proc.cpu_time_s % 60:02d}.{proc.pid % 100:02d} {name}"
        )
    await inv.out.write("\n".join(lines) + "\n")
    if (
        inv.shell.interactive
        and not inv.out.captured
        and "-b" not in inv.args
        and "-n" not in " ".join(inv.args)
    ):
        await asyncio.sleep(3)
    return 0


# ---------------------------------------------------------------------- network


@command("ip")
async def cmd_ip(inv: Invocation) -> int:
    system = inv.system
    args = [a for a in inv.args if not a.startswith("-")]
    obj = args[0] if args else ""
    iface = system.interface()
    mac = system.persona.mac.lower()
    if obj in {"a", "ad", "addr", "address"} or (obj and "address".startswith(obj) and len(obj) > 1):
        net = iface.network
        broadcast = f" brd {net.broadcast_address}" if iface.version == 4 else ""
        family = "inet" if iface.version == 4 else "inet6"
        await inv.out.write(
            "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000\n"
            "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
            "    inet 127.0.0.1/8 scope host lo\n       valid_lft forever preferred_lft forever\n"
            "    inet6 ::1/128 scope host \n       valid_lft forever preferred_lft forever\n"
            "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP group default qlen 1000\n"
            f"    link/ether {mac} brd ff:ff:ff:ff:ff:ff\n"
            f"    {family} {iface.with_prefixlen}{broadcast} scope global eth0\n"
            "       valid_lft forever preferred_lft forever\n"
            f"    inet6 {system.link_local()}/64 scope link \n"
            "       valid_lft forever preferred_lft forever\n"
        )
        return 0
    if obj in {"r", "ro", "route"}:
        await inv.out.write(
            f"default via {system.gateway()} dev eth0 proto static \n"
            f"{iface.network} dev eth0 proto kernel scope link src {iface.ip} \n"
        )
        return 0
    if obj in {"l", "link"}:
        await inv.out.write(
            "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default "
            "qlen "
            "1000\n    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
            "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP mode DEFAULT group "
            "default "
            f"qlen 1000\n    link/ether {mac} brd ff:ff:ff:ff:ff:ff\n"
        )
        return 0
    if obj in {"n", "neigh", "neighbour"}:
        await inv.out.write(f"{system.gateway()} dev eth0 lladdr 00:1a:2b:3c:4d:5e REACHABLE\n")
        return 0
    await inv.err.write(
        "Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }\n"
        "where  OBJECT := { address | link | neigh | route | rule | tunnel | ... }\n"
    )
    return 255 if obj else 1


@command("ifconfig")
async def cmd_ifconfig(inv: Invocation) -> int:
    system = inv.system
    iface = system.interface()
    rx_p, rx_b, tx_p, tx_b = system.traffic()
    mac = system.persona.mac.lower()
    if system.family == "freebsd":
        await inv.out.write(
            "em0: flags=1008843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST,LOWER_UP> metric 0 mtu 1500\n"
            "\toptions=4e504bb<RXCSUM,TXCSUM,VLAN_MTU,VLAN_HWTAGGING,JUMBO_MTU,VLAN_HWCSUM,LRO,VLAN_HWFILTER,"
            "VLAN_HWTSO,RXCSUM_IPV6,TXCSUM_IPV6,HWSTATS,MEXTPG>\n"
            f"\tether {mac}\n\tinet {iface.ip} netmask 0x{int(iface.netmask):08x} broadcast "
            f"{iface.network.broadcast_address}\n"
            f"\tinet6 {system.link_local()}%em0 prefixlen 64 scopeid 0x1\n"
            "\tmedia: Ethernet autoselect (1000baseT <full-duplex>)\n\tstatus: active\n"
            "\tnd6 options=29<PERFORMNUD,IFDISABLED,AUTO_LINKLOCAL>\n"
            "lo0: flags=1008049<UP,LOOPBACK,RUNNING,MULTICAST,LOWER_UP> metric 0 mtu 16384\n"
            "\toptions=680003<RXCSUM,TXCSUM,LINKSTATE,RXCSUM_IPV6,TXCSUM_IPV6>\n"
            "\tinet 127.0.0.1 netmask 0xff000000\n\tinet6 ::1 prefixlen 128\n"
            "\tinet6 fe80::1%lo0 prefixlen 64 scopeid 0x2\n\tgroups: lo\n"
            "\tnd6 options=21<PERFORMNUD,AUTO_LINKLOCAL>\n"
        )
        return 0
    if system.busybox:

        def mib(value: int) -> str:
            return human(value, suffix="iB").replace("KiB", "KiB")

        await inv.out.write(
            f"eth0      Link encap:Ethernet  HWaddr {mac.upper()}  \n"
            f"          inet addr:{iface.ip}  Bcast:{iface.network.broadcast_address}  Mask:{iface.netmask}\n"
            f"          inet6 addr: {system.link_local()}/64 Scope:Link\n"
            "          UP BROADCAST RUNNING MULTICAST  MTU:1500  Metric:1\n"
            f"          RX packets:{rx_p} errors:0 dropped:0 overruns:0 frame:0\n"
            f"          TX packets:{tx_p} errors:0 dropped:0 overruns:0 carrier:0\n"
            "          collisions:0 txqueuelen:1000 \n"
            f"          RX bytes:{rx_b} ({mib(rx_b)})  TX bytes:{tx_b} ({mib(tx_b)})\n\n"
            "lo        Link encap:Local Loopback  \n          inet addr:127.0.0.1  Mask:255.0.0.0\n"
            "          inet6 addr: ::1/128 Scope:Host\n          UP LOOPBACK RUNNING  MTU:65536  Metric:1\n"
            f"          RX packets:{rx_p // 97} errors:0 dropped:0 overruns:0 frame:0\n"
            f"          TX packets:{rx_p // 97} errors:0 dropped:0 overruns:0 carrier:0\n"
            "          collisions:0 txqueuelen:1000 \n"
            f"          RX bytes:{rx_b // 130} ({mib(rx_b // 130)})  TX bytes:{rx_b // 130} "
            f"({mib(rx_b // 130)})\n\n"
        )
        return 0
    mask = iface.netmask
    broadcast = iface.network.broadcast_address if iface.version == 4 else ""

    def amount(value: int) -> str:
        return f"({human(value, si=True)}B)".replace("KB", "KB").replace(".0", ".0")

    await inv.out.write(
        "eth0: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 1500\n"
        f"        inet {iface.ip}  netmask {mask}  broadcast {broadcast}\n"
        f"        inet6 {system.link_local()}  prefixlen 64  scopeid 0x20<link>\n"
        f"        ether {system.persona.mac.lower()}  txqueuelen 1000  (Ethernet)\n"
        f"        RX packets {rx_p}  bytes {rx_b} {amount(rx_b)}\n"
        "        RX errors 0  dropped 0  overruns 0  frame 0\n"
        f"        TX packets {tx_p}  bytes {tx_b} {amount(tx_b)}\n"
        "        TX errors 0  dropped 0 overruns 0  carrier 0  collisions 0\n\n"
        "lo: flags=73<UP,LOOPBACK,RUNNING>  mtu 65536\n"
        "        inet 127.0.0.1  netmask 255.0.0.0\n"
        "        inet6 ::1  prefixlen 128  scopeid 0x10<host>\n"
        "        loop  txqueuelen 1000  (Local Loopback)\n"
        f"        RX packets {rx_p // 97}  bytes {rx_b // 130} {amount(rx_b // 130)}\n"
        "        RX errors 0  dropped 0  overruns 0  frame 0\n"
        f"        TX packets {rx_p // 97}  bytes {rx_b // 130} {amount(rx_b // 130)}\n"
        "        TX errors 0  dropped 0 overruns 0  carrier 0  collisions 0\n\n"
    )
    return 0


@command("route")
async def cmd_route(inv: Invocation) -> int:
    system = inv.system
    iface = system.interface()
    anywhere = ".".join("0" * 4)
    rows = [
        (anywhere, system.gateway(), anywhere, "UG"),
        (str(iface.network.network_address), anywhere, str(iface.netmask), "U "),
    ]
    lines = [
        "Kernel IP routing table",
        "Destination     Gateway         Genmask         Flags Metric Ref    Use Iface",
    ]
    lines += [f"{d:<15} {g:<15} {m:<15} {f}    100    0        0 eth0" for d, g, m, f in rows]
    await inv.out.write("\n".join(lines) + "\n")
    return 0


@command("netstat", "ss")
async def cmd_netstat(inv: Invocation) -> int:
    shell = inv.shell
    ip = str(inv.system.interface().ip)
    resolver = inv.system.family == "ubuntu"
    if inv.name == "ss":
        lines = ["Netid State  Recv-Q Send-Q Local Address:Port  Peer Address:Port Process"]
        if resolver:
            lines.append("udp   UNCONN 0      0      127.0.0.53%lo:53        0.0.0.0:*")
            lines.append("tcp   LISTEN 0      4096   127.0.0.53%lo:53        0.0.0.0:*")
        lines.append("tcp   LISTEN 0      128          0.0.0.0:22         0.0.0.0:*")
        lines.append(f"tcp   ESTAB  0      36      {ip}:22   {shell.src_ip}:{shell.src_port}")
        lines.append("tcp   LISTEN 0      128             [::]:22            [::]:*")
    else:
        lines = [
            "Active Internet connections (servers and established)",
            "Proto Recv-Q Send-Q Local Address           Foreign Address         State",
        ]
        if resolver:
            lines.append("tcp        0      0 127.0.0.53:53           0.0.0.0:*               LISTEN")
        lines.append("tcp        0      0 0.0.0.0:22              0.0.0.0:*               LISTEN")
        lines.append(
            f"tcp        0     36 {ip + ':22':<23} {shell.src_ip + ':' + str(shell.src_port):<23} ESTABLISHED"
        )
        lines.append("tcp6       0      0 :::22                   :::*                    LISTEN")
    await inv.out.write("\n".join(lines) + "\n")
    return 0


# ---------------------------------------------------------------------- FreeBSD


@command("sysctl")
async def cmd_sysctl(inv: Invocation) -> int:
    system = inv.system
    persona = system.persona
    if system.family != "freebsd":
        return 0
    mem = persona.mem_total_kb * 1024
    boot = int(persona.booted_at.timestamp())
    values = {
        "hw.model": persona.cpu_model,
        "hw.ncpu": str(persona.cpu_count),
        "hw.physmem": str(mem),
        "hw.realmem": str(mem + 16 * 1024 * 1024),
        "hw.machine": persona.arch,
        "hw.machine_arch": persona.arch,
        "kern.hostname": persona.hostname,
        "kern.ostype": "FreeBSD",
        "kern.osrelease": persona.kernel,
        "kern.version": f"FreeBSD {persona.kernel} GENERIC",
        "kern.boottime": f"{{ sec = {boot}, usec = 0 }} {persona.booted_at:%a %b %e %H:%M:%S %Y}",
        "vm.loadavg": "{ " + " ".join(f"{v:.2f}" for v in system.loadavg()) + " }",
    }
    opts, names = getopt(inv.args)
    if "a" in opts or not names:
        names = list(values)
    status = 0
    for name in names:
        if name not in values:
            await inv.err.write(f"sysctl: unknown oid '{name}'\n")
            status = 1
            continue
        await inv.out.write((values[name] if "n" in opts else f"{name}: {values[name]}") + "\n")
    return status


@command("freebsd-version")
async def cmd_freebsd_version(inv: Invocation) -> int:
    kernel = inv.system.persona.kernel
    await inv.out.write(kernel + "\n")  # userland, kernel (-k) and running (-r) versions agree
    return 0


@command("sockstat")
async def cmd_sockstat(inv: Invocation) -> int:
    shell = inv.shell
    ip = str(inv.system.interface().ip)
    await inv.out.write(
        "USER     COMMAND    PID   FD  PROTO  LOCAL ADDRESS         FOREIGN ADDRESS      \n"
        f"root     sshd       {shell.pid - 2:<5} 4   tcp4   {ip}:22{'':<7} {shell.src_ip}:{shell.src_port}\n"
        f"root     sshd       {inv.system.pid_base + 40:<5} 4   tcp4   *:22                  *:*\n"
    )
    return 0
