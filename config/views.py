from django.views import defaults

from config.api.errors import api_bad_request, api_not_found, api_server_error


def bad_request(request, exception):
    if request.path.startswith("/api/"):
        return api_bad_request(request, exception)
    return defaults.bad_request(request, exception)


def page_not_found(request, exception):
    """API clients get the API's JSON error shape; people get the HTML page."""
    if request.path.startswith("/api/"):
        return api_not_found(request, exception)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if request.path.startswith("/api/"):
        return api_server_error(request)
    return defaults.server_error(request)
