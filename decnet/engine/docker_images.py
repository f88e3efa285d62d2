"""Local images for the docker backend, built without any registry.

- ``decnet/base:bookworm``: a Debian bookworm root filesystem made with ``debootstrap``
  (minbase + python3) and loaded with ``docker import``.
- ``decnet/decky:<version>-<source digest>``: the base plus a virtualenv at ``/opt/decnet`` holding the
  decky runtime, installed offline from a wheelhouse prepared on the host with pip.
"""

from __future__ import annotations

import hashlib
import io
import logging
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from decnet import __version__
from decnet.engine.base import BackendError, BackendUnavailable

log = logging.getLogger("decnet.engine.docker")

BASE_IMAGE = "decnet/base:bookworm"
DECKY_REPOSITORY = "decnet/decky"
OWNER_LABEL = "decnet.owned"
DEBIAN_MIRROR = "http://deb.debian.org/debian"

#: What the decky runtime imports (not the workers', web's or Ray's dependencies).
RUNTIME_REQUIREMENTS = ("pydantic>=2.9,<3", "pydantic-settings>=2.6,<3", "asyncssh>=2.17,<3", "cryptography")

_DOCKERFILE = f"""\
FROM {BASE_IMAGE}
COPY wheels /tmp/wheels
RUN python3 -m venv /opt/decnet \\
 && /opt/decnet/bin/pip install --no-index --find-links /tmp/wheels --quiet \\
      {" ".join(f"'{r}'" for r in RUNTIME_REQUIREMENTS)} \\
 && /opt/decnet/bin/pip install --no-index --no-deps --find-links /tmp/wheels --quiet decnet \\
 && rm -rf /tmp/wheels /root/.cache \\
 && useradd --system --no-create-home --shell /usr/sbin/nologin decky
ENV PATH=/opt/decnet/bin:$PATH PYTHONDONTWRITEBYTECODE=1
LABEL {OWNER_LABEL}=1
ENTRYPOINT ["/opt/decnet/bin/python", "-m", "decnet.decky"]
"""


def source_digest(project_root: Path) -> str:
    """A short digest of the decnet sources, so an image is rebuilt whenever the code changes."""
    digest = hashlib.sha256()
    for path in sorted((project_root / "decnet").rglob("*.py")):
        digest.update(path.relative_to(project_root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def decky_image(project_root: Path) -> str:
    """Tag of the decky image for these sources: ``decnet/decky:<version>-<digest>``."""
    return f"{DECKY_REPOSITORY}:{__version__}-{source_digest(project_root)}"


def _client() -> Any:
    try:
        import docker
    except ImportError as exc:  # pragma: no cover - docker is a declared dependency
        raise BackendUnavailable("the docker Python SDK is not installed") from exc
    try:
        client = docker.from_env()
        client.ping()
    except Exception as exc:
        raise BackendUnavailable(
            f"no usable Docker engine ({exc}); start dockerd, "
            "or use --backend netns (root) or --backend local"
        ) from exc
    return client


def image_exists(client: Any, tag: str) -> bool:
    """True if ``tag`` is present in the local engine."""
    import docker.errors

    try:
        client.images.get(tag)
    except docker.errors.ImageNotFound:
        return False
    return True


def build_base_image(client: Any, cache_dir: Path, mirror: str = DEBIAN_MIRROR) -> None:
    """debootstrap bookworm (minbase + python3) into ``cache_dir`` and ``docker import`` it."""
    debootstrap = shutil.which("debootstrap")
    if debootstrap is None:
        raise BackendUnavailable("building the base image needs debootstrap (apt-get install debootstrap)")
    rootfs = cache_dir / "rootfs-bookworm"
    if not (rootfs / "usr" / "bin" / "python3").exists():
        if rootfs.exists():
            shutil.rmtree(rootfs)
        cache_dir.mkdir(parents=True, exist_ok=True)
        log.info("debootstrapping bookworm into %s (a few minutes, once)", rootfs)
        proc = subprocess.run(  # noqa: S603 - argument list
            [
                debootstrap,
                "--variant=minbase",
                "--include=python3,python3-venv,ca-certificates",
                "bookworm",
                str(rootfs),
                mirror,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise BackendError(f"debootstrap failed: {proc.stderr.strip()[-2000:]}")
    archive = cache_dir / "rootfs-bookworm.tar"
    with tarfile.open(archive, "w") as tar:
        tar.add(rootfs, arcname=".")
    try:
        client.api.import_image_from_file(str(archive), repository=BASE_IMAGE.split(":")[0], tag="bookworm")
    finally:
        archive.unlink(missing_ok=True)
    log.info("imported %s", BASE_IMAGE)


def _wheelhouse(target: Path, project_root: Path) -> None:
    """Wheels of the decky runtime's requirements and of decnet itself, for an offline install."""
    pip = [sys.executable, "-m", "pip"]
    # Build decnet's wheel from a clean copy (no stale build/ directory, nothing but the package).
    source = target.parent / "source"
    shutil.copytree(
        project_root / "decnet", source / "decnet", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(project_root / name, source / name)
    for command in (
        [*pip, "download", "--quiet", "--only-binary=:all:", "-d", str(target), *RUNTIME_REQUIREMENTS],
        [*pip, "wheel", "--quiet", "--no-deps", "-w", str(target), str(source)],
    ):
        proc = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        if proc.returncode != 0:
            raise BackendError(f"preparing wheels failed: {proc.stderr.strip()[-2000:]}")


def build_decky_image(client: Any, project_root: Path, tag: str | None = None) -> None:
    """Build the decky image (``tag``, default :func:`decky_image`) from the current source tree."""
    tag = tag or decky_image(project_root)
    with tempfile.TemporaryDirectory(prefix="decnet-image-") as tmp:
        context = Path(tmp)
        _wheelhouse(context / "wheels", project_root)
        (context / "Dockerfile").write_text(_DOCKERFILE)
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as archive:
            archive.add(context, arcname=".")
        buffer.seek(0)
        try:
            client.images.build(
                fileobj=buffer, custom_context=True, tag=tag, rm=True, labels={OWNER_LABEL: "1"}
            )
        except Exception as exc:
            raise BackendError(f"building {tag} failed: {exc}") from exc
    _remove_stale_decky_images(client, keep=tag)


def _remove_stale_decky_images(client: Any, keep: str) -> None:
    """Drop decky images of older sources (those still used by a container stay)."""
    import docker.errors

    for image in client.images.list(name=DECKY_REPOSITORY):
        if keep in image.tags:
            continue
        for old in image.tags:
            try:
                client.images.remove(old)
            except docker.errors.APIError as exc:
                log.debug("keeping %s: %s", old, exc)


def ensure_images(cache_dir: Path, project_root: Path, rebuild: bool = False) -> tuple[Any, str]:
    """Make sure both images exist (building what is missing); return the client and the decky tag."""
    client = _client()
    tag = decky_image(project_root)  # computed once: the tag that is built is the one that is run
    if rebuild or not image_exists(client, BASE_IMAGE):
        build_base_image(client, cache_dir)
    if rebuild or not image_exists(client, tag):
        build_decky_image(client, project_root, tag)
    return client, tag
