from django.urls import path

from . import views

app_name = "checkins"

urlpatterns = [
    path("tracks/<slug:slug>/behaviours/", views.behaviours, name="behaviours"),
    path("tracks/<slug:slug>/behaviours/start/", views.start, name="start"),
    path("tracks/<slug:slug>/behaviours/submit/", views.submit, name="submit"),
    path("tracks/<slug:slug>/behaviours/rate/<slug:key>/", views.rate, name="rate"),
    path("tracks/<slug:slug>/behaviours/history/", views.history, name="history"),
    path(
        "tracks/<slug:slug>/behaviours/checkins/<int:pk>/",
        views.checkin_detail,
        name="checkin",
    ),
    path(
        "mentoring/<str:username>/<slug:slug>/checkins/<int:pk>/",
        views.review,
        name="review",
    ),
    path(
        "mentoring/<str:username>/<slug:slug>/checkins/<int:pk>/rate/<slug:key>/",
        views.review_rate,
        name="review-rate",
    ),
    path(
        "mentoring/<str:username>/<slug:slug>/checkins/<int:pk>/complete/",
        views.review_complete,
        name="review-complete",
    ),
]
