"""The project's URLs plus ``/bench/floor/``, only under ``bench.settings``."""

from django.urls import path

from learnerportal.urls import urlpatterns as project_urlpatterns

from . import views

urlpatterns = [path("bench/floor/", views.floor, name="bench_floor"), *project_urlpatterns]
