"""运维组织 rules: each fires on a broken copy and stays quiet on the sample."""

from conftest import fired


def test_quiet_on_sample(sample_result):
    for rule in ("ORG001", "ORG002", "ORG003"):
        assert fired(sample_result, rule) == [], rule


def test_org001_fires_without_operations_head(ws):
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["responsibilities"].pop("operations_head"))
    found = ws.findings("ORG001")
    assert len(found) == 1
    assert found[0].file == "registers/organisation.yaml"
    assert "运维组织负责人" in found[0].message


def test_org001_fires_when_head_has_left(ws):
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["responsibilities"].update(operations_head="P020"))
    assert any("已不在职" in f.message for f in ws.findings("ORG001"))


def test_org002_fires_without_backup(ws):
    def drop_backup(data):
        data["positions"][2].pop("backup")  # 系统管理员
    ws.edit_yaml("registers/positions.yaml", drop_backup)
    found = ws.findings("ORG002")
    assert [f.message for f in found] == ["关键岗位“系统管理员”未设置备岗（backup）"]
    assert found[0].line is not None


def test_org002_fires_when_backup_is_primary(ws):
    ws.edit_yaml("registers/positions.yaml", lambda d: d["positions"][0].update(backup=d["positions"][0]["primary"]))
    assert any("同一人" in f.message for f in ws.findings("ORG002"))


def test_org002_fires_when_backup_has_left(ws):
    ws.edit_yaml("registers/positions.yaml", lambda d: d["positions"][1].update(backup="P020"))
    assert any("韩冬（P020） 已不在职" in f.message for f in ws.findings("ORG002"))


def test_org002_fires_when_key_position_missing(ws):
    ws.edit_yaml("registers/positions.yaml", lambda d: d["positions"].pop(4))  # 安全管理员
    assert any("缺少关键岗位“安全管理员”" in f.message for f in ws.findings("ORG002"))


def test_org003_fires_on_incompatible_pair(ws):
    ws.edit_yaml("registers/positions.yaml", lambda d: d["positions"][4].update(backup="P005"))  # 系统管理员 as 安全管理员 backup
    found = ws.findings("ORG003")
    assert len(found) == 1 and "刘洋（P005）" in found[0].message


def test_org003_respects_settings(ws):
    ws.edit_yaml("registers/positions.yaml", lambda d: d["positions"][4].update(backup="P005"))
    ws.edit_yaml("registers/organisation.yaml", lambda d: d["settings"].update(incompatible_positions=[]))
    assert ws.findings("ORG003") == []
