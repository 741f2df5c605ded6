from django.urls import path

from notifications import views

urlpatterns = [
    path("", views.NotificationListApi.as_view(), name="notifications-list"),
    path("unread-count/", views.NotificationUnreadCountApi.as_view(), name="notifications-unread"),
    path("read/", views.NotificationMarkReadApi.as_view(), name="notifications-read"),
]
