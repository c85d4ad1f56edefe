// Package djangocross holds issue 11's cross tests at the library level:
// a real Django site (internal/djangosite) and two-factor's Django backend
// (db.OpenDjango + service.Service) on the same SQLite file, each checking
// what the other wrote. The same properties through the built binary are
// in e2e/django_test.go. There is no non-test code here.
package djangocross
