"""Do opinion groups keep their labels through the platform's own recomputations?

bench/stability.py measures label changes in ``debate`` alone. This replays each conversation
through the web service path instead: a consultation on a fresh SQLite database, its votes
written in time order (a changed vote updates the row, as the vote API does), and after every
50 votes ``consult.analysis.services.refresh_analysis``, which loads the votes through the
adapters, continues the stored ``AnalysisState`` by one Pol.is update and stores the analysis
with its group registry. After each recomputation every participant's shown label is read from
the analysis JSON as the pages read it (the registry's letter of their group).

Counted as in bench/stability.py: a participant-update is a (participant, recomputation) pair
where the participant had a label at the previous recomputation and cast no vote in between;
a label change is such a pair whose label differs. Also reported: the final groups' adjusted
Rand index against the reference (Pol.is's ``math-pca2.json``, or the ``group-id`` of
``participants-votes.csv`` for the older CSV exports), and the mean time per recomputation.

The platform's default, ``ANALYSIS_STABLE_GROUPS`` on (display hysteresis), is measured unless
``--no-stable-groups`` is given.

    .venv/bin/python bench/stability_web.py [--data DIR ...] [--every 50] [--no-stable-groups]
        [--out FILE]
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _common import doc_parser  # noqa: E402
from sqlalchemy import insert, update  # noqa: E402
from stability import ari, reference, totals  # noqa: E402

from consult import create_app  # noqa: E402
from consult.analysis import services  # noqa: E402
from consult.analysis.adapters import participant_ids  # noqa: E402
from consult.analysis.opinion_map import group_styles  # noqa: E402
from consult.consultations.imports import insert_participants  # noqa: E402
from consult.consultations.models import Consultation, ConsultationStatus  # noqa: E402
from consult.extensions import db  # noqa: E402
from consult.statements.models import Statement, StatementKind, StatementStatus  # noqa: E402
from consult.text import text_key  # noqa: E402
from consult.votes.models import Vote  # noqa: E402
from debate.polis import read_polis_export  # noqa: E402
from debate.result import AnalysisResult  # noqa: E402

DEFAULT_DATA = [ROOT / "tests" / "data" / "polis-math", ROOT / "tests" / "data" / "polis"]


def measure(folder: Path, every: int, stable: bool = True) -> dict[str, Any]:
    exported = read_polis_export(folder, history=True)
    log = exported.log
    assert log is not None
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "ANALYSIS_BACKGROUND": False,
            "JOBS_BACKEND": "eager",
            "RATELIMIT_ENABLED": False,
            "ANALYSIS_STABLE_GROUPS": stable,
        }
    )
    with app.app_context():
        db.create_all()
        now = datetime.now(UTC)
        consultation = Consultation(
            slug=folder.name[:60].lower().replace(".", "-"),
            title=folder.name,
            summary=folder.name,
            status=ConsultationStatus.open,
            opens_at=now,
        )
        db.session.add(consultation)
        db.session.flush()
        cid = consultation.id
        users = insert_participants([f"p{p}" for p in log.participants], now)
        hidden = {exported.matrix.statements[j] for j in exported.matrix.moderated_out}
        statements = []
        for sid in log.statements:
            text = exported.texts.get(sid, "") or f"comment {sid}"
            statement = Statement(
                consultation_id=cid,
                kind=StatementKind.position,
                text=text,
                text_key=text_key(text),
                status=StatementStatus.hidden if sid in hidden else StatementStatus.visible,
                external_id=sid[:64],
            )
            db.session.add(statement)
            statements.append(statement)
        db.session.flush()
        statement_ids = [s.id for s in statements]
        shown_id = dict(zip(participant_ids(cid, users), log.participants, strict=True))

        rows, cols = log.rows.tolist(), log.cols.tolist()
        values, times = log.values.tolist(), log.times.tolist()
        cuts = sorted({*range(every, len(log), every), len(log)})
        cast: set[tuple[int, int]] = set()
        previous: dict[str, str] = {}
        participant_updates = changed = 0
        spent = 0.0
        done = 0
        labels: dict[str, str] = {}
        groups_of: dict[str, int] = {}
        for cut in cuts:
            voted = {log.participants[r] for r in rows[done:cut]}
            fresh, changes = [], []
            for i in range(done, cut):
                key = (users[rows[i]], statement_ids[cols[i]])
                at = datetime.fromtimestamp(times[i], tz=UTC)
                row = {"value": values[i], "updated_at": at}
                if key in cast:
                    changes.append((key, row))
                else:
                    cast.add(key)
                    fresh.append(
                        {
                            "consultation_id": cid,
                            "user_id": key[0],
                            "statement_id": key[1],
                            "created_at": at,
                            **row,
                        }
                    )
            if fresh:
                db.session.execute(insert(Vote.__table__), fresh)
            for (user_id, statement_id), row in changes:
                db.session.execute(
                    update(Vote.__table__)
                    .where(Vote.user_id == user_id, Vote.statement_id == statement_id)
                    .values(**row)
                )
            started = time.perf_counter()
            result, _meta = services.refresh_analysis(consultation)
            spent += time.perf_counter() - started
            analysis = AnalysisResult.from_json(result)
            styles = group_styles(analysis)
            groups_of = {
                shown_id[pid]: g for pid, g in analysis.participants.items() if g is not None
            }
            labels = {p: styles.of(g).label for p, g in groups_of.items()}
            for p, before in previous.items():
                if p in voted:
                    continue
                participant_updates += 1
                if labels.get(p) != before:
                    changed += 1
            previous = labels
            done = cut
        registry = result.get("group_registry", [])
        ref = reference(folder, log.participants)
        return {
            "conversation": folder.name,
            "stable_groups": stable,
            "votes": len(log),
            "recomputations": len(cuts),
            "participant_updates": participant_updates,
            "label_changes": changed,
            "share": changed / participant_updates if participant_updates else 0.0,
            "groups_shown": len(registry),
            "retired_groups": sum(1 for e in registry if e.get("retired_at")),
            "final_k": len(set(groups_of.values())),
            "reference_k": len(set(ref.values())),
            "final_ari": ari(groups_of, ref),
            "mean_recomputation_s": spent / len(cuts),
        }


def main() -> None:
    parser = doc_parser(__doc__)
    parser.add_argument("--data", type=Path, nargs="+", default=DEFAULT_DATA)
    parser.add_argument("--every", type=int, default=50)
    parser.add_argument(
        "--no-stable-groups",
        action="store_true",
        help="ANALYSIS_STABLE_GROUPS off: show Pol.is's groups without display hysteresis",
    )
    parser.add_argument(
        "--out", type=Path, default=ROOT / "bench" / "results" / "stability_web.json"
    )
    args = parser.parse_args()

    def has_votes(p: Path) -> bool:
        return (p / "votes.json").is_file() or (p / "votes.csv").is_file()

    folders = [
        p
        for d in args.data
        for p in ([d] if has_votes(d) else sorted(d.iterdir()))
        if p.is_dir() and has_votes(p)
    ]
    print(
        "| conversation | votes | recomputations | participant-updates | label changes | share"
        " | groups shown (retired) | final k (ref.) | final ARI | s / recomputation |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    rows = []
    for folder in folders:
        r = measure(folder, args.every, stable=not args.no_stable_groups)
        rows.append(r)
        print(
            f"| {r['conversation']} | {r['votes']} | {r['recomputations']}"
            f" | {r['participant_updates']} | {r['label_changes']} | {100 * r['share']:.2f} %"
            f" | {r['groups_shown']} ({r['retired_groups']}) | {r['final_k']} ({r['reference_k']})"
            f" | {r['final_ari']:.3f} | {r['mean_recomputation_s']:.3f} |",
            flush=True,
        )
    total_updates, total_changes, share = totals(rows)
    print(
        f"\nall: {total_changes} label changes in {total_updates} participant-updates ({share:.2%})"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps({"every": args.every, "conversations": rows, "share": share}, indent=2) + "\n"
    )


if __name__ == "__main__":
    main()
