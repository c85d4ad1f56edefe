package db_test

import (
	"context"
	"testing"
	"time"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/db/storetest"
	"github.com/two-factor/two-factor/internal/djangofixture"
)

func openDjango(t testing.TB, path string, now func() time.Time) *db.Django {
	t.Helper()
	st, err := db.OpenDjango(context.Background(), path, db.Options{
		KeyFile: path + ".two-factor.key", Create: true, Now: now, BusyTimeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// djangoDifferences are where a Django site's database answers the
// contract differently, each proved by its own test in django_test.go.
var djangoDifferences = storetest.Differences{
	"DuplicatesAndLookAlikesRefused": "user names on a Django site are exact and case-sensitive (get_by_natural_key): ALICE and alice are two users " +
		"(TestDjangoUserNamesAreExact)",
	"LookAlikeAddsOverRandomSequences":       "no look-alike folding on a Django site (TestDjangoUserNamesAreExact)",
	"LookAlikeAddsRacingAcrossHandles":       "no look-alike folding on a Django site (TestDjangoUserNamesAreExact)",
	"StatusesInTheOrderAsked":                "enabled means a confirmed device named \"default\", two-factor-auth's default_device (TestDjangoEnabledMeansADefaultDevice)",
	"TokenStateRules":                        "an assigned token turns 2FA on only when named \"default\" (TestDjangoTokenStates)",
	"BackupCodesRegeneratedAndConsumedOnce":  "django-otp keeps static tokens in plain text, so hashed codes are refused; plain ones are written (TestDjangoStaticTokens)",
	"ReplayFloorNeverDecreasesThroughUpdate": "a django-otp TOTP device has no counter column to keep (TestDjangoReplayStateNeverDecreases)",
}

// The Django backend keeps the Store contract, on both django-otp schemas,
// with a fresh Django database per subtest.
func TestDjangoConformance(t *testing.T) {
	for _, schema := range djangofixture.Schemas {
		t.Run(schema, func(t *testing.T) {
			storetest.RunWith(t, func(t *testing.T, now func() time.Time) storetest.Backend {
				path := djangofixture.Load(t, "", schema)
				open := func(t *testing.T) db.Store { return openDjango(t, path, now) }
				return storetest.Backend{Store: open(t), Open: open}
			}, djangoDifferences)
		})
	}
}
