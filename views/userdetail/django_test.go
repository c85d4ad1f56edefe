package userdetail_test

import (
	"strings"
	"testing"

	"github.com/two-factor/two-factor/tui/tuitest"
	"github.com/two-factor/two-factor/views/userdetail"
)

// zoeRows: a Django user with a confirmed TOTP device named default (the
// RFC 6238 key) and an unconfirmed spare, as django-otp 1.1.3 stores them.
const zoeRows = `INSERT INTO auth_user (id, password, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined)
	VALUES (1, '!x', 0, 'zoe', '', '', '', 0, 1, '2026-01-01 00:00:00');
INSERT INTO otp_totp_totpdevice (id, name, confirmed, key, step, t0, digits, tolerance, drift, last_t, user_id, throttling_failure_count, throttling_failure_timestamp)
	VALUES (1, 'default', 1, '3132333435363738393031323334353637383930', 30, 0, 6, 1, 0, -1, 1, 0, NULL),
	       (2, 'spare', 0, '3132333435363738393031323334353637383930', 30, 0, 6, 1, 0, -1, 1, 0, NULL)`

// A Django site's devices cannot be switched off: the screen does not
// offer it, and the key says why at once instead of asking first; a
// device django-otp 1.1.3 never dated reads "created unknown", not
// "never".
func TestDjangoSiteOffersNoSwitch(t *testing.T) {
	c := tuitest.DjangoCommon(t, 80, 24, zoeRows)
	a := tuitest.NewApp(c, userdetail.New(c, "zoe"))
	f := a.Frame()
	if strings.Contains(f, "e disable") || strings.Contains(f, "e enable") {
		t.Errorf("the help offers switching a Django device:\n%s", f)
	}
	if !strings.Contains(f, "created unknown") {
		t.Errorf("an undated device:\n%s", f)
	}
	a.Keys("e")
	if got := a.Root.StatusLine().Text; !strings.Contains(got, "not available on a Django site") || a.Root.Depth() != 1 {
		t.Fatalf("e on a Django device: status %q, depth %d\n%s", got, a.Root.Depth(), a.Frame())
	}
}
