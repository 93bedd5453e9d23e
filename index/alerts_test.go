package index_test

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"pressfeed"
)

func story(id string) pressfeed.Story {
	return pressfeed.Story{ID: id, Members: []pressfeed.Item{{Key: id, Title: "Story " + id, Content: "<p>long text</p>"}}}
}

func TestOutboxClaimsEachStoryOnceAndSurvivesReopening(t *testing.T) {
	c := &clock{t0}
	path := filepath.Join(t.TempDir(), "s.db")
	db := mustOpen(t, path, c)
	sub := pressfeed.Subscription{Name: "hook", To: "https://hooks.example/in", Cadence: pressfeed.CadenceImmediate, Secret: "k", Created: t0}
	if err := db.AddSubscription(bgCtx, web, sub); err != nil {
		t.Fatal(err)
	}
	if err := db.AddSubscription(bgCtx, web, sub); !errors.Is(err, pressfeed.ErrExists) {
		t.Errorf("a second add: %v, want ErrExists", err)
	}
	bad := sub
	bad.Name, bad.Cadence = "bad", "hourly"
	var verr pressfeed.ValidationError
	if err := db.AddSubscription(bgCtx, web, bad); !errors.As(err, &verr) || verr[0].Field != "cadence" {
		t.Errorf("an invalid subscription: %v", err)
	}
	d1, made, err := db.Enqueue(bgCtx, "hook", []pressfeed.Story{story("a"), story("b")}, false, t0)
	if err != nil || !made || len(d1.Items) != 2 || d1.Stories[0].Members[0].Content != "" {
		t.Fatalf("first enqueue: %+v %v %v (content must be dropped)", d1, made, err)
	}
	d2, made, err := db.Enqueue(bgCtx, "hook", []pressfeed.Story{story("b"), story("c")}, false, t0)
	if err != nil || !made || len(d2.Items) != 1 || d2.Items[0] != "c" {
		t.Fatalf("second enqueue carries %v, want only the unclaimed c (%v)", d2.Items, err)
	}
	if _, made, _ := db.Enqueue(bgCtx, "hook", []pressfeed.Story{story("a")}, false, t0); made {
		t.Error("a delivery of nothing but claimed stories was made")
	}
	if _, _, err := db.Enqueue(bgCtx, "nobody", []pressfeed.Story{story("a")}, false, t0); !errors.Is(err, pressfeed.ErrNotFound) {
		t.Errorf("enqueue for no subscription: %v", err)
	}
	d1.State = pressfeed.DeliverySending
	if err := db.UpdateDelivery(bgCtx, d1); err != nil {
		t.Fatal(err)
	}
	db.Close()

	// As after a kill mid-send: the delivery that was sending is failed,
	// not resent; the claims hold.
	db = mustOpen(t, path, c)
	cut, err := db.RecoverDeliveries(bgCtx, t0.Add(time.Minute))
	if err != nil || len(cut) != 1 || cut[0].ID != d1.ID || cut[0].State != pressfeed.DeliveryFailed {
		t.Fatalf("recover: %+v %v", cut, err)
	}
	if _, made, _ := db.Enqueue(bgCtx, "hook", []pressfeed.Story{story("a"), story("b"), story("c")}, false, t0); made {
		t.Error("after reopening, claimed stories were queued again")
	}
	list, _ := db.Deliveries(bgCtx)
	if len(list) != 2 || list[0].State != pressfeed.DeliveryFailed || list[1].State != pressfeed.DeliveryPending {
		t.Errorf("outbox: %+v", list)
	}
	if open, err := db.OpenDeliveries(bgCtx); err != nil || len(open) != 1 || open[0].ID != d2.ID {
		t.Errorf("open deliveries: %+v (%v), want only the pending one", open, err)
	}

	// History: finished deliveries older than the cutoff go, except each
	// subscription's latest, and the claims stay.
	d2.State, d2.Finished = pressfeed.DeliverySent, t0.Add(2*time.Minute)
	if err := db.UpdateDelivery(bgCtx, d2); err != nil {
		t.Fatal(err)
	}
	if open, _ := db.OpenDeliveries(bgCtx); len(open) != 0 {
		t.Errorf("a sent delivery is still open: %+v", open)
	}
	n, err := db.PruneDeliveries(bgCtx, t0.Add(time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("pruned %d (%v), want 1", n, err)
	}
	if list, _ := db.Deliveries(bgCtx); len(list) != 1 || list[0].ID != d2.ID {
		t.Errorf("after pruning: %+v", list)
	}
	if _, made, _ := db.Enqueue(bgCtx, "hook", []pressfeed.Story{story("a")}, false, t0); made {
		t.Error("pruning history released a claim")
	}
	if err := db.DeleteSubscription(bgCtx, web, "hook"); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteSubscription(bgCtx, web, "hook"); !errors.Is(err, pressfeed.ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
}
