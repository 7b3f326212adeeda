from django.urls import path

from training import views

urlpatterns = [path("curricula/<slug:slug>/", views.curriculum_detail, name="curriculum")]
