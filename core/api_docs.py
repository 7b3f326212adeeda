"""The browsable API docs (Swagger UI from drf-spectacular-sidecar) under the site's
Content-Security-Policy.

drf-spectacular's own page starts Swagger UI with an inline script and styles it with
an inline style block; the split view serves that script as a file of its own, and
our template (templates/api/swagger_ui.html) links a stylesheet instead of the style
block. What remains is one allowance, for this page only: Swagger UI's stylesheet
draws its icons as ``data:`` images.
"""

from csp.decorators import csp_update
from django.utils.decorators import method_decorator
from drf_spectacular.views import SpectacularSwaggerSplitView


@method_decorator(csp_update({"img-src": ["data:"]}), name="dispatch")
class ApiDocsView(SpectacularSwaggerSplitView):
    template_name = "api/swagger_ui.html"
