"""Safe Exam Browser pages: the staff page of an exam's SEB settings, the configuration download
SEB fetches, the page SEB quits at, and the page a candidate sees outside SEB."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from accounts.access import role_required
from accounts.roles import Role
from exams import seb_files, seb_settings
from exams.models import Exam, SebConfigSource

STAFF = (Role.SITE_ADMIN, Role.ORG_ADMIN)
KEY_PATTERN = re.compile(r"^[0-9a-f]{64}$")


def exams_for_staff(user: Any) -> QuerySet[Exam]:
    """Exams whose SEB settings ``user`` may change: every exam for the evaluation organisation,
    a site administrator the exams with candidates in their site's rooms."""
    from centres.models import Room

    if not user.is_authenticated:
        return Exam.objects.none()
    if user.has_role(Role.ORG_ADMIN):
        return Exam.objects.all()
    return Exam.objects.filter(registrations__room__in=Room.objects.visible_to(user)).distinct()


class SebSettingsForm(forms.Form):
    requires_seb = forms.BooleanField(
        label=gettext_lazy("Candidates must take this exam in Safe Exam Browser"), required=False
    )
    source = forms.ChoiceField(
        label=gettext_lazy("SEB configuration"),
        choices=SebConfigSource.choices,
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "Generated: the platform writes the configuration (start page, quit page, camera "
            "and microphone allowed). Uploaded: your own unencrypted .seb file from the SEB "
            "Config Tool."
        ),
    )
    config_file = forms.FileField(
        label=gettext_lazy("Your .seb file"),
        required=False,
        help_text=gettext_lazy(
            "Only for an uploaded configuration. Save it in the SEB Config Tool with no "
            "settings password and no encryption certificate (at most 2 MB)."
        ),
    )
    allow_quit = forms.BooleanField(label=gettext_lazy("Candidates may quit SEB"), required=False)
    quit_password = forms.CharField(
        label=gettext_lazy("New quit password"),
        required=False,
        max_length=100,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy(
            "For a generated configuration: SEB asks for it before quitting. Leave blank to "
            "keep the current one."
        ),
    )
    clear_quit_password = forms.BooleanField(
        label=gettext_lazy("Remove the quit password"), required=False
    )
    browser_exam_keys = forms.CharField(
        label=gettext_lazy("Browser exam keys"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text=gettext_lazy(
            "Optional. One key per line, as SEB shows it (64 hexadecimal characters). A request "
            "with a matching browser exam key is accepted too."
        ),
    )

    def __init__(self, *args: Any, exam: Exam, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.exam = exam
        self.upload: bytes | None = None

    def clean_config_file(self) -> Any:
        upload = self.cleaned_data.get("config_file")
        if upload is None:
            return None
        if upload.size > seb_files.MAX_CONFIG_BYTES:
            raise ValidationError(
                _("This file is larger than any SEB configuration (2 MB at most).")
            )
        raw = upload.read()
        try:
            seb_files.read_settings(raw)
        except seb_files.SebFileRefused as refused:
            raise ValidationError(str(refused.message)) from refused
        self.upload = raw
        return upload

    def clean_browser_exam_keys(self) -> str:
        text = self.cleaned_data.get("browser_exam_keys", "")
        keys = seb_settings.normalised_keys(text).splitlines()
        wrong = [key for key in keys if not KEY_PATTERN.match(key)]
        if wrong:
            raise ValidationError(
                _(
                    "These lines are not browser exam keys: %(keys)s. A key is 64 characters "
                    "0-9 and a-f; copy it from SEB's settings (Exam pane) or its log."
                )
                % {"keys": ", ".join(key[:20] for key in wrong[:3])}
            )
        return "\n".join(keys)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("source") == SebConfigSource.UPLOADED
            and self.upload is None
            and not self.errors.get("config_file")
            and not (
                self.exam.seb_config_source == SebConfigSource.UPLOADED
                and self.exam.seb_config_file
            )
        ):
            self.add_error(
                "config_file",
                _(
                    "Choose the .seb file to upload, or let the platform generate the "
                    "configuration."
                ),
            )
        return data

    def choices(self) -> seb_settings.SebChoices:
        data = self.cleaned_data
        upload = data.get("config_file")
        return seb_settings.SebChoices(
            requires_seb=data["requires_seb"],
            source=data["source"],
            upload=self.upload,
            upload_name=upload.name if upload is not None else "",
            allow_quit=data["allow_quit"],
            new_quit_password=data["quit_password"],
            clear_quit_password=data["clear_quit_password"],
            browser_exam_keys=data["browser_exam_keys"],
        )


@role_required(*STAFF)
def exam_seb(request: HttpRequest, exam_id: int) -> HttpResponse:
    exam = get_object_or_404(exams_for_staff(request.user), pk=exam_id)
    initial = {
        "requires_seb": exam.requires_seb,
        "source": exam.seb_config_source,
        "allow_quit": exam.seb_allow_quit,
        "browser_exam_keys": exam.seb_browser_exam_keys,
    }
    form = SebSettingsForm(request.POST or None, request.FILES or None, initial=initial, exam=exam)
    if request.method == "POST" and form.is_valid():
        try:
            seb_settings.save(
                exam,
                form.choices(),
                absolute=request.build_absolute_uri,
                actor=request.user,
                request=request,
            )
        except seb_files.SebFileRefused as refused:
            form.add_error("config_file", str(refused.message))
        else:
            messages.success(request, _("The Safe Exam Browser settings were saved."))
            return redirect("exams:staff-seb", exam.pk)
    return render(
        request,
        "exams/staff_seb.html",
        {
            "exam": exam,
            "form": form,
            "config_key": seb_settings.config_key(exam),
            "has_config": seb_settings.has_config(exam),
            "download_url": seb_settings.download_url(request, exam),
            "launch_url": seb_settings.launch_url(request, exam),
            "quit_password_set": bool(exam.seb_quit_password_hash),
        },
        status=400 if request.method == "POST" else 200,
    )


@never_cache
def config_download(request: HttpRequest, token: str) -> HttpResponse:
    """The exam's ``.seb`` file, for SEB (which opens this address from the launch link) and
    for staff. No session: the signed address is the permission."""
    exam = seb_settings.exam_for_token(token)
    if exam is None or not seb_settings.has_config(exam):
        raise Http404(_("This exam has no Safe Exam Browser configuration."))
    response = HttpResponse(bytes(exam.seb_config_file), content_type="application/seb")
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", exam.code) or "exam"
    response["Content-Disposition"] = f'attachment; filename="{name}.seb"'
    return response


def quit_page(request: HttpRequest) -> HttpResponse:
    """The quit address of generated configurations: SEB closes when it opens this page."""
    return render(request, "exams/seb_quit.html")


def required_response(request: HttpRequest, exam: Exam) -> HttpResponse:
    """What a candidate sees when an SEB exam's page is opened outside SEB (or with the wrong
    configuration): how to open it in SEB, with the launch link when there is a configuration."""
    context: dict[str, Any] = {"exam": exam}
    if seb_settings.has_config(exam):
        context["launch_url"] = seb_settings.launch_url(request, exam)
        context["download_url"] = seb_settings.download_url(request, exam)
    return render(request, "exams/seb_required.html", context, status=403)
