"""What a flow did, for its admin page: a fixed handful of queries however big it grew."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Sum

from campaigns.models import Attribution, Flow, FlowEnrolment, Message, MessageActivity


@dataclass
class FlowReport:
    entered: int = 0
    sent: dict[str, int] = field(default_factory=dict)  # channel → messages sent
    skipped: dict[str, int] = field(default_factory=dict)  # reason → messages or exits
    exited: dict[str, int] = field(default_factory=dict)  # reason → enrolments
    opened: int = 0
    clicked: int = 0
    orders: int = 0
    revenue_amount: Decimal = Decimal(0)

    @property
    def recovery_rate(self) -> Decimal:
        """Attributed orders per enrolment, in percent."""
        if not self.entered:
            return Decimal(0)
        return (Decimal(self.orders) * 100 / self.entered).quantize(Decimal("0.1"))


def flow_report(*, flow: Flow) -> FlowReport:
    report = FlowReport(entered=FlowEnrolment.objects.filter(flow=flow).count())
    messages = Message.objects.filter(flow=flow.code)
    for state, channel, reason, count in (
        messages.filter(state__in=[Message.State.SENT, Message.State.SKIPPED])
        .values_list("state", "channel", "reason")
        .annotate(count=Count("id"))
        .order_by()
    ):
        if state == Message.State.SENT:
            report.sent[channel] = report.sent.get(channel, 0) + count
        else:
            report.skipped[reason] = report.skipped.get(reason, 0) + count
    for reason, count in (
        FlowEnrolment.objects.filter(flow=flow, state=FlowEnrolment.State.EXITED)
        .values_list("exit_reason")
        .annotate(count=Count("id"))
        .order_by()
    ):
        report.exited[reason] = count
    for kind, count in (
        MessageActivity.objects.filter(
            message__flow=flow.code,
            is_scanner=False,
            kind__in=[MessageActivity.Kind.OPENED, MessageActivity.Kind.CLICKED],
        )
        .values_list("kind")
        .annotate(count=Count("message_id", distinct=True))
        .order_by()
    ):
        if kind == MessageActivity.Kind.OPENED:
            report.opened = count
        else:
            report.clicked = count
    totals = Attribution.objects.filter(message__flow=flow.code).aggregate(
        orders=Count("id"), revenue=Sum("total_amount")
    )
    report.orders = totals["orders"] or 0
    report.revenue_amount = totals["revenue"] or Decimal(0)
    return report


def flow_template_gaps(*, flow: Flow) -> list[str]:
    """Per step and channel, the languages with no template: they fall back to Vietnamese."""
    from campaigns.models import MessageTemplate

    codes = [step.get("template", "") for step in flow.steps or []]
    have = set(
        MessageTemplate.objects.filter(code__in=codes, is_active=True).values_list(
            "code", "channel", "language"
        )
    )
    gaps = []
    for code in codes:
        channels = {channel for c, channel, _language in have if c == code}
        if not channels:
            gaps.append(f"{code}: no template at all")
        for channel in sorted(channels):
            for language in MessageTemplate.Language.values:
                if (code, channel, language) not in have:
                    if language == "vi":
                        gaps.append(f"{code} / {channel}: no Vietnamese template")
                    else:
                        gaps.append(
                            f"{code} / {channel}: no {language} template, sent in Vietnamese"
                        )
    return gaps
