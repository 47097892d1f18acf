"""The fingerprint kept to recognise a đơn sent again (Back, then Send) is keyed: the session cookie is
signed, not encrypted, and must not let someone holding it confirm what a browser denounced."""
import base64
import hashlib
import json
import zlib

from tests.intake.helpers import form_data, post


def _cookie_payload(client) -> dict:
    raw = client.get_cookie("portal_session").value
    compressed = raw.startswith(".")
    body = raw.lstrip(".").split(".")[0]
    data = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    return json.loads(zlib.decompress(data) if compressed else data)


def test_the_cookie_does_not_let_anyone_confirm_what_was_denounced(client, db_session, org, storage):
    title, content = "Chủ tịch phường nhận hối lộ", "Ông Trần Văn B nhận 200 triệu đồng ngày 3/5."
    data = form_data("denunciation", anonymous=True, title=title, content=content)
    assert post(client, "denunciation", data).status_code == 302
    client.get("/submit/receipt")
    payload = _cookie_payload(client)  # no secret key needed: the cookie is signed, not encrypted
    guess = hashlib.sha256("\x1f".join(["denunciation", title, content]).encode()).hexdigest()[:24]
    assert guess not in json.dumps(payload), payload
