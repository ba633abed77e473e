"""From messages to the Musrenbang forum: usulan, priority lists, daftar hadir, the OPD desk
and the review of its answers (registered as one feature)."""

from __future__ import annotations


def register(app) -> None:
    from gateway import attendance, opd_desk, opd_review, usulan_lists, usulan_pages

    for module in (usulan_pages, usulan_lists, attendance, opd_desk, opd_review):
        app.register_blueprint(module.bp)
