"""Project middleware."""


class IndonesianFirstMiddleware:
    """Ignore the browser's Accept-Language: Bahasa Indonesia comes first.

    Many Indonesian phones run an English system; visitors still get
    Indonesian until they choose English with the language switch (the
    django_language cookie, which LocaleMiddleware honours after this).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
