from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """Pages of 25 (``?page_size=`` up to 200), refusing what is no number.

    DRF ignores a ``page_size`` it cannot read and reads an empty ``?page=``
    as the first page: a typo then silently gave another page than asked.
    A page size that is no positive whole number answers 400, a page that
    is none 404 (DRF's "Invalid page."); a size above 200 gives 200 rows.
    """

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not (raw.isascii() and raw.isdigit() and int(raw) > 0):
            raise ValidationError(
                {self.page_size_query_param: [_("Ukuran halaman harus bilangan bulat positif.")]}
            )
        return min(int(raw), self.max_page_size)

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param)
        if raw is None:
            return 1
        # An empty or non-numeric page reaches the paginator, which refuses it.
        return paginator.num_pages if raw in self.last_page_strings else raw

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = (
                    f"Rows per page (default {self.page_size}; above "
                    f"{self.max_page_size} gives {self.max_page_size})."
                )
        return parameters
