from django.urls import path

from chihuy.web.views import audit, home, people, units, users

app_name = "web"

urlpatterns = [
    path("", home.home, name="home"),
    path("scope/", home.scope_switch, name="scope"),
    path("chua-co/<slug:area>/", home.pending, name="pending"),
    path("people/", people.person_list, name="people"),
    path("people/new/", people.person_create, name="person_create"),
    path("people/import/", people.person_import, name="person_import"),
    path("people/import/mau.xlsx", people.person_import_template, name="person_import_template"),
    path("jobs/<int:job_id>/", people.job_detail, name="job"),
    path("people/unmerge/<int:event_id>/", people.person_unmerge, name="person_unmerge"),
    path("people/<int:person_id>/", people.person_detail, name="person"),
    path("people/<int:person_id>/edit/", people.person_edit, name="person_edit"),
    path("people/<int:person_id>/deactivate/", people.person_deactivate, name="person_deactivate"),
    path("people/<int:person_id>/merge/", people.person_merge, name="person_merge"),
    path("units/", units.unit_index, name="units"),
    path("units/<int:unit_id>/", units.unit_detail, name="unit"),
    path("units/<int:unit_id>/sites/", units.site_create, name="site_create"),
    path("units/<int:unit_id>/population/", units.population_import, name="population_import"),
    path("sites/<int:site_id>/deactivate/", units.site_deactivate, name="site_deactivate"),
    path("audit/", audit.audit_log, name="audit"),
    path("audit/export.xlsx", audit.audit_export_xlsx, name="audit_export"),
    path("users/", users.user_list, name="users"),
    path("users/new/", users.user_create, name="user_create"),
    path("users/<int:user_id>/", users.user_edit, name="user"),
    path("users/<int:user_id>/password/", users.user_password, name="user_password"),
    path("account/tokens/", users.token_list, name="tokens"),
    path("account/tokens/<int:token_id>/revoke/", users.token_revoke, name="token_revoke"),
]
