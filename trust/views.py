"""/staff/trust/: the clinic's trust dashboard for privacy officers and admins. Charts are SVG
drawn on the server (no script, strict CSP), each with its data table and a CSV download."""

from __future__ import annotations

import csv
import datetime as dt

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from clinic.decorators import trust_required
from clinic.forms import DateField, start_of_day
from clinic.models import Site

from .figures import CHARTS, Filters


class DashboardFilterForm(forms.Form):
    site = forms.ModelChoiceField(
        label="Site", queryset=Site.objects.order_by("name"), required=False, empty_label="All"
    )
    start = DateField(label="From", required=False)
    end = DateField(label="To (inclusive)", required=False)

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise forms.ValidationError("The start of the period comes before its end.")
        return data


def _filters(request: HttpRequest) -> tuple[DashboardFilterForm, Filters]:
    form = DashboardFilterForm(request.GET or None)
    today = timezone.localdate()
    site, start, end = None, today - dt.timedelta(days=365), today
    if form.is_bound and form.is_valid():
        site = form.cleaned_data["site"]
        start = form.cleaned_data["start"] or start
        end = form.cleaned_data["end"] or end
    return form, Filters(
        site=site, start=start_of_day(start), end=start_of_day(end + dt.timedelta(days=1))
    )


@trust_required
def dashboard(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    charts = [figure(filters) for figure in CHARTS.values()]
    return render(
        request,
        "trust/dashboard.html",
        {"form": form, "filters": filters, "charts": charts, "query": request.GET.urlencode()},
    )


@trust_required
def chart_csv(request: HttpRequest, slug: str) -> HttpResponse:
    figure = CHARTS.get(slug)
    if figure is None:
        raise Http404
    _form, filters = _filters(request)
    chart = figure(filters)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="trust-{chart.slug}.csv"'
    writer = csv.writer(response)
    writer.writerow([*chart.columns, "value"])
    for row in chart.rows:
        writer.writerow([row.label, row.display, f"{row.value:g}"])
    return response
