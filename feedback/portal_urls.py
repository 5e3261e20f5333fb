"""URLs of this app's part of the site; see clinic/urls.py for where they are mounted."""

urlpatterns: list = []
