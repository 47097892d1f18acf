from portal.cases.text import clean_text, fold


def test_fold_removes_vietnamese_diacritics():
    assert fold("Đất đai  QUẬN Bình Thạnh") == "dat dai quan binh thanh"
    assert fold("Tố cáo cán bộ nhận hối lộ") == "to cao can bo nhan hoi lo"


def test_clean_text_normalises_to_nfc_and_strips_controls():
    decomposed = "Tie\u0302\u0301ng Vie\u0323\u0302t"  # NFD
    assert clean_text(decomposed) == "Tiếng Việt"
    assert clean_text("a\x00b\u202ec\r\nd ") == "abc\nd"
