package service_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/service/servicetest"
)

// BenchmarkStatusOneUser is `status NAME` for one user, on stores of
// 1,000, 10,000 and 100,000 users (servicetest.BigStore: 1.5 devices a
// user). The cost must not grow with the store.
//
//	go test ./service/ -run '^$' -bench StatusOneUser -benchtime 2000x -count 3
func BenchmarkStatusOneUser(b *testing.B) {
	for _, users := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("users=%d", users), func(b *testing.B) {
			svc := bigService(b, users)
			name := fmt.Sprintf("user%06d", users/2)
			for b.Loop() {
				st, err := svc.Status(context.Background(), []string{name})
				if err != nil || !st[0].Exists {
					b.Fatalf("status %s: %+v %v", name, st, err)
				}
			}
		})
	}
}

func bigService(tb testing.TB, users int) *service.Service {
	tb.Helper()
	path := servicetest.BigStore(tb, servicetest.BigStoreSpec{Users: users, Devices: users * 3 / 2})
	return servicetest.OpenEnv(tb, path).Svc
}

// Naming one user looks that user up: on a store 30 times larger the
// answer takes about as long, where it took about 30 times longer when
// every user was aggregated for it. The bound (4×) leaves room for a
// noisy machine; the old query measured 20-40×.
func TestStatusOfOneUserDoesNotGrowWithTheStore(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 30,000-user store")
	}
	timeOne := func(users int) time.Duration {
		svc := bigService(t, users)
		name := fmt.Sprintf("user%06d", users/2)
		best := time.Hour
		for range 30 {
			start := time.Now()
			st, err := svc.Status(context.Background(), []string{name, "nobody"})
			if d := time.Since(start); d < best {
				best = d
			}
			if err != nil || !st[0].Exists || st[1].Exists {
				t.Fatalf("status: %+v %v", st, err)
			}
		}
		return best
	}
	small, large := timeOne(1_000), timeOne(30_000)
	if large > 4*small {
		t.Fatalf("status of one user: %v on 1,000 users, %v on 30,000 (%.1f×)", small, large, float64(large)/float64(small))
	}
	t.Logf("status of one user: %v on 1,000 users, %v on 30,000", small, large)
}

// BenchmarkDriftReport is `two-factor drift` over every hardware token of
// a 10,000-user store (3,000 tokens with a drift history each): one query
// for the tokens and their histories, then the analysis.
//
//	go test ./service/ -run '^$' -bench DriftReport -benchtime 20x -count 3
func BenchmarkDriftReport(b *testing.B) {
	svc := bigService(b, 10_000)
	for b.Loop() {
		rows, err := svc.DriftReport(context.Background(), 30*24*time.Hour, false)
		if err != nil || len(rows) == 0 {
			b.Fatalf("drift report: %d rows, %v", len(rows), err)
		}
	}
}
