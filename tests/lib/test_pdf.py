"""The PDF renderer keeps its font setup between documents."""

from oppfolging.lib import pdf
from oppfolging.operations import gunicorn_conf


def test_it_reuses_the_font_configuration_between_documents():
    first = pdf.render_pdf("<p>Min plan</p>")
    config = pdf._font_config()
    second = pdf.render_pdf("<p>Min plan, side to</p>")
    assert first.startswith(b"%PDF") and second.startswith(b"%PDF")
    assert pdf._font_config() is config


def test_the_web_master_warms_the_renderer_and_loads_every_view_before_the_workers_fork(monkeypatch):
    calls = []
    monkeypatch.setattr(pdf, "warm_up", lambda: calls.append(True))
    gunicorn_conf.when_ready(server=None)
    assert calls == [True]
    assert gunicorn_conf.preload_app is True
    import sys

    assert "oppfolging.gp.views" in sys.modules and "oppfolging.plans.views" in sys.modules


def test_a_pdf_leaves_no_progress_lines_in_the_log(caplog):
    import logging

    with caplog.at_level(logging.INFO):
        pdf.render_pdf("<p>Min plan</p>")
    assert not [r for r in caplog.records if r.name.startswith(("weasyprint", "fontTools")) and r.levelno < logging.WARNING]
