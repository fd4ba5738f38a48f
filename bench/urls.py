"""The site's URLs and one bare view: the floor a page is measured against.

The bare view goes through the same middleware as every page (session,
sign-in, second factor, CSRF, security headers) and does nothing else.
"""

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as site


def bare(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare, name="bench_bare"), *site]
