"""``opsbook serve`` (what ``make serve`` runs): edit a file while it runs; the next request shows the change."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from sitekit import copy_sample

pytestmark = pytest.mark.site


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=120) as response:
        return response.read().decode("utf-8")


def test_serve_rebuilds_on_every_change(tmp_path):
    root = copy_sample(tmp_path / "h")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "checks", "--root", str(root), "serve", "--as-of", "2026-11-21",
                             "--dev-addr", f"127.0.0.1:{port}"], stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        deadline = time.time() + 120
        for line in proc.stderr:
            if "预览地址" in line or time.time() > deadline:
                break
        url = f"http://127.0.0.1:{port}/policies/pol-08-duty.html"
        assert "值班管理制度" in get(url)
        doc = root / "docs" / "policies" / "pol-08-duty.md"
        doc.write_text(doc.read_text(encoding="utf-8").replace("\n# ", "\n编辑后的第一段：服务运行中修改。\n\n# ", 1),
                       encoding="utf-8")
        assert "服务运行中修改" in get(url)  # the request waits for the rebuild
        (root / "mkdocs.yml").write_text((root / "mkdocs.yml").read_text(encoding="utf-8")
                                         .replace("site_name: 信息技术运维手册", "site_name: 改名后的手册"), encoding="utf-8")
        staff = root / "registers" / "staff.yaml"
        staff.write_text(staff.read_text(encoding="utf-8").replace("周明远", "周明远甲", 1), encoding="utf-8")
        assert "改名后的手册" in get(f"http://127.0.0.1:{port}/index.html")  # one rebuild for both changes
        assert "周明远甲" in get(f"http://127.0.0.1:{port}/registers/staff.html")
        assert proc.poll() is None
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
