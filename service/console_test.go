package service_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/service/servicetest"
)

func TestResyncPreviewThenApply(t *testing.T) {
	ctx := context.Background()
	e := servicetest.NewEnv(t)
	e.AddUser(t, "alice")
	tok := e.Token(t, "alice", "SN1", "c200", 2)
	now := e.Clock.Now()
	codes := []string{servicetest.Code(t, tok, now, 39), servicetest.Code(t, tok, now, 40)} // the token is at +42
	plan, err := e.Svc.ResyncPreview(ctx, "alice", codes, service.ResyncOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if plan.Result.NewDrift != 42 || plan.Result.OldDrift != 2 || plan.Result.Match.Offset != 40 || plan.After.Drift != 42 {
		t.Fatalf("plan %+v", plan.Result)
	}
	if plan.Before.Secret != nil || plan.After.Secret != nil {
		t.Fatal("a plan carries the secret")
	}
	ds, _ := e.Store.Devices(ctx, "alice")
	if ds[0].Drift != 2 {
		t.Fatal("the preview saved")
	}
	if es, _ := e.Store.Audit(ctx, db.AuditFilter{Action: "device.resync"}); len(es) != 0 {
		t.Fatal("the preview wrote to the audit log")
	}
	d, err := e.Svc.ApplyResync(ctx, plan)
	if err != nil || d.Drift != 42 {
		t.Fatalf("apply: %+v %v", d, err)
	}
	// The codes used for the resync cannot be replayed; the next one works.
	r, err := e.Svc.Verify(ctx, "alice", "", codes[1])
	if err != nil || r.Accepted() {
		t.Fatalf("replayed resync code: %v %v", r.Outcome, err)
	}
	// An hour on: a sample in the same hour as the resync's would replace
	// it (the history keeps one an hour).
	e.Clock.Advance(time.Hour)
	d.Secret = tok.Secret
	if r, err := e.Svc.Verify(ctx, "alice", "", servicetest.Code(t, d, e.Clock.Now(), 0)); err != nil || !r.Accepted() {
		t.Fatalf("next code after the resync: %v %v", r.Outcome, err)
	}
	hist, _ := e.Store.DriftHistory(ctx, d.ID)
	if len(hist) < 2 || hist[len(hist)-2].Drift != 42 {
		t.Errorf("drift history %+v", hist)
	}
	es, _ := e.Store.Audit(ctx, db.AuditFilter{Action: "device.resync"})
	if len(es) != 1 || es[0].Detail != "drift +2 -> +42 steps" {
		t.Errorf("audit %+v", es)
	}
}

func TestApplyResyncRefusesAStalePlan(t *testing.T) {
	ctx := context.Background()
	e := servicetest.NewEnv(t)
	e.AddUser(t, "alice")
	tok := e.Token(t, "alice", "SN1", "c200", 0)
	now := e.Clock.Now()
	plan, err := e.Svc.ResyncPreview(ctx, "alice", []string{servicetest.Code(t, tok, now, 9), servicetest.Code(t, tok, now, 10)}, service.ResyncOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(30 * time.Second) // a login at the old position moves the replay floor
	if r, err := e.Svc.Verify(ctx, "alice", "", servicetest.Code(t, tok, e.Clock.Now(), 0)); err != nil || !r.Accepted() {
		t.Fatalf("login: %v %v", r.Outcome, err)
	}
	if _, err := e.Svc.ApplyResync(ctx, plan); !errors.Is(err, service.ErrResyncStale) {
		t.Fatalf("stale apply: %v", err)
	}
	ds, _ := e.Store.Devices(ctx, "alice")
	if ds[0].Drift != 0 {
		t.Fatalf("drift %d after a refused apply", ds[0].Drift)
	}
}

func TestResyncPreviewErrors(t *testing.T) {
	ctx := context.Background()
	e := servicetest.NewEnv(t)
	e.AddUser(t, "alice")
	e.Token(t, "alice", "SN1", "c200", 0)
	if _, err := e.Svc.ResyncPreview(ctx, "alice", []string{"000000", "000001"}, service.ResyncOptions{Window: 30}); err == nil {
		t.Error("nonsense codes found a match")
	}
	if _, err := e.Svc.ResyncPreview(ctx, "nobody", []string{"1", "2"}, service.ResyncOptions{}); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("unknown user: %v", err)
	}
	if _, err := e.Svc.ResyncPreview(ctx, "alice", []string{"12", "34"}, service.ResyncOptions{}); !errors.Is(err, devices.ErrMalformedCode) {
		t.Errorf("short codes: %v", err)
	}
}

func TestDriftReportCarriesHistory(t *testing.T) {
	e := servicetest.NewEnv(t)
	e.Seed(t)
	ls, err := e.Svc.DriftReport(context.Background(), 30*24*time.Hour, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != 2 || ls[0].Device.Serial != "SN0042" || !ls[0].Trend.Flag || len(ls[0].Samples) != 8 {
		t.Fatalf("lines %+v", ls)
	}
	all, _ := e.Svc.DriftReport(context.Background(), 30*24*time.Hour, true)
	if len(all) <= len(ls) {
		t.Errorf("all devices: %d lines", len(all))
	}
}

func TestFirstUsers(t *testing.T) {
	e := servicetest.NewEnv(t)
	e.Seed(t)
	us, n, err := e.Svc.FirstUsers(context.Background(), 2)
	if err != nil || n != 6 || len(us) != 2 || us[0].Name != "alice" || us[1].Name != "bob" {
		t.Fatalf("%v %d %v", us, n, err)
	}
}
