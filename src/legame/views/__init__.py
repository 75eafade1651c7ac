"""What the surfaces show, as plain data: one function per page or endpoint.

The HTTP API, the dashboard and the HTML report all call these and only format the
result, so a number on a page is the number the API returns.
"""

from legame.views.customers import customer_360, list_customers
from legame.views.engagement import engagement
from legame.views.findings import findings
from legame.views.overview import overview
from legame.views.validation import validation

__all__ = ["customer_360", "engagement", "findings", "list_customers", "overview", "validation"]
