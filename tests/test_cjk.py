"""The PDF text layer's radical-to-ideograph map (checks.cjk)."""

from checks import cjk


def test_radicals_read_as_the_ideographs_they_share_a_glyph_with():
    assert cjk.text("⾏⻚⼾〜") == "行页户～"
    assert cjk.text("客户服务，第 1 页") == "客户服务，第 1 页"  # ordinary text is unchanged


def test_ligatures_and_radicals_in_a_tounicode_map():
    from checks.pdf import _fix_cmap

    fixed = _fix_cmap(b"2 beginbfchar\n<01> <FB01>\n<02> <2F8F>\nendbfchar\n1 beginbfrange\n<03> <04> <2F00>\nendbfrange")
    assert b"<01> <00660069>" in fixed and b"<02> <884C>" in fixed
    assert b"<03> <04> <2F00>" in fixed  # ranges are left as they are
