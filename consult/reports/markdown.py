"""The report as Markdown (GitHub-flavoured: tables, links)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _

from consult.formatting import format_day, format_moment
from consult.languages.codes import NATIVE_NAMES
from consult.responses.services import decision_label

_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def md_escape(text: str) -> str:
    """Escape Markdown syntax in user text and keep it on one line."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _pct(value: Any) -> str:
    return "—" if value is None else f"{float(value) * 100:.0f}%"


def _num(value: Any, digits: int = 2) -> str:
    return "—" if value is None else f"{float(value):.{digits}f}"


def _when(value: str | None) -> str:
    return f"{value[:16].replace('T', ' ')} UTC" if value else ""


def data_quality_markdown(dq: dict[str, Any]) -> list[str]:
    """The data-quality section: suspected coordinated accounts, flags, pending, exclusions."""
    out = [f"## {_('Data quality')}"]
    items = []
    for g in dq.get("suspected_groups", []):
        status = _("left out of the analysis") if g["excluded"] else _("counted in the analysis")
        items.append(
            "- "
            + _(
                "%(n)s suspected coordinated accounts (created %(start)s to %(end)s): %(v)s votes, "
                "%(pct)s of all votes, since %(since)s; %(status)s.",
                n=g["accounts"],
                start=_when(g["accounts_created_from"]),
                end=_when(g["accounts_created_to"]),
                v=g["votes"],
                pct=_pct(g["share_of_votes"]),
                since=_when(g["first_vote_at"]),
                status=status,
            )
        )
    if not dq.get("suspected_groups"):
        items.append("- " + _("No suspected coordinated voting."))
    items.append(
        "- " + _("Flagged statements not yet reviewed: %(n)s.", n=dq.get("flagged_unreviewed", 0))
    )
    items.append("- " + _("Statements awaiting moderation: %(n)s.", n=dq.get("pending", 0)))
    out.append("\n".join(items))
    exclusions = dq.get("exclusions", [])
    if exclusions:
        rows = [_("Votes left out of the analysis:")]
        for e in exclusions:
            line = "- " + _(
                "%(n)s accounts (%(v)s votes), left out on %(when)s by %(who)s",
                n=e["accounts"],
                v=e["votes"],
                when=_when(e["excluded_at"]),
                who=md_escape(e["excluded_by"] or "—"),
            )
            if e["reason"]:
                line += f": “{md_escape(e['reason'])}”"
            if not e["active"]:
                line += "; " + _(
                    "brought back on %(when)s by %(who)s",
                    when=_when(e["lifted_at"]),
                    who=md_escape(e["lifted_by"] or "—"),
                )
            rows.append(line + ".")
        out.append("\n".join(rows))
    return out


def _language_name(code: str) -> str:
    return _("Not known") if code == "unknown" else NATIVE_NAMES.get(code, code)


def languages_markdown(languages: dict[str, Any]) -> list[str]:
    """The report's Languages section: participation and opinion groups by language."""
    if not languages.get("rows"):
        return []
    out = [f"## {_('Languages')}"]
    table = [
        f"| {_('Language')} | {_('Participants')} | {_('Statements')} |",
        "|---|---:|---:|",
    ]
    for row in languages["rows"]:
        table.append(
            f"| {_language_name(row['language'])} | {row['participants']} ({row['share']} %) "
            f"| {row['statements']} |"
        )
    out.append("\n".join(table))
    out.append(
        _(
            "%(translated)s of %(visible)s statements can be read in another language.",
            translated=languages.get("translated", 0),
            visible=languages.get("visible", 0),
        )
    )
    groups = [
        f"- {_('Group %(label)s', label=g['label'])}: "
        + " · ".join(
            f"{_language_name(code)} {n}" for code, n in g.get("by_language", {}).items() if n
        )
        for g in languages.get("groups", [])
    ]
    if groups:
        out.append(f"### {_('Opinion groups by language')}")
        out.append("\n".join(groups))
    return out


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
            facts.append(f"- {label}: {format_day(c[key])}")
    facts.append(f"- {_('Figures as of')}: {format_moment(report['generated_at'])}")
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

    out.extend(data_quality_markdown(report.get("data_quality") or {}))

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

    out.extend(languages_markdown(report.get("languages") or {}))

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
            heard = "<br>".join(
                cite(s.id, 160) for s in sorted(r.statements, key=lambda s: s.id) if s.id in S
            )
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
