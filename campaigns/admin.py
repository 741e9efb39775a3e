"""Staff screens of the outbox: the message log, templates with a preview, the DNC list."""

import contextlib

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from campaigns.channels import call_list
from campaigns.models import (
    Attribution,
    CallListCustomer,
    ConsumerCursor,
    DoNotCall,
    Message,
    MessageActivity,
    MessageLink,
    MessageTemplate,
    Suppression,
)
from campaigns.rendering import fold_marks, render_part, sms_length
from campaigns.services import Resolution, message_uncertain_resolve
from config.admin import ImportMixin, ModelAdmin, ReadOnlyModelAdmin, phone_text
from config.transports import Channel
from customers.contacts import normalize_phone
from customers.exceptions import InvalidContactPoint
from customers.models import ContactPoint
from inventory.resources import AllOrNothingResource


@admin.register(Message)
class MessageAdmin(ReadOnlyModelAdmin):
    """The outbox log: every message as rendered, with its state and why. Nobody edits it."""

    list_display = [
        "id",
        "customer",
        "channel",
        "purpose",
        "template_code",
        "state",
        "reason",
        "flow",
        "send_at",
        "sent_at",
        "attempts",
    ]
    list_select_related = ["customer"]
    list_filter = ["channel", "state", "reason", "purpose", "flow", "send_at", "sent_at"]
    date_hierarchy = "send_at"
    search_fields = ["=address", "=customer__contact_points__value", "=idempotency_key"]
    show_full_result_count = False
    readonly_fields = [
        "customer",
        "channel",
        "address",
        "purpose",
        "template_code",
        "language",
        "subject",
        "body",
        "rendered_html",
        "headers",
        "provider_template_id",
        "template_data",
        "state",
        "reason",
        "reason_detail",
        "attempts",
        "provider_id",
        "send_at",
        "due_at",
        "sent_at",
        "claimed_at",
        "claimed_by",
        "handed_at",
        "flow",
        "step",
        "trigger_event",
        "idempotency_key",
        "created_at",
        "updated_at",
    ]
    exclude = ["html"]
    actions = ["uncertain_was_sent", "uncertain_send_again", "uncertain_give_up"]

    def _resolve(self, request, queryset, resolution):
        changed = message_uncertain_resolve(
            message_ids=list(queryset.values_list("pk", flat=True)),
            resolution=resolution,
            actor=request.user,
        )
        self.message_user(
            request, gettext("%(count)s uncertain message(s) settled.") % {"count": changed}
        )

    def has_resolve_permission(self, request):
        return request.user.has_perm("campaigns.resolve_message")

    @admin.action(
        permissions=["resolve"], description=_("Uncertain: the provider confirms it was sent")
    )
    def uncertain_was_sent(self, request, queryset):
        self._resolve(request, queryset, Resolution.SENT)

    @admin.action(permissions=["resolve"], description=_("Uncertain: not sent, send it again now"))
    def uncertain_send_again(self, request, queryset):
        self._resolve(request, queryset, Resolution.SEND_AGAIN)

    @admin.action(permissions=["resolve"], description=_("Uncertain: not sent, give up"))
    def uncertain_give_up(self, request, queryset):
        self._resolve(request, queryset, Resolution.GIVE_UP)

    def get_search_results(self, request, queryset, search_term):
        # Staff type phones any way: "0909 908 089" finds +84909908089.
        try:
            search_term = normalize_phone(search_term)
        except InvalidContactPoint:
            search_term = search_term.strip().lower() if "@" in search_term else search_term
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description=_("HTML part"))
    def rendered_html(self, obj):
        if not obj.html:
            return "-"
        # Shown sandboxed: the message's HTML never runs in the admin's origin.
        return format_html(
            '<iframe sandbox srcdoc="{}" style="width:100%;height:24rem;border:1px solid #ccc">'
            "</iframe>",
            obj.html,
        )


@admin.register(MessageTemplate)
class MessageTemplateAdmin(ModelAdmin):
    """Templates are checked on save (syntax with its line, undeclared variables) and
    previewed with their sample context."""

    list_display = ["code", "channel", "language", "purpose", "is_active", "updated_at"]
    list_filter = ["channel", "language", "purpose", "is_active"]
    search_fields = ["code", "subject", "body"]
    readonly_fields = ["preview", "updated_by", "updated_at"]
    fields = [
        "code",
        "channel",
        "language",
        "purpose",
        "is_active",
        "subject",
        "body",
        "html",
        "provider_template_id",
        "sms_without_marks",
        "sample_context",
        "preview",
        "updated_by",
        "updated_at",
    ]

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description=_("Preview (sample context)"))
    def preview(self, obj):
        if obj is None or not obj.pk:
            return gettext("Save the template to see its preview.")
        context = obj.sample_context if isinstance(obj.sample_context, dict) else {}
        try:
            subject = render_part(obj.subject, context)
            body = render_part(obj.body, context)
            html = render_part(obj.html, context, html=True)
        except ValidationError as error:
            return "; ".join(error.messages)
        rows = []
        if subject:
            rows.append((gettext("Subject"), subject))
        rows.append((gettext("Body"), body))
        if obj.channel == Channel.SMS:
            sent = fold_marks(body) if obj.sms_without_marks else body
            length = sms_length(sent)
            rows.append(
                (
                    gettext("SMS length"),
                    gettext("%(chars)s characters, %(encoding)s, %(segments)s segment(s)")
                    % {
                        "chars": length.characters,
                        "encoding": length.encoding,
                        "segments": length.segments,
                    },
                )
            )
            if not obj.sms_without_marks and length.encoding == "UCS-2":
                folded = sms_length(fold_marks(body))
                rows.append(
                    (
                        gettext("Without marks"),
                        gettext("%(text)s (%(chars)s characters, %(segments)s segment(s))")
                        % {
                            "text": fold_marks(body),
                            "chars": folded.characters,
                            "segments": folded.segments,
                        },
                    )
                )
        table = format_html_join(
            "", '<tr><th>{}</th><td style="white-space:pre-wrap">{}</td></tr>', rows
        )
        frame = ""
        if html:
            frame = format_html(
                '<iframe sandbox srcdoc="{}" style="width:100%;height:20rem"></iframe>', html
            )
        return format_html("<table>{}</table>{}", table, frame)


# --- Do-Not-Call list ------------------------------------------------------------------------


class DoNotCallResource(AllOrNothingResource):
    """CSV columns: phone, source, listed_on (YYYY-MM-DD). Phones in any common format."""

    class Meta:
        model = DoNotCall
        import_id_fields = ["phone"]
        fields = ["phone", "source", "listed_on"]
        clean_model_instances = True
        skip_unchanged = True

    def before_import_row(self, row, **kwargs):
        try:
            row["phone"] = normalize_phone(str(row.get("phone") or ""))
        except InvalidContactPoint as error:
            raise ValidationError({"phone": error.detail}) from None
        if not str(row.get("source") or "").strip():
            raise ValidationError({"source": gettext("The source is required.")})


@admin.register(DoNotCall)
class DoNotCallAdmin(ImportMixin, ModelAdmin):
    """The Do-Not-Call list; import it as CSV (all rows valid, or nothing is written)."""

    resource_classes = [DoNotCallResource]
    list_display = ["phone", "source", "listed_on", "imported_at"]
    list_filter = ["source", "listed_on"]
    search_fields = ["phone"]

    def get_search_results(self, request, queryset, search_term):
        with contextlib.suppress(InvalidContactPoint):
            search_term = normalize_phone(search_term)
        return super().get_search_results(request, queryset, search_term)


@admin.register(Suppression)
class SuppressionAdmin(ModelAdmin):
    """Addresses never used again (bounces and complaints arrive from provider webhooks)."""

    list_display = ["channel", "address", "reason", "created_at"]
    list_filter = ["channel", "reason"]
    search_fields = ["=address"]


# --- Tracking and attribution: rows only the services write ------------------------------


@admin.register(MessageActivity)
class MessageActivityAdmin(ReadOnlyModelAdmin):
    list_display = [
        "occurred_at",
        "kind",
        "is_scanner",
        "message",
        "channel",
        "link_position",
        "source",
    ]
    list_filter = ["kind", "is_scanner", "message__channel", "source"]
    list_select_related = ["message", "link"]
    date_hierarchy = "occurred_at"
    search_fields = ["=message__id", "=message__provider_id"]
    raw_id_fields = ["message", "link"]

    @admin.display(description=_("channel"), ordering="message__channel")
    def channel(self, activity):
        return activity.message.get_channel_display()

    @admin.display(description=_("link"))
    def link_position(self, activity):
        return "" if activity.link is None else f"#{activity.link.position}"


@admin.register(MessageLink)
class MessageLinkAdmin(ReadOnlyModelAdmin):
    list_display = ["message", "position", "url", "click_count"]
    list_select_related = ["message"]
    search_fields = ["=message__id", "url"]
    raw_id_fields = ["message"]

    def get_queryset(self, request):
        # Scanner clicks are kept but not counted, here as everywhere.
        return (
            super()
            .get_queryset(request)
            .annotate(counted_clicks=Count("clicks", filter=Q(clicks__is_scanner=False)))
        )

    @admin.display(description=_("clicks"), ordering="counted_clicks")
    def click_count(self, link):
        return link.counted_clicks


@admin.register(Attribution)
class AttributionAdmin(ReadOnlyModelAdmin):
    list_display = [
        "placed_at",
        "order",
        "order_channel",
        "total_amount",
        "currency",
        "channel",
        "message",
        "clicked_at",
    ]
    list_filter = ["channel", "order_channel"]
    list_select_related = ["order", "message"]
    date_hierarchy = "placed_at"
    search_fields = ["order__number", "=message__id"]
    raw_id_fields = ["order", "message", "click"]


@admin.register(ConsumerCursor)
class ConsumerCursorAdmin(ReadOnlyModelAdmin):
    list_display = ["name", "position", "updated_at"]


# --- The staff call list -----------------------------------------------------------------


@admin.register(CallListCustomer)
class CallListAdmin(ReadOnlyModelAdmin):
    """Customers no message can reach: a phone that may be called, and nothing else."""

    list_display = ["full_name", "phones", "created_at", "customer_page"]
    search_fields = ["full_name"]

    def get_queryset(self, request):
        return call_list()

    @admin.display(description=_("phone"))
    def phones(self, customer):
        # contact_points are prefetched by the selector: no query per row.
        return ", ".join(
            phone_text(point.value)
            for point in customer.contact_points.all()
            if point.kind == ContactPoint.Kind.PHONE
        )

    @admin.display(description=_("profile"))
    def customer_page(self, customer):
        url = reverse("admin:customers_customer_change", args=[customer.pk])
        return format_html('<a href="{}">{}</a>', url, _("Open the profile"))


from campaigns.flows import admin as flows_admin  # noqa: E402, F401 (registers the flow screens)
