package djangocross

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/internal/djangosite"
	"github.com/two-factor/two-factor/otpcore"
	"github.com/two-factor/two-factor/service"
)

// TestInventoryReplayPropertyAcrossBoth: an HOTP token imported for nobody
// goes out to alice and back to the inventory at random, while its codes
// are tried by Django's match_token and by two-factor in turn. Whatever
// the order, the token is accepted only while assigned, as django-otp's
// model says (counter..counter+tolerance, then counter = match+1), and its
// counter survives every trip through the inventory, so no code is
// accepted twice across the two. Throttling is off on both sides so every
// attempt is judged on the code alone.
func TestInventoryReplayPropertyAcrossBoth(t *testing.T) {
	ctx := context.Background()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := mrand.New(mrand.NewPCG(seed, 0))
	site := djangosite.NewWith(t, djangosite.Options{NoThrottle: true})
	site.CreateUser("alice")
	svc := open(t, site)
	if err := svc.SetSetting(ctx, "throttle-factor", "0"); err != nil {
		t.Fatal(err)
	}
	secret := make([]byte, 20)
	rand.Read(secret)
	key := hex.EncodeToString(secret)
	file := "serial,secret,type,algorithm,digits,period,t0,counter,drift,manufacturer,model,user,issuer\n" +
		"HK-1," + otpcore.EncodeBase32(secret) + ",hotp,SHA1,6,,,0,0,Token2,C203,,\n"
	if _, err := svc.Import(ctx, strings.NewReader(file), service.ImportOptions{}); err != nil {
		t.Fatal(err)
	}

	assigned, counter, tolerance := false, int64(0), int64(-1)
	trips, acceptedAfterTrip := 0, false // the property needs a token that came back
	accepted := map[int64]string{}
	for i := 0; i < 150; i++ {
		switch op := rng.IntN(10); {
		case op == 0 && !assigned:
			if err := svc.AssignToken(ctx, "HK-1", "alice"); err != nil {
				t.Fatalf("step %d: assign: %v (seed %d)", i, err, seed)
			}
			assigned = true
		case op == 1 && assigned:
			if err := svc.UnassignToken(ctx, "HK-1"); err != nil {
				t.Fatalf("step %d: unassign: %v (seed %d)", i, err, seed)
			}
			assigned = false
			trips++
		default:
			c := max(counter+rng.Int64N(9)-2, 0) // below, inside and beyond the look-ahead
			code := hotpCode(t, key, c)
			side, got := "django", false
			if rng.IntN(2) == 0 {
				got = djangoMatch(t, site, "alice", code) != ""
			} else {
				side = "two-factor"
				r, err := svc.Verify(ctx, "alice", "", code)
				got = err == nil && r.Accepted()
			}
			want := assigned && c >= counter && c <= counter+max(tolerance, 0)
			if got != want {
				t.Fatalf("step %d: %s said %v to counter %d (assigned %v, counter %d, tolerance %d), want %v (seed %d)",
					i, side, got, c, assigned, counter, tolerance, want, seed)
			}
			if got {
				if by, dup := accepted[c]; dup {
					t.Fatalf("counter %d accepted twice: by %s and %s (seed %d)", c, by, side, seed)
				}
				accepted[c], counter = side, c+1
				acceptedAfterTrip = acceptedAfterTrip || trips > 0
			}
		}
		ds := site.Devices("alice")
		if !assigned {
			if len(ds) != 0 {
				t.Fatalf("step %d: Django has devices of alice while the token is in the inventory: %+v (seed %d)", i, ds, seed)
			}
			continue
		}
		if len(ds) != 1 || ds[0].Key != key || !ds[0].Confirmed {
			t.Fatalf("step %d: alice's Django devices with the token assigned: %+v (seed %d)", i, ds, seed)
		}
		st := site.State(ds[0])
		if tolerance < 0 {
			tolerance = st.Int("tolerance") // the site's default, set at the first assignment
		}
		if stored := st.Int("counter"); stored != counter || st.Int("tolerance") != tolerance {
			t.Fatalf("step %d: stored counter %d tolerance %d, model %d %d (seed %d)", i, stored, st.Int("tolerance"), counter, tolerance, seed)
		}
	}
	if !acceptedAfterTrip {
		t.Fatalf("no code was accepted after a trip through the inventory (%d trips, %d codes accepted): the sequence proved nothing (seed %d)", trips, len(accepted), seed)
	}
}

// TestImportNamesTheFirstTokenDefault: an import hands a user's first
// token out as the device two-factor-auth asks for at login (named
// default: Django's two_factor_status then says enabled); a second token
// in the same file, or a token for a user who has a default device, keeps
// its serial; a token the import skips (serial already known) does not
// take the name from one that arrives.
func TestImportNamesTheFirstTokenDefault(t *testing.T) {
	ctx := context.Background()
	site := djangosite.New(t)
	for _, u := range []string{"bob", "erin", "frank"} {
		site.CreateUser(u)
	}
	site.AddTOTP("bob", djangosite.TOTP{}) // named default
	svc := open(t, site)
	row := func(serial, user string) string {
		secret := make([]byte, 20)
		rand.Read(secret)
		return "\n" + serial + "," + otpcore.EncodeBase32(secret) + ",totp,SHA1,6,30,0,0,0,Token2,C202," + user + ","
	}
	const header = "serial,secret,type,algorithm,digits,period,t0,counter,drift,manufacturer,model,user,issuer"
	if _, err := svc.Import(ctx, strings.NewReader(header+row("KNOWN", "")), service.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	file := header + row("E1", "erin") + row("E2", "erin") + row("B1", "bob") + row("KNOWN", "frank") + row("F1", "frank")
	res, err := svc.Import(ctx, strings.NewReader(file), service.ImportOptions{ImportOptions: db.ImportOptions{Assign: true}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 5 || res[3].Action != db.ImportSkipped {
		t.Fatalf("import results: %+v", res)
	}
	names := func(user string) []string {
		var out []string
		for _, d := range site.Devices(user) {
			out = append(out, d.Name)
		}
		return out
	}
	for user, want := range map[string][]string{"erin": {"default", "E2"}, "bob": {"default", "B1"}, "frank": {"default"}} {
		if got := names(user); !slices.Equal(got, want) {
			t.Errorf("%s's Django devices after the import: %q, want %q", user, got, want)
		}
	}
	if got := site.Manage("two_factor_status", "erin", "bob", "frank"); got.Stdout != "erin: enabled\nbob: enabled\nfrank: enabled\n" {
		t.Errorf("two_factor_status after the import: %+v", got)
	}
}
