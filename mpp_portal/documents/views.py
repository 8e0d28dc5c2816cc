"""Public verification pages: anyone holding a code may check a document."""

from django.http import FileResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from mpp_portal.documents import services
from mpp_portal.documents.forms import CompareForm, LookupForm
from mpp_portal.documents.models import IssuedDocument, normalize_code


def _find(code):
    return (
        IssuedDocument.objects.select_related("hall", "issued_by")
        .filter(verification_code=normalize_code(code))
        .first()
    )


def _not_found(request, code):
    return render(request, "documents/not_found.html", {"code": code}, status=404)


@require_http_methods(["GET"])
def lookup(request):
    form = LookupForm(request.GET or None)
    if form.is_valid():
        return redirect("documents:verify", code=form.cleaned_data["code"])
    return render(request, "documents/lookup.html", {"form": form})


@require_http_methods(["GET", "POST"])
def verify(request, code):
    document = _find(code)
    if document is None:
        return _not_found(request, code)
    if code != document.verification_code:
        # One address per document, whatever case the visitor typed.
        return redirect(document)
    matches = None
    form = CompareForm()
    if request.method == "POST":
        form = CompareForm(request.POST, request.FILES)
        if form.is_valid():
            matches = services.document_matches(
                document=document, uploaded_file=form.cleaned_data["pdf"]
            )
    return render(
        request,
        "documents/verify.html",
        {"document": document, "form": form, "matches": matches},
        status=400 if request.method == "POST" and not form.is_valid() else 200,
    )


@require_http_methods(["GET"])
def download(request, code):
    document = _find(code)
    if document is None or not document.file:
        return _not_found(request, code)
    if document.is_revoked:
        # A withdrawn document is not handed out again; its page explains why.
        return render(request, "documents/revoked.html", {"document": document}, status=410)
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.download_filename,
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
