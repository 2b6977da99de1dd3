"""The app's URLs plus ``/noop``: the same middleware stack, a view that returns 204."""

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from dangol.config.urls import urlpatterns as app_urlpatterns


@csrf_exempt
def noop(request):
    return HttpResponse(status=204)


urlpatterns = [path("noop", noop), *app_urlpatterns]
