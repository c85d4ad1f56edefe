package djangosite

import (
	"encoding/hex"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/two-factor/two-factor/otpcore"
)

// Device tables and the digit two-factor appends to a Django id to make
// its own device id (DJANGO.md: djangoID*10 + table digit).
const (
	TOTPTable   = "otp_totp_totpdevice"
	HOTPTable   = "otp_hotp_hotpdevice"
	StaticTable = "otp_static_staticdevice"
	PhoneTable  = "two_factor_phonedevice"
)

var tableDigit = map[string]int64{TOTPTable: 1, HOTPTable: 2, StaticTable: 3, PhoneTable: 4}

// Device is a django-otp device as Django describes it.
type Device struct {
	Table        string `json:"table"`
	ID           int64  `json:"id"`
	PersistentID string `json:"persistent_id"` // "otp_totp.totpdevice/3"
	Name         string `json:"name"`
	Confirmed    bool   `json:"confirmed"`
	User         string `json:"user"`
	Key          string `json:"key"` // hex; "" for static devices
}

// TwoFactorID is the id two-factor gives this device.
func (d Device) TwoFactorID() int64 { return d.ID*10 + tableDigit[d.Table] }

// Ref is TwoFactorID as a --device argument.
func (d Device) Ref() string { return strconv.FormatInt(d.TwoFactorID(), 10) }

// TOTP are the fields of a new TOTPDevice; zero values get Django's
// defaults (random key, step 30, 6 digits, tolerance 1, last_t -1).
type TOTP struct {
	Name        string // default "default"
	Unconfirmed bool
	Key         string
	Step        int
	T0          int64
	Digits      int
	Tolerance   *int
	Drift       int
	LastT       *int64
}

// HOTP are the fields of a new HOTPDevice (defaults: tolerance 5, counter 0).
type HOTP struct {
	Name        string // default "hotp"
	Unconfirmed bool
	Key         string
	Digits      int
	Tolerance   *int
	Counter     int64
}

// Int is a pointer to v, for the optional fields.
func Int(v int) *int { return &v }

// Int64 is a pointer to v.
func Int64(v int64) *int64 { return &v }

// do calls the worker and fails the test on an error.
func (s *Site) do(req map[string]any, result any) {
	s.t.Helper()
	if err := s.w.call(req, result); err != nil {
		s.t.Fatal(err)
	}
}

// Call is a raw worker request, for goroutines that must not t.Fatal.
func (s *Site) Call(req map[string]any, result any) error { return s.w.call(req, result) }

// CreateUser adds a user through the ORM (unusable password) and returns
// its id.
func (s *Site) CreateUser(name string) int64 {
	s.t.Helper()
	var r struct{ ID int64 }
	s.do(map[string]any{"op": "create_user", "username": name}, &r)
	return r.ID
}

// withFields merges a device spec into a request through its JSON form.
func withFields(req map[string]any, spec map[string]any, confirmed bool) map[string]any {
	for k, v := range spec {
		req[k] = v
	}
	req["confirmed"] = confirmed
	return req
}

func specMap(v any) map[string]any {
	m := map[string]any{}
	switch d := v.(type) {
	case TOTP:
		put(m, "name", d.Name, d.Name != "")
		put(m, "key", d.Key, d.Key != "")
		put(m, "step", d.Step, d.Step != 0)
		put(m, "t0", d.T0, d.T0 != 0)
		put(m, "digits", d.Digits, d.Digits != 0)
		put(m, "drift", d.Drift, d.Drift != 0)
		if d.Tolerance != nil {
			m["tolerance"] = *d.Tolerance
		}
		if d.LastT != nil {
			m["last_t"] = *d.LastT
		}
	case HOTP:
		put(m, "name", d.Name, d.Name != "")
		put(m, "key", d.Key, d.Key != "")
		put(m, "digits", d.Digits, d.Digits != 0)
		put(m, "counter", d.Counter, d.Counter != 0)
		if d.Tolerance != nil {
			m["tolerance"] = *d.Tolerance
		}
	}
	return m
}

func put(m map[string]any, k string, v any, set bool) {
	if set {
		m[k] = v
	}
}

// AddTOTP creates a TOTPDevice for user through the ORM.
func (s *Site) AddTOTP(user string, d TOTP) Device {
	s.t.Helper()
	var dev Device
	s.do(withFields(map[string]any{"op": "add_totp", "user": user}, specMap(d), !d.Unconfirmed), &dev)
	return dev
}

// AddHOTP creates an HOTPDevice for user through the ORM.
func (s *Site) AddHOTP(user string, d HOTP) Device {
	s.t.Helper()
	var dev Device
	s.do(withFields(map[string]any{"op": "add_hotp", "user": user}, specMap(d), !d.Unconfirmed), &dev)
	return dev
}

// AddStatic creates a confirmed StaticDevice named name with tokens.
func (s *Site) AddStatic(user, name string, tokens ...string) Device {
	s.t.Helper()
	var dev Device
	s.do(map[string]any{"op": "add_static", "user": user, "name": name, "tokens": tokens, "confirmed": true}, &dev)
	return dev
}

// VerifyToken is django_otp.verify_token(user, d.persistent_id, token):
// true when Django accepted the token.
func (s *Site) VerifyToken(user string, d Device, token string) (bool, error) {
	return s.VerifyTokenAt(time.Time{}, user, d, token)
}

// VerifyTokenAt is VerifyToken started by the worker at the instant at
// (zero: now), so a race test can line it up with another process.
func (s *Site) VerifyTokenAt(at time.Time, user string, d Device, token string) (bool, error) {
	req := map[string]any{"op": "verify_token", "user": user, "device": d.PersistentID, "token": token}
	if !at.IsZero() {
		req["at"] = float64(at.UnixNano()) / 1e9
	}
	var r struct{ Device *string }
	if err := s.w.call(req, &r); err != nil {
		return false, err
	}
	if r.Device != nil && *r.Device != d.PersistentID {
		return false, fmt.Errorf("verify_token answered for %s, asked %s", *r.Device, d.PersistentID)
	}
	return r.Device != nil, nil
}

// MatchToken is django_otp.match_token(user, token): the persistent id of
// the device that accepted it, or "".
func (s *Site) MatchToken(user, token string) (string, error) {
	var r struct{ Device *string }
	if err := s.w.call(map[string]any{"op": "match_token", "user": user, "token": token}, &r); err != nil {
		return "", err
	}
	if r.Device == nil {
		return "", nil
	}
	return *r.Device, nil
}

// State is a device's row as stored: every column, and a static device's
// tokens.
type State struct {
	Exists  bool           `json:"exists"`
	Columns map[string]any `json:"columns"`
	Tokens  []string       `json:"tokens"`
}

// Int is an integer column (JSON numbers come back as float64).
func (st State) Int(col string) int64 {
	switch v := st.Columns[col].(type) {
	case float64:
		return int64(v)
	case bool:
		if v {
			return 1
		}
	}
	return 0
}

// Text is a text column, "" for NULL.
func (st State) Text(col string) string {
	v, _ := st.Columns[col].(string)
	return v
}

// IsNull says whether a column is NULL.
func (st State) IsNull(col string) bool { return st.Columns[col] == nil }

// State reads device d's row.
func (s *Site) State(d Device) State {
	s.t.Helper()
	var st State
	s.do(map[string]any{"op": "device_state", "table": d.Table, "id": d.ID}, &st)
	return st
}

// Users lists the user names, oldest first.
func (s *Site) Users() []string {
	s.t.Helper()
	var names []string
	s.do(map[string]any{"op": "users"}, &names)
	return names
}

// Devices lists a user's devices, confirmed or not, in Django's order.
func (s *Site) Devices(user string) []Device {
	s.t.Helper()
	var ds []Device
	s.do(map[string]any{"op": "devices", "user": user}, &ds)
	return ds
}

// CommandResult is what a management command printed and its exit code.
type CommandResult struct {
	Stdout string `json:"stdout"`
	Stderr string `json:"stderr"`
	Code   int    `json:"code"`
}

// Command runs a management command inside the worker, as manage.py would
// (CommandError to stderr, exit code).
func (s *Site) Command(name string, args ...string) CommandResult {
	s.t.Helper()
	var r CommandResult
	s.do(map[string]any{"op": "command", "name": name, "args": args}, &r)
	return r
}

// Manage runs `manage.py args...` as its own process: the real command
// line, exit code included.
func (s *Site) Manage(args ...string) CommandResult {
	s.t.Helper()
	cmd := s.ManageCmd(args...)
	var out, errOut lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	r := CommandResult{Stdout: out.buf.String(), Stderr: errOut.buf.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.Code = ee.ExitCode()
	case err != nil:
		s.t.Fatalf("manage.py %v: %v", args, err)
	}
	return r
}

// ManageCmd is the unstarted `manage.py args...` process (for timing).
func (s *Site) ManageCmd(args ...string) *exec.Cmd {
	cmd := exec.Command(Python, append([]string{"manage.py"}, args...)...)
	cmd.Dir = s.Dir
	cmd.Env = s.env
	return cmd
}

// SQL runs a statement on the site's database through Django's connection
// (test set-up the ORM cannot express) and returns the rows.
func (s *Site) SQL(query string, params ...any) [][]any {
	s.t.Helper()
	var rows [][]any
	if params == nil {
		params = []any{}
	}
	s.do(map[string]any{"op": "sql", "sql": query, "params": params}, &rows)
	return rows
}

// BulkSite fills the site for benchmarks: users u000000.., the first
// enabled of them with a confirmed TOTP device named default, and HOTP
// devices (every other one unconfirmed) until there are devices devices.
func (s *Site) BulkSite(users, devices, enabled int) {
	s.t.Helper()
	s.do(map[string]any{"op": "bulk_site", "users": users, "devices": devices, "enabled": enabled}, nil)
}

// Unthrottle clears every device's throttling, as an admin would in
// Django's admin, so the attempt after a deliberately refused one is
// judged on its code alone.
func (s *Site) Unthrottle() {
	s.t.Helper()
	for _, table := range []string{TOTPTable, HOTPTable, StaticTable} {
		s.SQL(`UPDATE "` + table + `" SET throttling_failure_count = 0, throttling_failure_timestamp = NULL`)
	}
}

// Code is the 6-digit code of a django-otp device whose key is hexKey (as
// Django stores it) at counter: an HOTP counter or a TOTP time step
// (django-otp's TOTP is HOTP of the step, SHA-1 only).
func Code(t testing.TB, hexKey string, counter int64) string {
	t.Helper()
	key, err := hex.DecodeString(hexKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := otpcore.HOTP(otpcore.SHA1, key, uint64(counter), 6)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
