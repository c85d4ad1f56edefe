package db_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/service/servicetest"
)

// The console's fast listings must say exactly what Users says.
func TestUserPagerAgreesWithUsers(t *testing.T) {
	ctx := context.Background()
	seeded := servicetest.NewEnv(t)
	seeded.Seed(t)
	bulk := servicetest.OpenEnv(t, servicetest.BigStore(t, servicetest.BigStoreSpec{Users: 2000, Devices: 3100}))
	for name, st := range map[string]*db.SQLite{"seeded": seeded.Store, "bulk": bulk.Store} {
		want, err := st.Users(ctx)
		if err != nil {
			t.Fatal(err)
		}
		all, err := st.AllUsers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(all, want) {
			for i := range want {
				if i < len(all) && !reflect.DeepEqual(all[i], want[i]) {
					t.Fatalf("%s: AllUsers[%d] = %+v\nUsers[%d] = %+v", name, i, all[i], i, want[i])
				}
			}
			t.Fatalf("%s: AllUsers has %d rows, Users %d", name, len(all), len(want))
		}
		for _, limit := range []int{1, 5, 200} {
			first, err := st.FirstUsers(ctx, limit)
			if err != nil {
				t.Fatal(err)
			}
			if n := min(limit, len(want)); !reflect.DeepEqual(first, want[:n]) {
				t.Errorf("%s: FirstUsers(%d) differs from the first %d of Users", name, limit, n)
			}
		}
		n, err := st.UserCount(ctx)
		if err != nil || n != len(want) {
			t.Errorf("%s: UserCount = %d, %v; want %d", name, n, err, len(want))
		}
	}
}
