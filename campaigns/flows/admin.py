"""Admin for the flows: on/off, delays, channels, templates, voucher; the report per flow;
the enrolments (read-only) and the staff call list's tasks."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from campaigns.flows.reports import flow_report, flow_template_gaps
from campaigns.models import CallTask, Flow, FlowEnrolment
from campaigns.services.staff import call_tasks_done
from config.admin import ModelAdmin, ReadOnlyModelAdmin
from config.templatetags.money import money


class FlowForm(admin.ModelAdmin.form):
    def clean_steps(self):
        steps = self.cleaned_data["steps"]
        if not isinstance(steps, list) or not all(
            isinstance(step, dict) and step.get("template") for step in steps
        ):
            raise ValidationError(_("A list of steps, each with at least a template code."))
        for step in steps:
            try:
                if int(step.get("delay_minutes") or 0) < 0:
                    raise ValueError
            except (TypeError, ValueError):
                raise ValidationError(_("A delay is a number of minutes, 0 or more.")) from None
            window = step.get("window")
            if window is not None and not (
                isinstance(window, list)
                and len(window) == 2
                and all(isinstance(h, int) and 0 <= h <= 24 for h in window)
                and window[0] < window[1]
            ):
                raise ValidationError(_("A window is [from hour, to hour], e.g. [19, 21]."))
        return steps


@admin.register(Flow)
class FlowAdmin(ModelAdmin):
    form = FlowForm
    list_display = ("code", "enabled", "purpose", "updated_at")
    list_editable = ("enabled",)
    readonly_fields = ("report", "templates")
    autocomplete_fields = ()
    raw_id_fields = ("voucher",)
    fields = (
        "code",
        "enabled",
        "purpose",
        "steps",
        "voucher",
        "store_delay_days",
        "web_delay_days",
        "referral_offer",
        "templates",
        "report",
    )

    @admin.display(description=_("Templates"))
    def templates(self, flow):
        if flow.pk is None:
            return "-"
        gaps = flow_template_gaps(flow=flow)
        if not gaps:
            return _("Every step has its templates in every language.")
        return format_html_join("", "<div>{}</div>", ((gap,) for gap in gaps))

    @admin.display(description=_("Report"))
    def report(self, flow):
        if flow.pk is None:
            return "-"
        data = flow_report(flow=flow)

        def pairs(mapping):
            return ", ".join(f"{k or '-'}: {v}" for k, v in sorted(mapping.items())) or "-"

        rows = (
            (_("Entered"), data.entered),
            (_("Sent per channel"), pairs(data.sent)),
            (_("Skipped per reason"), pairs(data.skipped)),
            (_("Exited per reason"), pairs(data.exited)),
            (_("Opened"), data.opened),
            (_("Clicked"), data.clicked),
            (_("Orders attributed"), data.orders),
            (_("Revenue attributed"), money(data.revenue_amount)),
            (_("Recovery rate"), f"{data.recovery_rate} %"),
        )
        return format_html(
            "<table>{}</table>",
            format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows),
        )


@admin.register(FlowEnrolment)
class FlowEnrolmentAdmin(ReadOnlyModelAdmin):
    list_display = ("flow", "customer", "state", "exit_reason", "next_step", "next_at")
    list_filter = ("flow", "state", "exit_reason")
    list_select_related = ("flow", "customer")
    raw_id_fields = ("customer", "trigger_event")


@admin.register(CallTask)
class CallTaskAdmin(ModelAdmin):
    list_display = ("phone", "customer", "flow", "step", "due_at", "state")
    list_filter = ("state", "flow")
    list_select_related = ("customer",)
    readonly_fields = (
        "customer",
        "phone",
        "flow",
        "step",
        "script",
        "due_at",
        "done_at",
        "done_by",
    )
    fields = (*readonly_fields, "state", "note")
    actions = ("mark_done",)

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Mark as called"), permissions=["change"])
    def mark_done(self, request, queryset):
        call_tasks_done(task_ids=list(queryset.values_list("pk", flat=True)), actor=request.user)
