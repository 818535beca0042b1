"""SEC001 (手册中不得写入口令、私钥和访问密钥): fires on credentials in registers, front matter and text;
quiet on the sample, on how a password is kept, and where a reviewer marked a false positive."""

import pytest

from checks.rules.secrets import find
from conftest import findings, fired, line_of

POSITIONS = "registers/positions.yaml"
DOC = "docs/technical/network-topology.md"


def test_quiet_on_sample(sample_result):
    assert fired(sample_result, "SEC001") == []


@pytest.mark.parametrize("text,kind", [
    ("-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\n-----END RSA PRIVATE KEY-----", "私钥"),
    ("AKIAIOSFODNN7EXAMPLE", "AWS 访问密钥"),
    ("ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8", "GitHub 令牌"),
    ("glpat-" + "xY3kLm9PqR2sT5vW8zA1", "GitLab 令牌"),
    ("jdbc 见 https://admin:S3cr3tPw@10.1.2.3/db", "含口令的网址"),
    ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", "JWT"),
    ("交易库管理员口令为：Mc@2026trade", "口令"),
    ("备份服务器 root 密码: Zx9!pQ2w7", "口令"),
    ("db_password = 'Kq8#mW2zLp'", "口令"),
])
def test_find_names_the_kind_of_credential(text, kind):
    assert any(kind in found for found in find(text)), find(text)


@pytest.mark.parametrize("text", [
    "口令长度不少于 12 位并定期更换；超级用户口令分段保管、密封存放于保密柜",
    "本地管理员口令由安全管理员封存。",
    "数据库口令：由安全管理员封存",
    "password: ${DB_PASSWORD}",
    "password: ********",
    "api_key: <填写后勿提交>",
    "磁带加密；专用密码箱，两名运维人员押运",
    "序列号 SN-2026-000123-ABCDEF，机柜 A-03-12",
])
def test_find_stays_quiet_on_text_about_passwords(text):
    assert find(text) == []


def test_a_key_that_names_a_password_is_context_for_its_value():
    assert find("Mc2026!trade", key="admin_password") == ["口令"]
    assert find("由安全管理员封存于保密柜", key="admin_password") == []
    assert find("Mc2026!trade", key="note") == []


def test_sec001_fires_on_a_password_in_a_register_value(ws):
    ws.replace(POSITIONS, "duties: [机房环境与动力设施巡检,", "duties: [动环监控口令为 Mc@2026trade,")
    found = findings(ws, "SEC001")
    assert [(f.file, f.line) for f in found] == [(POSITIONS, line_of(ws, POSITIONS, "动环监控口令为"))]
    assert "positions.0.duties.0" in found[0].message and "口令" in found[0].message
    assert "Mc@2026trade" not in found[0].message  # the finding never repeats the secret


def test_sec001_fires_on_a_private_key_in_a_document_and_in_front_matter(ws):
    ws.replace(DOC, "- 设备登录一律通过堡垒机", "-----BEGIN OPENSSH PRIVATE KEY-----\n\n- 设备登录一律通过堡垒机")
    ws.replace(DOC, "title: ", "title: AKIAIOSFODNN7EXAMPLE ")
    found = findings(ws, "SEC001")
    assert sorted(f.line for f in found) == [line_of(ws, DOC, "title:"), line_of(ws, DOC, "BEGIN OPENSSH")]
    assert {("私钥" in f.message or "AWS" in f.message) for f in found} == {True}


def test_sec001_a_reviewed_false_positive_is_marked_with_detect_secrets_comment(ws):
    ws.replace(POSITIONS, "duties: [机房环境与动力设施巡检,", "duties: [示例口令为 Example123,  # pragma: allowlist secret\n")
    ws.replace(POSITIONS, "duties: [示例口令为 Example123,  # pragma: allowlist secret\n",
               "duties: [示例口令为 Example123,  # pragma: allowlist secret\n      ")
    assert findings(ws, "SEC001") == []
    ws.replace(DOC, "- 设备登录一律通过堡垒机", "<!-- pragma: allowlist nextline secret -->\nhttps://demo:Example123@db.example/\n\n- 设备登录一律通过堡垒机")
    assert findings(ws, "SEC001") == []
    ws.replace(DOC, "<!-- pragma: allowlist nextline secret -->\n", "")
    assert len(findings(ws, "SEC001")) == 1
