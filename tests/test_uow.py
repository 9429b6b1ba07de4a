"""Side effects wait for the commit and vanish with a rollback."""
from app.core.uow import after_commit


def test_side_effects_run_after_commit_only(db, make):
    sent = []
    after_commit(db.session, lambda: sent.append("first"))
    make.client()                      # the factory commits
    assert sent == ["first"]
    after_commit(db.session, lambda: sent.append("never"))
    db.session.rollback()
    db.session.commit()
    assert sent == ["first"]


def test_a_failing_side_effect_does_not_undo_the_commit(db, make, caplog):
    def boom():
        raise RuntimeError("mail server down")

    after_commit(db.session, boom)
    company = make.client()
    assert company.id is not None and "after-commit side effect failed" in caplog.text
