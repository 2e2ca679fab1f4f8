"""Messages from htmx actions: appended to the answer out of band, so none is ever lost.

A full page draws Django's messages itself. An htmx request that swaps a fragment would leave
them in the session for whatever page comes next (or consume them in a fragment that does not
show them); this appends them to the answer as an out-of-band ``#messages`` update instead.
Answers that send the browser elsewhere (HX-Redirect, HX-Refresh, HX-Location, a 3xx) keep them
for the page that follows.
"""

from __future__ import annotations

from django.contrib.messages import get_messages
from django.template.loader import render_to_string

LEAVES_THE_PAGE = ("HX-Redirect", "HX-Refresh", "HX-Location")


class HtmxMessagesMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not getattr(request, "htmx", False) or getattr(response, "streaming", False):
            return response
        if 300 <= response.status_code < 400 or response.status_code >= 500:
            return response
        if any(header in response.headers for header in LEAVES_THE_PAGE):
            return response
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        pending = list(get_messages(request))  # reading them marks them shown
        if not pending:
            return response
        html = render_to_string("includes/messages.html", {"messages": pending, "oob": True}, request)
        response.content = response.content + html.encode(response.charset or "utf-8")
        if response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))
        return response
