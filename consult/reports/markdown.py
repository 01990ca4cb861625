"""The report as Markdown (GitHub-flavoured: tables, links)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _

from consult.responses.services import decision_label

_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def md_escape(text: str) -> str:
    """Escape Markdown syntax in user text and keep it on one line."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _pct(value: Any) -> str:
    return "—" if value is None else f"{float(value) * 100:.0f}%"


def _num(value: Any, digits: int = 2) -> str:
    return "—" if value is None else f"{float(value):.{digits}f}"


def report_markdown(report: dict[str, Any], href: Callable[[int], str]) -> str:
    """Render the report dict of ``build_report`` as Markdown."""
    S = report["statements"]
    ov = report["overview"]
    c = report["consultation"]
    out: list[str] = []

    def cite(sid: int, limit: int = 240) -> str:
        text = S.get(sid, {}).get("text", f"#{sid}")
        if len(text) > limit:
            text = text[: limit - 1].rstrip() + "…"
        return f"[{md_escape(text)}]({href(sid)}) (#{sid})"

    out.append(f"# {md_escape(c['title'])}")
    out.append(f"*{_('Consultation report')}*")
    if c.get("summary"):
        out.append(md_escape(c["summary"]))
    facts = []
    if c.get("owners"):
        facts.append(f"- {_('Run by')}: {md_escape(', '.join(c['owners']))}")
    for key, label in (
        ("opens_at", _("Opened")),
        ("closed_at", _("Closed")),
        ("reported_at", _("Report published")),
    ):
        if c.get(key):
            facts.append(f"- {label}: {c[key].strftime('%Y-%m-%d')}")
    facts.append(f"- {_('Figures as of')}: {report['generated_at'].strftime('%Y-%m-%d %H:%M')} UTC")
    out.append("\n".join(facts))

    out.append(f"## {_('Overview')}")
    out.append(
        "\n".join(
            [
                f"| {_('Figure')} | {_('Value')} |",
                "|---|---:|",
                f"| {_('Participants')} | {ov['participants']} |",
                f"| {_('Statements')} | {ov['statements']} |",
                f"| {_('Positions')} | {ov['positions']} |",
                f"| {_('Arguments')} | {ov['arguments']} |",
                f"| {_('Votes')} | {ov['votes']} |",
                f"| {_('Agree')} / {_('Disagree')} / {_('Pass')} | "
                f"{ov['agree']} / {ov['disagree']} / {ov['pass']} |",
                f"| {_('Opinion groups')} | {ov['groups']} |",
                f"| {_('Controversy score')} (0–1) | {_num(report['controversy'])} |",
            ]
        )
    )

    out.append(f"## {_('Opinion groups and what sets each apart')}")
    if not report["groups"]:
        out.append(_("Not enough votes yet to form opinion groups."))
    for g in report["groups"]:
        out.append(
            f"### {_('Group %(label)s', label=g['label'])} — "
            f"{_('%(n)s people', n=g['size'])} ({_pct(g['share'])})"
        )
        lines = []
        for r in g["representative"]:
            if r.get("direction") == "agree":
                share = _("%(p)s agree", p=_pct(r.get("agree")))
            else:
                share = _("%(p)s disagree", p=_pct(r.get("disagree")))
            lines.append(f"1. **{share}** — {cite(r['statement'])}")
        out.append("\n".join(lines) or _("No statement sets this group apart."))
    retired = [
        "- "
        + (
            _(
                "Group %(label)s joined Group %(other)s on %(date)s.",
                label=r["label"],
                other=r["joined"],
                date=r["date"],
            )
            if r["joined"]
            else _("Group %(label)s dissolved on %(date)s.", label=r["label"], date=r["date"])
        )
        for r in report.get("retired_groups", [])
    ]
    if retired:
        out.append("\n".join(retired))

    out.append(f"## {_('Common ground across groups')}")
    lines = [
        f"1. **{_num(item['score'])}** — {cite(item['statement'])}"
        for item in report["group_informed_consensus"]
    ]
    out.append("\n".join(lines) or _("None."))
    out.append(f"### {_('Broad agreement')}")
    out.append(
        "\n".join(
            f"- **{_pct(item.get('agree'))}** — {cite(item['statement'])}"
            for item in report["consensus"]["agree"]
        )
        or _("None.")
    )
    out.append(f"### {_('Broad disagreement')}")
    out.append(
        "\n".join(
            f"- **{_pct(item.get('disagree'))}** — {cite(item['statement'])}"
            for item in report["consensus"]["disagree"]
        )
        or _("None.")
    )

    out.append(f"## {_('Where the groups differ')}")
    if not report["divisive"]:
        out.append(_("No statement divides the groups."))
    for d in report["divisive"]:
        out.append(f"- {cite(d['statement'])}")
        for g in report["groups"]:
            view = d.get("groups", {}).get(g["id"])
            if view:
                shares = _(
                    "%(a)s agree, %(d)s disagree",
                    a=_pct(view["agree"]),
                    d=_pct(view["disagree"]),
                )
                label = _("Group %(label)s", label=g["label"])
                out[-1] += f"\n  - {label}: {shares} (n={view['n']})"
    if report["cruxes"]:
        out.append(f"### {_('Cruxes')}")
        out.append(
            "\n".join(
                f"1. **{_num(item.get('score'))}** — {cite(item['statement'])}"
                for item in report["cruxes"]
            )
        )

    out.append(f"## {_('Uncertain statements')}")
    out.append(
        "\n".join(
            f"- **{_('%(p)s pass', p=_pct(item.get('pass')))}** — {cite(item['statement'])}"
            for item in report["uncertain"]
        )
        or _("None.")
    )

    out.append(f"## {_('Positions and their strongest arguments')}")
    for p in report["positions"]:
        out.append(f"### {cite(p['statement'])}")
        if p["strength"] is not None:
            out.append(_("Strength %(s)s", s=_num(p["strength"])))
        for side, title in (("support", _("For")), ("attack", _("Against"))):
            items = "\n".join(
                f"- **{_num(a['strength'])}** — {cite(a['statement'])}" for a in p[side]
            )
            out.append(f"**{title}** ({p[side + '_total']})\n\n{items or '—'}")

    out.append(f"## {_('Participation over time')}")
    if report["participation"]:
        rows = [f"| {_('Day')} | {_('Votes')} | {_('New participants')} |", "|---|---:|---:|"]
        rows += [
            f"| {r['day'].isoformat()} | {r['votes']} | {r['new_participants']} |"
            for r in report["participation"]
        ]
        out.append("\n".join(rows))
    else:
        out.append(_("No votes yet."))

    out.append(f"## {_('What we heard — what we did')}")
    summary = report["response_summary"]
    if summary["total"]:
        out.append(
            _(
                "%(a)s of %(t)s statements that required an answer have one.",
                a=summary["answered"],
                t=summary["total"],
            )
        )
    if report["responses"]:
        rows = [
            f"| {_('What we heard')} | {_('Decision')} | {_('What we did')} |",
            "|---|---|---|",
        ]
        for r in report["responses"]:
            heard = "<br>".join(cite(s.id, 160) for s in sorted(r.statements, key=lambda s: s.id))
            did = md_escape(r.text)
            if r.measure_url:
                did += f" [{_('Measure taken')}]({r.measure_url})"
            rows.append(f"| {heard} | {decision_label(r.decision)} | {did} |")
        out.append("\n".join(rows))
    else:
        out.append(_("No official responses yet."))

    out.append(f"## {_('Statements cited in this report')}")
    rows = [
        f"| # | {_('Statement')} | {_('Agree')} | {_('Disagree')} | {_('Pass')} "
        f"| {_('Strength')} |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for sid in sorted(S):
        s = S[sid]
        rows.append(
            f"| [{sid}]({href(sid)}) | {md_escape(s['text'])} | {s['agree']} | {s['disagree']} | "
            f"{s['pass']} | {_num(s.get('strength'))} |"
        )
    out.append("\n".join(rows))
    return "\n\n".join(out) + "\n"
