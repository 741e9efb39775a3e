"""The dashboard's filters: a period, a grain, a channel and a store."""

from datetime import date, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inventory.models import Location, SalesChannel

# A year of days is the longest range: the previous period beside it doubles the rows.
MAX_DAYS = 366


GRAINS = [("day", _("Day")), ("week", _("Week")), ("month", _("Month"))]


class DashboardFilterForm(forms.Form):
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput({"type": "date"})
    )
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput({"type": "date"}))
    grain = forms.ChoiceField(label=_("Per"), choices=GRAINS, required=False)
    channel = forms.ModelChoiceField(
        label=_("Channel"), queryset=SalesChannel.objects.order_by("name"), required=False
    )
    store = forms.ModelChoiceField(
        label=_("Store"), queryset=Location.objects.order_by("name"), required=False
    )

    def __init__(
        self, *args, location_ids: frozenset[int] | None = None, today: date | None = None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        if location_ids is not None:
            # A store manager picks among their own stores only.
            self.fields["store"].queryset = Location.objects.filter(pk__in=location_ids).order_by(
                "name"
            )

    def clean(self):
        data = super().clean()
        end = data.get("end") or self.today
        start = data.get("start") or end - timedelta(days=29)
        if start > end:
            raise forms.ValidationError(_("The start date is after the end date."), code="range")
        if (end - start).days + 1 > MAX_DAYS:
            raise forms.ValidationError(
                _("Choose at most %(days)d days.") % {"days": MAX_DAYS}, code="range_too_long"
            )
        if start.year < 2000 or end.year > 9000:
            raise forms.ValidationError(_("These dates are out of range."), code="range")
        data.update(start=start, end=end, grain=data.get("grain") or "day")
        return data
