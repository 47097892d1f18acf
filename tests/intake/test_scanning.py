"""Malware scanning of uploaded evidence with a real clamd (tests/fixtures/clamd.py)."""

from __future__ import annotations

from portal.files.scan import clamd_scan
from tests.files.samples import png_with_comment as png
from tests.fixtures.clamd import EICAR, SIGNATURE
from tests.fixtures.mail import free_port
from tests.intake.helpers import form_data, post, submissions


def test_clamd_names_what_it_found_and_passes_clean_data(clamd):
    infected = clamd_scan(b"prefix " + EICAR + b" suffix", clamd.host, clamd.port)
    assert infected.infected and infected.signature.startswith(SIGNATURE)
    assert not clamd_scan(png(), clamd.host, clamd.port).infected
    large = bytes(range(256)) * 4096 + EICAR  # more than one INSTREAM chunk
    assert clamd_scan(large, clamd.host, clamd.port).infected


def test_an_infected_file_is_refused_with_a_message_and_nothing_is_stored(client, db_session, org, storage,
                                                                           scanning):
    before = len(submissions(db_session))
    data = form_data("feedback", anonymous=True, title="Ảnh hiện trường")
    refused = post(client, "feedback", data, files=[(png(EICAR), "ảnh.png")])
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "bị từ chối vì trình quét phát hiện mã độc" in page and "ảnh.png" in page
    assert 'value="Ảnh hiện trường"' in page  # what the citizen typed is kept
    assert len(submissions(db_session)) == before
    assert not [path for path in storage.root.rglob("*") if path.is_file()]  # no file was written

    accepted = post(client, "feedback", form_data("feedback", anonymous=True, nonce="nonce-clean-" + "y" * 12),
                    files=[(png(b"an ordinary caption"), "ảnh.png")])
    assert accepted.status_code == 302
    assert len(submissions(db_session)) == before + 1


def test_when_the_scanner_cannot_answer_the_upload_waits_and_the_input_is_kept(app, client, db_session, org,
                                                                                storage, scanning):
    import dataclasses

    settings = app.config["SETTINGS"]
    app.config["SETTINGS"] = dataclasses.replace(settings, clamd_port=free_port())  # nothing listens there
    try:
        response = post(client, "feedback", form_data("feedback", anonymous=True, title="Ống nước vỡ"),
                        files=[(png(), "ảnh.png")])
    finally:
        app.config["SETTINGS"] = settings
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "Không kiểm tra được tệp đính kèm lúc này" in page and 'value="Ống nước vỡ"' in page
    assert all(s.title != "Ống nước vỡ" for s in submissions(db_session))
