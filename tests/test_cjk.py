"""The PDF text layer's radical-to-ideograph map (checks.cjk)."""

from checks import cjk


def test_radicals_read_as_the_ideographs_they_share_a_glyph_with():
    assert cjk.text("⾏⻚⼾〜") == "行页户～"
    assert cjk.text("客户服务，第 1 页") == "客户服务，第 1 页"  # ordinary text is unchanged
