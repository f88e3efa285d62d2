"""The INI example of each service's doc page validates against that service's config."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

import pytest

import decnet.services.builtin  # noqa: F401 - registers the built-in services
from decnet.services.base import parse_config
from decnet.services.registry import get_service

DOCS = Path(__file__).resolve().parents[4] / "docs" / "services"
SLUGS = ("mysql", "postgres", "mssql", "mongodb", "redis", "elasticsearch", "k8s", "docker_api")


@pytest.mark.parametrize("slug", SLUGS)
def test_doc_example_is_valid(slug: str) -> None:
    text = (DOCS / f"{slug}.md").read_text()
    block = re.search(r"```ini\n(.*?)```", text, re.S)
    assert block is not None, f"{slug}.md has no INI example"
    parser = configparser.ConfigParser(inline_comment_prefixes=(";",))
    parser.read_string(block.group(1))
    [section] = parser.sections()
    assert section.endswith(f".{slug}")
    cls = get_service(slug)
    config = parse_config(slug, cls.config_model, dict(parser.items(section)))
    assert isinstance(config, cls.config_model)


def test_string_port_lists_are_accepted() -> None:
    cls = get_service("k8s")
    config = parse_config("k8s", cls.config_model, {"tls_ports": "6443, 8443", "open_ports": "8080"})
    assert config.tls_ports == (6443, 8443)  # type: ignore[attr-defined]
    assert config.open_ports == (8080,)  # type: ignore[attr-defined]
