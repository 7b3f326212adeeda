from django.urls import path

from training import views, views_interchange

urlpatterns = [
    path("curricula/<slug:slug>/", views.curriculum_detail, name="curriculum"),
    path("banks/", views_interchange.bank_list, name="banks"),
    path("banks/<slug:slug>/export/<str:fmt>/", views_interchange.bank_export, name="bank-export"),
    path("banks/<slug:slug>/import/", views_interchange.question_import, name="question-import"),
]
