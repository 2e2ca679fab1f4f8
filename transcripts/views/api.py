"""The AI/ML API's two speech-to-text endpoints, answered by this server (JSON only).

    POST /v1/stt/create            JSON {model, url, ...options} or multipart (file in "audio" or "file")
    GET  /v1/stt/<generation_id>   {generation_id, status, result, error}

Auth is ``Authorization: Bearer <personal access token>`` (Settings → API tokens). Errors use the
vendor's body ``{message, path, requestId, statusCode, timestamp}``. Rules live in
``services/compat_api.py``; these views only parse the request and render the answer.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from ..models import ApiToken
from ..services.api_tokens import authenticate_token
from ..services.compat_api import ApiRefusal, find_generation, generation_body, submit_api_request

NO_STORE = {"Cache-Control": "no-store"}


def vendor_error(request: HttpRequest, status: int, message: str) -> JsonResponse:
    body = {
        "message": message,
        "path": request.path,
        "requestId": str(uuid.uuid4()),
        "statusCode": status,
        "timestamp": timezone.now().isoformat().replace("+00:00", "Z"),
    }
    response = JsonResponse(body, status=status, headers=NO_STORE)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="stt"'
    return response


def _token(request: HttpRequest) -> ApiToken:
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise ApiRefusal(401, "Missing API key: send it as “Authorization: Bearer <token>”.")
    token = authenticate_token(raw=credentials.strip())
    if token is None:
        raise ApiRefusal(401, "Invalid or revoked API key. Create a token in Settings → API tokens.")
    return token


def _fields(request: HttpRequest) -> tuple[dict[str, Any], Any]:
    """The request's fields and its uploaded file (multipart), or its JSON object."""
    content_type = request.content_type or ""
    if content_type == "application/json":
        try:
            fields = json.loads(request.body or b"null")
        except (ValueError, UnicodeDecodeError):
            raise ApiRefusal(400, "The request body is not valid JSON.") from None
        if not isinstance(fields, dict):
            raise ApiRefusal(400, "The request body must be a JSON object.")
        return fields, None
    if content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        fields: dict[str, Any] = {}
        for name, values in request.POST.lists():
            if name.endswith("[]"):  # Multer-style lists, as the vendor's form parser reads them
                fields[name[:-2]] = values
            else:
                fields[name] = values[0] if len(values) == 1 else values
        files = [request.FILES[name] for name in ("audio", "file") if name in request.FILES]
        if len(files) > 1:
            raise ApiRefusal(400, "Send one file, in the part named “audio” (or “file”), not both.")
        return fields, files[0] if files else None
    raise ApiRefusal(400, "Send JSON (application/json) or a multipart form (multipart/form-data).")


@csrf_exempt
def stt_create(request: HttpRequest) -> JsonResponse:
    if request.method != "POST":
        return vendor_error(request, 405, "Use POST to create a transcription.")
    try:
        token = _token(request)
        fields, upload = _fields(request)
        job = submit_api_request(token=token, fields=fields, upload=upload)
    except ApiRefusal as refusal:
        return vendor_error(request, refusal.status, refusal.message)
    return JsonResponse({"generation_id": str(job.pk)}, status=201, headers=NO_STORE)


@csrf_exempt
def stt_get(request: HttpRequest, generation_id: str) -> JsonResponse:
    if request.method not in ("GET", "HEAD"):
        return vendor_error(request, 405, "Use GET to read a transcription.")
    try:
        token = _token(request)
        job = find_generation(token=token, generation_id=generation_id)
    except ApiRefusal as refusal:
        return vendor_error(request, refusal.status, refusal.message)
    return JsonResponse(generation_body(job=job, style=token.status_style), headers=NO_STORE)
