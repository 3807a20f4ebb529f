"""The PDF renderer keeps its font setup between documents."""

from oppfolging.lib import pdf
from oppfolging.operations import gunicorn_conf


def test_it_reuses_the_font_configuration_between_documents():
    first = pdf.render_pdf("<p>Min plan</p>")
    config = pdf._font_config()
    second = pdf.render_pdf("<p>Min plan, side to</p>")
    assert first.startswith(b"%PDF") and second.startswith(b"%PDF")
    assert pdf._font_config() is config


def test_a_web_worker_warms_the_renderer_before_its_first_request(monkeypatch):
    calls = []
    monkeypatch.setattr(pdf, "warm_up", lambda: calls.append(True))
    gunicorn_conf.post_worker_init(worker=None)
    assert calls == [True]
