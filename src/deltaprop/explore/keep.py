"""Keep a run: the HTML report of :mod:`deltaprop.insight.report`, made from what the
explorer's run recorded (the loop's per-epoch rows, the test set, the diagnosis)."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

from ..insight.report import render_report
from ..insight.run import record_run
from ..training.history import History

if TYPE_CHECKING:
    from .session import Session


def report_html(session: Session) -> str:
    """The run's report as one HTML document; needs one finished epoch."""
    if not session.epochs:
        raise ValueError("train for at least one epoch first: the report is drawn per epoch")
    net, s, d = session.network_copy(), session.settings, session.data
    config = {
        "data": d.name,
        "sizes": list(net.sizes),
        **asdict(s),
        "hidden": list(s.hidden),
        "mini_batches": session.batches,
    }
    rows = session._train_rows[:500]
    run = record_run(
        net,
        History(list(session.epochs)),
        config,
        validation=(d.X_test, d.y_test),
        confusion_data="test",
        diagnosis_data=(d.X_train[rows], d.y_train[rows]),
        eta=s.eta,
    )
    weights = net.weights[0] if session.side else None
    return render_report(run, weights=weights, title="deltaprop explore: the run")
